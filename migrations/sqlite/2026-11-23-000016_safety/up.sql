-- 安否 (issue 23, docs/design/disaster-and-schema-v2.md §3.3, §3.5): the safety records tablets write
-- into residents' documents during 災害モード, as the server counted them (author = deliverer; never
-- edited), each resolved to the disaster it belongs to (NULL until a declaration covers it); the
-- latest per resident and disaster (by the record's own time, so arrival order never matters); the
-- commissioners' own status; and a district lead's take-over of a commissioner's residents. Words
-- and times only: the memo stays in the document. Same in migrations/sqlite and migrations/postgres.
CREATE TABLE safety_records (
    resident_id TEXT NOT NULL REFERENCES residents(id),
    id TEXT NOT NULL,
    disaster_id TEXT REFERENCES disasters(id),
    status TEXT NOT NULL,
    at TEXT NOT NULL,
    author_id TEXT NOT NULL,
    delivered_by_user_id TEXT NOT NULL,
    delivered_by_device_id TEXT,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (resident_id, id)
);
CREATE INDEX safety_records_disaster ON safety_records(disaster_id, resident_id);
CREATE TABLE safety_latest (
    disaster_id TEXT NOT NULL REFERENCES disasters(id),
    resident_id TEXT NOT NULL REFERENCES residents(id),
    record_id TEXT NOT NULL,
    status TEXT NOT NULL,
    at TEXT NOT NULL,
    author_id TEXT NOT NULL,
    PRIMARY KEY (disaster_id, resident_id)
);
CREATE TABLE self_safety (
    user_id TEXT NOT NULL REFERENCES users(id),
    id TEXT NOT NULL,
    disaster_id TEXT REFERENCES disasters(id),
    status TEXT NOT NULL,
    at TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, id)
);
CREATE TABLE disaster_takeovers (
    disaster_id TEXT NOT NULL REFERENCES disasters(id),
    commissioner_id TEXT NOT NULL REFERENCES users(id),
    taken_by TEXT NOT NULL REFERENCES users(id),
    taken_at BIGINT NOT NULL,
    released_at BIGINT,
    PRIMARY KEY (disaster_id, commissioner_id)
);
