DROP INDEX residents_external_id;
ALTER TABLE residents DROP COLUMN external_id;
