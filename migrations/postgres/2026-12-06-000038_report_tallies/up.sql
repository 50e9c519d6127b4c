-- Issue 17, second step.
--
-- The monthly rows added up once more, without channel and category: the reports that do not
-- break down by either (the annual report, the performance report by month, service or
-- directorate) read a few hundred rows a month here instead of thousands in report_months.
-- Kept in the same transaction as report_months, from the same differences.
CREATE TABLE report_month_totals (
    month TEXT NOT NULL,
    service_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    stage TEXT NOT NULL,
    n BIGINT NOT NULL,
    accepted BIGINT NOT NULL,
    resolved_informally BIGINT NOT NULL,
    service_requests BIGINT NOT NULL,
    excluded BIGINT NOT NULL,
    outside_remit BIGINT NOT NULL,
    out_of_time BIGINT NOT NULL,
    acknowledged BIGINT NOT NULL,
    acknowledged_on_time BIGINT NOT NULL,
    responded BIGINT NOT NULL,
    responded_on_time BIGINT NOT NULL,
    upheld BIGINT NOT NULL,
    partially_upheld BIGINT NOT NULL,
    not_upheld BIGINT NOT NULL,
    extended BIGINT NOT NULL,
    days_sum BIGINT NOT NULL,
    not_investigated BIGINT NOT NULL,
    premature BIGINT NOT NULL,
    upheld_fault BIGINT NOT NULL,
    PRIMARY KEY (month, service_id, kind, stage)
);

CREATE TABLE report_month_total_days (
    month TEXT NOT NULL,
    service_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    stage TEXT NOT NULL,
    days BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (month, service_id, kind, stage, days)
);

-- What the reports count beside the monthly rows, kept as tallies by
-- (month, service, measure, value), so that no report reads a year of cases for them: the
-- procedures complaints were excluded under, the investigators of stage 1 and stage 2
-- (the same officer or another), the extensions agreed (stage, working days beyond the
-- original date, whether the customer agreed), the answered satisfaction surveys, the staff
-- named in compliments, the complaints about a worker's English language fluency, and the
-- complaints upheld in whole or part at stage 1 by category. The
-- month is the UK month the case was received in and the service its lead service, as in
-- report_months. Kept as report_lines are: each case's own tallies, and their sums.

-- What each case contributes now: `n` times (measure, value).
CREATE TABLE report_case_tallies (
    case_id BIGINT NOT NULL,
    measure TEXT NOT NULL,
    value TEXT NOT NULL,
    month TEXT NOT NULL,
    service_id TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (case_id, measure, value)
);

-- Their sums.
CREATE TABLE report_tallies (
    month TEXT NOT NULL,
    service_id TEXT NOT NULL,
    measure TEXT NOT NULL,
    value TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (month, measure, service_id, value)
);
