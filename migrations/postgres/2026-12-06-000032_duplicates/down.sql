DROP TABLE case_duplicates;
