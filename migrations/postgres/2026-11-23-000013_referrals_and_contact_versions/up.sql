-- つなぎ (referrals to agencies, issue 19 item 5): the resident document's `referrals` entries as
-- the server accepted them (their author's only; the note stays in the document). Counted in the
-- 活動記録's 連絡調整回数 on their day, and per district for the city.
CREATE TABLE referrals (
    resident_id TEXT NOT NULL REFERENCES residents(id),
    id TEXT NOT NULL,
    day TEXT NOT NULL,
    agency TEXT NOT NULL,
    field TEXT NOT NULL,
    outcome TEXT NOT NULL,
    outcome_on TEXT,
    alert_id TEXT,
    author_id TEXT NOT NULL,
    delivered_by_user_id TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (resident_id, id)
);
CREATE INDEX referrals_author_day ON referrals(author_id, day);
CREATE INDEX referrals_day ON referrals(day);

-- A contact's earlier versions (issue 18 item 6): when its author edits a stored contact, the row
-- it replaces is kept here, so the lead can see what changed and when the change arrived.
CREATE TABLE contact_versions (
    id BIGSERIAL PRIMARY KEY,
    resident_id TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    outcome TEXT NOT NULL,
    checks TEXT NOT NULL,
    concern TEXT NOT NULL,
    activity TEXT NOT NULL,
    note TEXT NOT NULL,
    follow_up BOOLEAN NOT NULL,
    received_at BIGINT NOT NULL,
    replaced_at BIGINT NOT NULL
);
CREATE INDEX contact_versions_contact ON contact_versions(resident_id, contact_id, id);
