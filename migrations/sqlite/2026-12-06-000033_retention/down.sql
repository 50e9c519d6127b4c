DROP TRIGGER IF EXISTS case_events_no_update;
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only');
END;
DROP TABLE erasure_requests;
DROP TABLE case_anonymisations;
DROP TABLE legal_holds;
