DROP INDEX cases_by_received;
CREATE INDEX cases_by_received ON cases (received_at DESC, id DESC);
