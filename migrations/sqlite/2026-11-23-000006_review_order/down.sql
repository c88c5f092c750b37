DROP INDEX contacts_concern_newest;
DROP INDEX contacts_newest;
