DROP TABLE letters;
ALTER TABLE case_responses DROP COLUMN outstanding_actions;
ALTER TABLE case_responses DROP COLUMN understanding;
ALTER TABLE services DROP COLUMN ombudsman;
