-- Resident documents (Automerge) and their SQL projection. Keep in step with migrations/sqlite.
ALTER TABLE residents ADD COLUMN doc_id TEXT;
ALTER TABLE residents ADD COLUMN doc_changed_at BIGINT;
CREATE UNIQUE INDEX residents_doc_id ON residents(doc_id);

-- A document is the concatenation of its chunks in id order: a snapshot, then increments.
CREATE TABLE doc_chunks (
    id BIGSERIAL PRIMARY KEY,
    doc_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('snapshot', 'incremental')),
    data BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX doc_chunks_doc ON doc_chunks(doc_id, id);

-- Encoded automerge sync state (shared heads) per document and peer storage id.
CREATE TABLE doc_sync_states (
    doc_id TEXT NOT NULL,
    storage_id TEXT NOT NULL,
    state BYTEA NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (doc_id, storage_id)
);

CREATE TABLE contacts (
    resident_id TEXT NOT NULL REFERENCES residents(id),
    id TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    author_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    outcome TEXT NOT NULL,
    checks TEXT NOT NULL,
    concern TEXT NOT NULL,
    activity TEXT NOT NULL,
    note TEXT NOT NULL,
    follow_up BOOLEAN NOT NULL,
    delivered_by_user_id TEXT NOT NULL,
    delivered_by_device_id TEXT,
    received_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (resident_id, id)
);
CREATE INDEX contacts_received ON contacts(received_at);

CREATE TABLE reviews (
    resident_id TEXT NOT NULL REFERENCES residents(id),
    contact_id TEXT NOT NULL,
    mark TEXT NOT NULL,
    comment TEXT NOT NULL,
    by_id TEXT NOT NULL,
    at TEXT NOT NULL,
    delivered_by_user_id TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (resident_id, contact_id)
);

-- Entries that break the document schema, for the lead's data-quality list (codes, no content).
CREATE TABLE data_problems (
    resident_id TEXT NOT NULL REFERENCES residents(id),
    entry_kind TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    problem TEXT NOT NULL,
    delivered_by_user_id TEXT NOT NULL,
    detected_at BIGINT NOT NULL,
    PRIMARY KEY (resident_id, entry_kind, entry_id)
);
