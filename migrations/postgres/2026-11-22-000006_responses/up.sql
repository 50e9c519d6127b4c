-- Stage responses: drafted by the investigator, approved and sent by the
-- Head of Service. Sending records the stage's outcome and opens the window
-- for asking for stage 2.
ALTER TABLE case_stages ADD COLUMN outcome TEXT;
ALTER TABLE case_stages ADD COLUMN responded_at TIMESTAMP;
ALTER TABLE case_stages ADD COLUMN responded_on_time BOOLEAN;
ALTER TABLE case_stages ADD COLUMN escalation_window_closes DATE;

CREATE TABLE case_responses (
    id BIGSERIAL PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    stage_id BIGINT NOT NULL REFERENCES case_stages (id),
    status TEXT NOT NULL,
    outcome TEXT NOT NULL,
    findings TEXT NOT NULL,
    apology TEXT,
    letter TEXT NOT NULL,
    drafted_by TEXT NOT NULL,
    drafted_at TIMESTAMP NOT NULL,
    approved_by TEXT,
    sent_at TIMESTAMP
);

CREATE INDEX case_responses_by_case ON case_responses (case_id, id);
