ALTER TABLE alerts DROP COLUMN close_note;
