DROP TABLE bugs;
DROP TYPE bug_severity;
