DROP TABLE report_rebuild;
