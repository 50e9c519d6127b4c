-- Issue 17: the reports' monthly projections. Each case contributes lines (one for the case,
-- one for each formal stage, one for each Ombudsman referral); the projections are the lines
-- added up by month, service, channel, category, kind and stage. A change to a case replaces
-- its lines and adds the difference to the projections in the same transaction (see
-- docs/ARCHITECTURE.md, "Report projections"). No foreign keys: the figures are counts of
-- plain values, and nothing here may hold back a change to a case.

-- What each case contributes now. `stage` is which part of the figures the line counts:
-- `received` (the case), `stage_1`, `stage_2` or `ombudsman` (a referral); `source_id` the
-- stage's or referral's id (0 for the case). `category` is '' for none. Each count is 0 or 1.
CREATE TABLE report_lines (
    case_id BIGINT NOT NULL,
    stage TEXT NOT NULL,
    source_id BIGINT NOT NULL,
    month TEXT NOT NULL,
    service_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    category TEXT NOT NULL,
    kind TEXT NOT NULL,
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
    -- Working days from the stage's start to its response, when responded and counted.
    days BIGINT,
    PRIMARY KEY (case_id, stage, source_id)
);

-- The lines added up by (month, service, channel, category, kind, stage): the UK month the
-- case was received in (`2026-04`).
CREATE TABLE report_months (
    month TEXT NOT NULL,
    service_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    category TEXT NOT NULL,
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
    PRIMARY KEY (month, service_id, channel, category, kind, stage)
);

-- How many stages of each projection row took each number of working days: the medians.
CREATE TABLE report_month_days (
    month TEXT NOT NULL,
    service_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    category TEXT NOT NULL,
    kind TEXT NOT NULL,
    stage TEXT NOT NULL,
    days BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (month, service_id, channel, category, kind, stage, days)
);

-- What the projections were built by: start-up rebuilds them when the fingerprint differs.
CREATE TABLE report_projection_state (
    id INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    rebuilt_at TIMESTAMP NOT NULL
);
