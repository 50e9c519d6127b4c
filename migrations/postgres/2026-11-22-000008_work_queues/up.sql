-- Work queues: each case carries its next deadline and its current
-- investigator, kept up to date by every change, so lists filter on them.
ALTER TABLE cases ADD COLUMN next_deadline DATE;
ALTER TABLE cases ADD COLUMN next_deadline_kind TEXT;
ALTER TABLE cases ADD COLUMN investigator TEXT;

CREATE INDEX cases_by_next_deadline ON cases (next_deadline);
CREATE INDEX cases_by_investigator ON cases (investigator, received_at DESC, id DESC);
