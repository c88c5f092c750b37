DROP TABLE contact_versions;
DROP TABLE referrals;
