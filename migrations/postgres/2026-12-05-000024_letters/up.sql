-- Which Ombudsman a service's complaints go to after the council's procedure: the Housing
-- Ombudsman for the landlord (housing) function, the LGSCO otherwise. The default
-- directory's housing services (seed 003) are the landlord function.
ALTER TABLE services ADD COLUMN ombudsman TEXT NOT NULL DEFAULT 'lgsco';
UPDATE services SET ombudsman = 'housing_ombudsman'
 WHERE id IN ('housing-estates-communities', 'housing-options-support', 'housing-strategy',
              'housing-assets-development', 'housing-finance-income');

-- A stage response's structured parts, which the Complaint Handling Code requires before it
-- is sent: the complaint as the council understood it, and the actions still outstanding
-- (JSON: [{"action": ..., "due": "YYYY-MM-DD"}]).
ALTER TABLE case_responses ADD COLUMN understanding TEXT;
ALTER TABLE case_responses ADD COLUMN outstanding_actions TEXT;

-- The letters written to the customer, rendered from the council's templates when the event
-- happens and kept on the case; `status` is the sending's (pending until then).
CREATE TABLE letters (
    id BIGSERIAL PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    language TEXT NOT NULL,
    large_print BOOLEAN NOT NULL,
    subject TEXT NOT NULL,
    text TEXT NOT NULL,
    html TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE INDEX letters_by_case ON letters (case_id, id);
