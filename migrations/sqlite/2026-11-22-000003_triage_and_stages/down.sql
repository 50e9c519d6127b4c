DROP TABLE case_stages;
ALTER TABLE cases DROP COLUMN triaged_at;
ALTER TABLE cases DROP COLUMN triage_details;
ALTER TABLE cases DROP COLUMN triage_decision;
