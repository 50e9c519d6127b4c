-- Successful deliveries older than WEBHOOK_DELIVERY_RETENTION_DAYS are pruned by the jobs,
-- oldest first; the index holds only those that may be, so an idle pass reads nothing.
CREATE INDEX webhook_deliveries_succeeded_by_age ON webhook_deliveries (created_at, id)
    WHERE status = 'succeeded';
