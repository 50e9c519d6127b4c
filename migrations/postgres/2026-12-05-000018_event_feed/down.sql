DROP INDEX case_events_feed;
ALTER TABLE case_events DROP COLUMN due;
ALTER TABLE case_events DROP COLUMN stage;
ALTER TABLE case_events DROP COLUMN feed_type;
ALTER TABLE case_events DROP COLUMN commit_order;
