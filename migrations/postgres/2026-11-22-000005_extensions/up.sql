-- Extensions to a stage's response time: asked for by the investigator,
-- agreed (or refused) by the Head of Service or the complaints manager.
ALTER TABLE case_stages ADD COLUMN original_response_due DATE;

CREATE TABLE case_extensions (
    id BIGSERIAL PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    stage_id BIGINT NOT NULL REFERENCES case_stages (id),
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    previous_due DATE NOT NULL,
    new_due DATE NOT NULL,
    working_days_beyond_original INTEGER NOT NULL,
    customer_agreed BOOLEAN NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at TIMESTAMP NOT NULL,
    decided_by TEXT,
    decided_at TIMESTAMP,
    customer_told_at TIMESTAMP
);

CREATE INDEX case_extensions_by_case ON case_extensions (case_id, id);
