DROP TABLE report_tallies;
DROP TABLE report_case_tallies;
DROP TABLE report_month_total_days;
DROP TABLE report_month_totals;
