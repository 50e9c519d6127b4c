DROP TABLE case_remedies;
