DROP INDEX cases_by_investigator;
DROP INDEX cases_by_next_deadline;
ALTER TABLE cases DROP COLUMN investigator;
ALTER TABLE cases DROP COLUMN next_deadline_kind;
ALTER TABLE cases DROP COLUMN next_deadline;
