-- Notices from the city office (お知らせ) and Web Push. Same in migrations/sqlite and
-- migrations/postgres. The VAPID key pair lives in settings ('push.vapid_private').
CREATE TABLE notices (
    id TEXT PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    priority TEXT NOT NULL CHECK (priority IN ('normal', 'important', 'urgent')),
    -- 'all', 'districts' (audience_districts: JSON array of district ids) or 'role' (audience_role)
    audience TEXT NOT NULL CHECK (audience IN ('all', 'districts', 'role')),
    audience_districts TEXT NOT NULL DEFAULT '[]',
    audience_role TEXT,
    expires_at BIGINT,
    status TEXT NOT NULL CHECK (status IN ('draft', 'sent', 'withdrawn')),
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    sent_at BIGINT,
    withdrawn_at BIGINT
);
CREATE INDEX notices_sent ON notices(status, sent_at);

-- Who the notice was meant for, fixed when it is sent (a later transfer does not change who had it).
CREATE TABLE notice_recipients (
    notice_id TEXT NOT NULL REFERENCES notices(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    delivered_at BIGINT,
    read_at BIGINT,
    PRIMARY KEY (notice_id, user_id)
);
CREATE INDEX notice_recipients_user ON notice_recipients(user_id);

CREATE TABLE push_subscriptions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    device_id TEXT REFERENCES devices(id),
    endpoint TEXT NOT NULL UNIQUE,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- set when sending kept failing; cleared by the next success or a new subscribe
    failing_since BIGINT
);
CREATE INDEX push_subscriptions_user ON push_subscriptions(user_id);

-- The send queue: one row per (message, subscription); survives restarts.
CREATE TABLE push_jobs (
    id TEXT PRIMARY KEY NOT NULL,
    subscription_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    notice_id TEXT,
    -- the JSON the service worker receives: ids, title and priority only, never resident data
    payload TEXT NOT NULL,
    urgency TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed', 'gone')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_status INTEGER,
    created_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX push_jobs_due ON push_jobs(state, next_attempt_at);
