DROP TABLE disaster_takeovers;
DROP TABLE self_safety;
DROP TABLE safety_latest;
DROP TABLE safety_records;
