-- The complaints manager's answers to the self-assessment against the
-- Complaint Handling Code for what the cases cannot prove, per financial year.
CREATE TABLE self_assessment_answers (
    year INTEGER NOT NULL,
    item TEXT NOT NULL,
    met BOOLEAN NOT NULL,
    evidence TEXT NOT NULL,
    answered_by TEXT NOT NULL,
    answered_at TIMESTAMP NOT NULL,
    PRIMARY KEY (year, item)
);
