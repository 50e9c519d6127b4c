DROP TABLE erasure_requests;
DROP TABLE case_anonymisations;
DROP TABLE legal_holds;
