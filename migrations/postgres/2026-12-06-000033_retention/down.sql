CREATE OR REPLACE FUNCTION case_events_are_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'case_events is append-only';
END;
$$ LANGUAGE plpgsql;
DROP TABLE erasure_requests;
DROP TABLE case_anonymisations;
DROP TABLE legal_holds;
