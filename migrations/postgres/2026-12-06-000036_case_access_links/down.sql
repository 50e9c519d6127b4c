DROP TABLE case_access_links;
