CREATE INDEX case_events_feed ON case_events (commit_order, id);

CREATE TABLE deadline_alerts_counted (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
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
INSERT INTO deadline_alerts_counted
    (id, case_id, subject, deadline, stage, about_id, due, active, approaching_sent, missed_sent, next_alert_on)
SELECT id, case_id, subject, deadline, stage, about_id, due, active, approaching_sent, missed_sent, next_alert_on
FROM deadline_alerts;
DROP TABLE deadline_alerts;
ALTER TABLE deadline_alerts_counted RENAME TO deadline_alerts;
CREATE INDEX deadline_alerts_next ON deadline_alerts (next_alert_on, id)
    WHERE next_alert_on IS NOT NULL;
CREATE INDEX deadline_alerts_subject ON deadline_alerts (subject)
    WHERE deadline = 'learning_action';
