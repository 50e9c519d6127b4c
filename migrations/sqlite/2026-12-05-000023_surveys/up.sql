-- Satisfaction surveys (issue 13 §6): an invitation made when a complaint closes at a stage,
-- with its single-use token (the credential of GET/POST /api/v1/surveys/{token}; kept as it
-- is because the survey-invitation letter renders the link from it), when it expires, the
-- service and stage the complaint ended at, and the answers once given. One per complaint
-- and stage: a complaint reopened and closed again at the same stage is not asked twice.
CREATE TABLE surveys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    token TEXT NOT NULL UNIQUE,
    service_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    invited_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    answered_at TIMESTAMP,
    easy_to_complain TEXT,
    kept_informed TEXT,
    response_clear TEXT,
    treated_fairly TEXT,
    comment TEXT,
    UNIQUE (case_id, stage)
);
-- The reports read the answered surveys of a period's cases.
CREATE INDEX surveys_answered_by_case ON surveys (case_id) WHERE answered_at IS NOT NULL;
