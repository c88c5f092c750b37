-- A lost tablet leaks nothing (#6), server side: each device's key share (half of what unlocks its
-- local store), its last check-in and app version, and when it confirmed a remote wipe.
ALTER TABLE devices ADD COLUMN key_share TEXT;
ALTER TABLE devices ADD COLUMN app_version TEXT;
ALTER TABLE devices ADD COLUMN wiped_at BIGINT;
