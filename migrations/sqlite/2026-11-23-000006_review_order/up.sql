-- The lead's review list walks the district's contacts newest first (ORDER BY occurred_at DESC,
-- received_at DESC LIMIT 500): with this index the database reads the newest rows in order instead
-- of sorting every contact of the district (`mimamori bench-review`: 52,000 contacts).
CREATE INDEX contacts_newest ON contacts(occurred_at DESC, received_at DESC);
