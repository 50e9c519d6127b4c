DROP TABLE disclosable_notes;
DROP INDEX subject_access_requests_by_person;
DROP TABLE subject_access_requests;
DROP TABLE access_journal_offsets;
DROP TRIGGER access_log_no_update ON access_log;
DROP FUNCTION access_log_append_only();
DROP INDEX access_log_by_person;
DROP INDEX access_log_by_case;
DROP TABLE access_log;
