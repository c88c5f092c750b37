DROP INDEX activities_day;
DROP INDEX activities_district_day;
DROP INDEX activities_user_day;
DROP TABLE activities;
DROP TABLE activity_logs;
