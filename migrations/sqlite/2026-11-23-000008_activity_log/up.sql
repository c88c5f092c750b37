-- The commissioner's own activity log (定例会, 研修, 行事, 証明事務, 関係機関との連絡調整): one
-- Automerge document per commissioner, stored in doc_chunks like a resident's, found here.
CREATE TABLE activity_logs (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users(id),
    doc_id TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

-- Its entries, projected for the 活動記録 counts (day and kind only: a note stays in the document,
-- which nobody but its commissioner syncs). district_id is the commissioner's district when the
-- entry arrived, so the city's per-district counts need no join.
CREATE TABLE activities (
    user_id TEXT NOT NULL REFERENCES users(id),
    id TEXT NOT NULL,
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    district_id TEXT,
    received_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, id)
);
-- A month of one commissioner, of a district (the lead's report), of the city (staff).
CREATE INDEX activities_user_day ON activities(user_id, day);
CREATE INDEX activities_district_day ON activities(district_id, day);
CREATE INDEX activities_day ON activities(day);
