ALTER TABLE case_stages DROP COLUMN assigned_at;
ALTER TABLE case_stages DROP COLUMN assigned_by;
ALTER TABLE case_stages DROP COLUMN investigator;
