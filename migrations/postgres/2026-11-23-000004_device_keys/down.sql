ALTER TABLE devices DROP COLUMN wiped_at;
ALTER TABLE devices DROP COLUMN app_version;
ALTER TABLE devices DROP COLUMN key_share;
