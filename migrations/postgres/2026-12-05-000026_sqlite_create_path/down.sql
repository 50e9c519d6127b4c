-- Nothing to do on PostgreSQL: the feed reads case_events in (commit_order, id)
-- order there, and deadline_alerts' ids come from a sequence. (SQLite's
-- migration of the same name takes two writes off every create.)
SELECT 1;
