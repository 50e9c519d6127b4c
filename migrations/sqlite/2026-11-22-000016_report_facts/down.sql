DROP INDEX case_stages_by_stage;
DROP INDEX cases_excluded;
DROP INDEX case_stages_for_reports;
DROP INDEX cases_by_service;
CREATE INDEX cases_by_service ON cases (service_id, received_at DESC, id DESC);
ALTER TABLE case_stages DROP COLUMN extended;
ALTER TABLE case_stages DROP COLUMN working_days_taken;
ALTER TABLE case_stages DROP COLUMN acknowledged_on_time;
