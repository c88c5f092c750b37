-- Indirect-sign escalation: alerts raised by the rules in server/src/domain/alerts.rs, and the
-- snowfall days the 除雪 rule looks at. Same in migrations/sqlite and migrations/postgres.
CREATE TABLE alerts (
    id TEXT PRIMARY KEY NOT NULL,
    resident_id TEXT NOT NULL REFERENCES residents(id),
    district_id TEXT NOT NULL REFERENCES districts(id),
    rule TEXT NOT NULL,
    route TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'closed')),
    raised_at BIGINT NOT NULL,
    acknowledged_by TEXT,
    acknowledged_at BIGINT,
    closed_by TEXT,
    closed_at BIGINT
);
CREATE UNIQUE INDEX alerts_once ON alerts(resident_id, rule, contact_id);
CREATE INDEX alerts_district ON alerts(district_id, status, raised_at);

CREATE TABLE snowfall_days (
    district_id TEXT NOT NULL REFERENCES districts(id),
    day TEXT NOT NULL,
    marked_by TEXT NOT NULL,
    marked_at BIGINT NOT NULL,
    PRIMARY KEY (district_id, day)
);

CREATE INDEX contacts_resident_occurred ON contacts(resident_id, occurred_at);
