-- Deadline alerts (issue 12 §5): one row per deadline, known by the case, what
-- it is for (its subject: stage_1.response, remedy.17, learning_action.4) and
-- its due date. A deadline that moves is a new row; the old one is put to
-- rest and says nothing more. The scheduler reads only the rows whose
-- next_alert_on has come (the partial index), works out the alert dates on
-- the council's calendar, writes each alert to the case's timeline (and so
-- the outbox) once, and sets the day to look again.
CREATE TABLE deadline_alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    subject TEXT NOT NULL,
    deadline TEXT NOT NULL,
    stage TEXT,
    -- The remedy's or learning action's id.
    about_id BIGINT,
    due DATE NOT NULL,
    -- Still to be met (false once met, moved or no longer owed).
    active BOOLEAN NOT NULL,
    approaching_sent BOOLEAN NOT NULL,
    missed_sent BOOLEAN NOT NULL,
    -- When the scheduler next has something to do; NULL: nothing.
    next_alert_on DATE,
    UNIQUE (case_id, subject, due)
);
CREATE INDEX deadline_alerts_next ON deadline_alerts (next_alert_on, id)
    WHERE next_alert_on IS NOT NULL;
-- Only learning actions are looked up by subject (a case's own by case).
CREATE INDEX deadline_alerts_subject ON deadline_alerts (subject)
    WHERE deadline = 'learning_action';
