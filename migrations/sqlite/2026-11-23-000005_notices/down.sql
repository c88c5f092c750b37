DROP TABLE push_jobs;
DROP TABLE push_subscriptions;
DROP TABLE notice_recipients;
DROP TABLE notices;
