DROP INDEX push_jobs_notice;
DROP INDEX push_jobs_subscription;
