DROP TABLE submissions;
DROP TABLE offers;
