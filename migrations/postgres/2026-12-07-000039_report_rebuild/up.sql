-- Issue 17, item 3: a rebuild of the report projections that can be stopped and resumed, and
-- run while the service serves. It goes in steps, each its own short transaction, and records
-- here how far it has come: first the cases' lines and tallies, case by case in id order
-- (`after_case`), then the sums, by month and service (`after_month`, `after_service`), the
-- lines' sums and then the tallies' sums. One row while a rebuild is unfinished, none otherwise; every instance, and
-- the command, takes the next step from it, so several can run at once.
CREATE TABLE report_rebuild (
    id INTEGER PRIMARY KEY,
    -- The code the rebuild is by (`domain::projection::FINGERPRINT`): a rebuild begun by other
    -- code starts again from the first case.
    fingerprint TEXT NOT NULL,
    -- `lines`, `sums` or `tallies`.
    phase TEXT NOT NULL,
    after_case BIGINT NOT NULL,
    after_month TEXT NOT NULL,
    after_service TEXT NOT NULL,
    -- What it has done so far: cases read, cases whose lines or tallies it rewrote, rows of
    -- sums it wrote or deleted, and steps taken.
    cases_read BIGINT NOT NULL,
    cases_rewritten BIGINT NOT NULL,
    sums_written BIGINT NOT NULL,
    steps BIGINT NOT NULL,
    started_at TIMESTAMP NOT NULL
);
