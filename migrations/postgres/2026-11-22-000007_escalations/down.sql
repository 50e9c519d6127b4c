ALTER TABLE case_stages DROP COLUMN late_acceptance_reason;
ALTER TABLE case_stages DROP COLUMN request_reason;
ALTER TABLE case_stages DROP COLUMN request_grounds;
ALTER TABLE case_stages DROP COLUMN requested_by;
