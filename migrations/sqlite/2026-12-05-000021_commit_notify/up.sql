-- Issue 12 §6: PostgreSQL notifies every instance of committed events. SQLite
-- runs one instance, woken in the process: nothing to add, no table changes.
SELECT 1;
