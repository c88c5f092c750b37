-- The city's own number for a resident (the 要援護者名簿's id): a roster imported again next month
-- updates the residents it names instead of adding them twice. Unique where given.
-- Same in migrations/sqlite and migrations/postgres.
ALTER TABLE residents ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX residents_external_id ON residents (external_id);
