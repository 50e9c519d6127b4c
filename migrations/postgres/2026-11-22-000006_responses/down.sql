DROP TABLE case_responses;
ALTER TABLE case_stages DROP COLUMN escalation_window_closes;
ALTER TABLE case_stages DROP COLUMN responded_on_time;
ALTER TABLE case_stages DROP COLUMN responded_at;
ALTER TABLE case_stages DROP COLUMN outcome;
