-- Remedies (SPEC §5): what will be put right, by when and by whom, tracked
-- until done, with the evidence.
CREATE TABLE case_remedies (
    id BIGSERIAL PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    service_id TEXT NOT NULL REFERENCES services (id),
    remedy_type TEXT NOT NULL,
    description TEXT NOT NULL,
    due DATE NOT NULL,
    owner TEXT NOT NULL,
    amount_pence BIGINT,
    currency TEXT,
    status TEXT NOT NULL,
    done_on DATE,
    evidence TEXT,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE INDEX case_remedies_by_case ON case_remedies (case_id, id);
CREATE INDEX case_remedies_by_due ON case_remedies (status, due);
