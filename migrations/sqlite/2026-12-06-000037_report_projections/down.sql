DROP TABLE report_projection_state;
DROP TABLE report_month_days;
DROP TABLE report_months;
DROP TABLE report_lines;
