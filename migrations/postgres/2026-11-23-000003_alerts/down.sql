DROP INDEX contacts_resident_occurred;
DROP TABLE snowfall_days;
DROP TABLE alerts;
