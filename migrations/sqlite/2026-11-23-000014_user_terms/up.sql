-- A commissioner's term (任期: three years from the 一斉改選, e.g. 2025-12-01 to 2028-11-30), as the
-- city's list of people says; shown on the office's People screen. Days as YYYY-MM-DD (Japan).
-- Same in migrations/sqlite and migrations/postgres.
ALTER TABLE users ADD COLUMN term_starts_on TEXT;
ALTER TABLE users ADD COLUMN term_ends_on TEXT;
