-- Issue 12 §6: a commit that writes events wakes the webhook dispatchers of
-- every instance, not only the writer's own. NOTIFY is sent at commit (and
-- never for a transaction rolled back); PostgreSQL folds repeats within one
-- transaction into one. The payload is the schema, so instances sharing a
-- database under different schemas wake only for their own events.
CREATE FUNCTION council_feedback_events_committed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('council_feedback_events', current_schema());
    RETURN NULL;
END;
$$;

CREATE TRIGGER case_events_notify
AFTER INSERT ON case_events
FOR EACH STATEMENT EXECUTE FUNCTION council_feedback_events_committed();

-- Successful deliveries older than WEBHOOK_DELIVERY_RETENTION_DAYS are pruned by the jobs,
-- oldest first; the index holds only those that may be, so an idle pass reads nothing.
CREATE INDEX webhook_deliveries_succeeded_by_age ON webhook_deliveries (created_at, id)
    WHERE status = 'succeeded';
