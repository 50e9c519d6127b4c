-- Who investigates each stage, and who assigned them.
ALTER TABLE case_stages ADD COLUMN investigator TEXT;
ALTER TABLE case_stages ADD COLUMN assigned_by TEXT;
ALTER TABLE case_stages ADD COLUMN assigned_at TIMESTAMP;
