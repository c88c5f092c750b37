ALTER TABLE users DROP COLUMN term_ends_on;
ALTER TABLE users DROP COLUMN term_starts_on;
