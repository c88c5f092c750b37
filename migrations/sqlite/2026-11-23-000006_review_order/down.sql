DROP INDEX contacts_newest;
