DROP TABLE villages;
