-- 個別避難計画 (issue 23, docs/design/disaster-and-schema-v2.md §2.4): each revision a tablet wrote
-- into a resident's document, as the server counted it (its author delivered it; never edited) —
-- words and days only: needs, helpers, where to go and how stay in the document. The contacts that
-- confirmed a revision (「計画に変更なし」). Whether the city's roster says the resident needs a plan
-- (避難行動要支援者). Same in migrations/sqlite and migrations/postgres.
ALTER TABLE residents ADD COLUMN needs_evacuation_plan BOOLEAN NOT NULL DEFAULT FALSE;
CREATE TABLE evacuation_plans (
    resident_id TEXT NOT NULL REFERENCES residents(id),
    id TEXT NOT NULL,
    based_on TEXT NOT NULL,
    at TEXT NOT NULL,
    consent TEXT NOT NULL,
    consent_on TEXT,
    author_id TEXT NOT NULL,
    delivered_by_user_id TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (resident_id, id)
);
CREATE TABLE plan_confirmations (
    resident_id TEXT NOT NULL REFERENCES residents(id),
    contact_id TEXT NOT NULL,
    revision_id TEXT NOT NULL,
    day TEXT NOT NULL,
    PRIMARY KEY (resident_id, contact_id)
);
