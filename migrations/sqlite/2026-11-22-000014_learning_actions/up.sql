-- Learning from complaints (SPEC §6): what was learned, the change agreed,
-- who owns it and by when, and the evidence that it was embedded; linked to
-- the cases it came from.
CREATE TABLE learning_actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    learned TEXT NOT NULL,
    change_agreed TEXT NOT NULL,
    service_id TEXT NOT NULL REFERENCES services (id),
    owner TEXT NOT NULL,
    due DATE NOT NULL,
    status TEXT NOT NULL,
    evidence TEXT,
    completed_on DATE,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL
);

CREATE INDEX learning_actions_by_service ON learning_actions (service_id, status, due);
CREATE INDEX learning_actions_by_due ON learning_actions (status, due);

CREATE TABLE learning_action_cases (
    action_id BIGINT NOT NULL REFERENCES learning_actions (id),
    case_id BIGINT NOT NULL REFERENCES cases (id),
    PRIMARY KEY (action_id, case_id)
);

CREATE INDEX learning_action_cases_by_case ON learning_action_cases (case_id);
