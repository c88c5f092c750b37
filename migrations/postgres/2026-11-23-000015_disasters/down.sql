DROP TABLE disaster_districts;
DROP TABLE disasters;
