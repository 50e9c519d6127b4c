DROP INDEX webhook_deliveries_succeeded_by_age;
DROP TRIGGER case_events_notify ON case_events;
DROP FUNCTION council_feedback_events_committed();
