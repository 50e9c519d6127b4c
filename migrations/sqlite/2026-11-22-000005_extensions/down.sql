DROP TABLE case_extensions;
ALTER TABLE case_stages DROP COLUMN original_response_due;
