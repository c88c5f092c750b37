-- The lead's review list walks the district's contacts newest first (ORDER BY occurred_at DESC,
-- received_at DESC LIMIT 500): with this index the database reads the newest rows in order instead
-- of sorting every contact of the district (`mimamori bench-review`: 52,000 contacts a district).
CREATE INDEX contacts_newest ON contacts(occurred_at DESC, received_at DESC);
-- The same list filtered by concern level (至急 is about 1 in 100): newest first among those only,
-- instead of walking every district's newest contacts to find them.
CREATE INDEX contacts_concern_newest ON contacts(concern, occurred_at DESC, received_at DESC);
