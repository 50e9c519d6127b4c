-- Two writes off every create on SQLite, where one transaction writes at a time.
--
-- case_events_feed: commit_order is always 0 on SQLite (ids are the commit
-- order), so the feed and the outbox's depth seek on the primary key and the
-- index was written for every event and never read.
DROP INDEX case_events_feed;

-- deadline_alerts was AUTOINCREMENT, which writes sqlite_sequence on every
-- insert. Its ids are never handed out and rows are never deleted, so a plain
-- INTEGER PRIMARY KEY (max + 1) gives the same ids without the extra write.
CREATE TABLE deadline_alerts_plain (
    id INTEGER PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    subject TEXT NOT NULL,
    deadline TEXT NOT NULL,
    stage TEXT,
    about_id BIGINT,
    due DATE NOT NULL,
    active BOOLEAN NOT NULL,
    approaching_sent BOOLEAN NOT NULL,
    missed_sent BOOLEAN NOT NULL,
    next_alert_on DATE,
    UNIQUE (case_id, subject, due)
);
INSERT INTO deadline_alerts_plain
    (id, case_id, subject, deadline, stage, about_id, due, active, approaching_sent, missed_sent, next_alert_on)
SELECT id, case_id, subject, deadline, stage, about_id, due, active, approaching_sent, missed_sent, next_alert_on
FROM deadline_alerts;
DROP TABLE deadline_alerts;
ALTER TABLE deadline_alerts_plain RENAME TO deadline_alerts;
CREATE INDEX deadline_alerts_next ON deadline_alerts (next_alert_on, id)
    WHERE next_alert_on IS NOT NULL;
CREATE INDEX deadline_alerts_subject ON deadline_alerts (subject)
    WHERE deadline = 'learning_action';
