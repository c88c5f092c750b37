-- 災害モード (issue 23, docs/design/disaster-and-schema-v2.md §3.1): a disaster the city declares,
-- for the whole city or some districts. Its urgent notice goes to every commissioner and lead of
-- those districts (notice_id); tablets learn of it from /api/me and the push. A drill (訓練) is
-- counted apart. Same in migrations/sqlite and migrations/postgres.
CREATE TABLE disasters (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    city_wide BOOLEAN NOT NULL DEFAULT 0,
    drill BOOLEAN NOT NULL DEFAULT 0,
    occurred_at BIGINT NOT NULL,
    declared_at BIGINT NOT NULL,
    declared_by TEXT NOT NULL REFERENCES users(id),
    ended_at BIGINT,
    ended_by TEXT REFERENCES users(id),
    notice_id TEXT REFERENCES notices(id)
);
CREATE INDEX disasters_ended ON disasters(ended_at);
-- The districts a disaster covers (a city-wide one lists every district); lead_pushed_at spaces the
-- leads' pushes about residents needing help (at most one per district every 5 minutes).
CREATE TABLE disaster_districts (
    disaster_id TEXT NOT NULL REFERENCES disasters(id),
    district_id TEXT NOT NULL REFERENCES districts(id),
    lead_pushed_at BIGINT,
    PRIMARY KEY (disaster_id, district_id)
);
