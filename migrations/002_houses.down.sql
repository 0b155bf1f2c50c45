DROP TABLE houses;
