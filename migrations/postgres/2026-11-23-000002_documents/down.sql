DROP TABLE data_problems;
DROP TABLE reviews;
DROP TABLE contacts;
DROP TABLE doc_sync_states;
DROP TABLE doc_chunks;
DROP INDEX residents_doc_id;
ALTER TABLE residents DROP COLUMN doc_changed_at;
ALTER TABLE residents DROP COLUMN doc_id;
