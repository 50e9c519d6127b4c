DROP TABLE case_links;
DROP TABLE case_flags;
