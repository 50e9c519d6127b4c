-- Triage decisions on the case, and one row per formal stage a complaint
-- reaches, holding that stage's clock.

ALTER TABLE cases ADD COLUMN triage_decision TEXT;
ALTER TABLE cases ADD COLUMN triage_details TEXT;
ALTER TABLE cases ADD COLUMN triaged_at TIMESTAMP;

CREATE TABLE case_stages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    stage TEXT NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    acknowledgement_due DATE NOT NULL,
    acknowledged_at TIMESTAMP,
    acknowledgement_method TEXT,
    acknowledged_by TEXT,
    grade INTEGER,
    response_due DATE,
    UNIQUE (case_id, stage)
);
