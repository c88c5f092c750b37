-- A subscription answered 404/410 drops its pending jobs, a withdrawn notice cancels its own, and the
-- sender's tracking counts a notice's jobs: each looks jobs up by subscription or notice, which
-- without these indexes is a scan of every push ever queued (one row per subscription per notice).
CREATE INDEX push_jobs_subscription ON push_jobs(subscription_id, state);
CREATE INDEX push_jobs_notice ON push_jobs(notice_id, state);
