-- A password set by an administrator's reset (a temporary one, shown once): the user is asked to
-- choose their own at the next login. Same in migrations/sqlite and migrations/postgres.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
