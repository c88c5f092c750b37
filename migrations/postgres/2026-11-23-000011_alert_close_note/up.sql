-- The district lead's note when closing an alert (対応済み: what was done). Kept in the alert row
-- only: it may hold personal data, so the audit log records that a note was given, never its text.
-- Same in migrations/sqlite and migrations/postgres.
ALTER TABLE alerts ADD COLUMN close_note TEXT;
