-- Issue 15 §5: who read what. One row per answered read of a case, a person, a document, a
-- letter or a subject-access export: when, by whom (the token's `sub`, roles and client id),
-- from which request, through which route, with what status. Append-only: nothing in the
-- service updates or deletes a row (the triggers below refuse it), and rows name what was
-- read by plain values, no foreign key, so they outlive the cases and people they describe
-- (retention never cascades into them).
CREATE TABLE access_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The record's own id, given when it was journalled: inserting it twice is refused.
    record_id TEXT NOT NULL UNIQUE,
    occurred_at TIMESTAMP NOT NULL,
    actor_subject TEXT NOT NULL,
    actor_roles TEXT NOT NULL,
    client_id TEXT,
    request_id TEXT NOT NULL,
    -- case, person, document, letter, export
    kind TEXT NOT NULL,
    case_reference TEXT,
    person_id BIGINT,
    -- The document's, letter's or subject-access request's id.
    item_id BIGINT,
    route TEXT NOT NULL,
    status INTEGER NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX access_log_by_case ON access_log (case_reference, occurred_at);
CREATE INDEX access_log_by_person ON access_log (person_id, occurred_at);

-- How far each instance's journal (DATA_DIR/access-journal/<journal>.jsonl) has been written
-- into access_log: moved in the same transaction as the rows it covers.
CREATE TABLE access_journal_offsets (
    journal TEXT PRIMARY KEY,
    committed_bytes BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Issue 15 §3: a subject-access request. `due_on` is the date in force (the original, or the
-- extended one); person_id is a plain value, so retention's deletions are never blocked.
CREATE TABLE subject_access_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id BIGINT NOT NULL,
    received_on DATE NOT NULL,
    original_due_on DATE NOT NULL,
    due_on DATE NOT NULL,
    recorded_by TEXT NOT NULL,
    extension_reason TEXT,
    -- How the person was told of the extension, and on which day.
    extension_notice TEXT,
    person_told_on DATE,
    extended_by TEXT,
    extended_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    -- The day the council answered it: the deadline then rests.
    responded_on DATE
);
CREATE INDEX subject_access_requests_by_person ON subject_access_requests (person_id);

-- Staff notes the complaints manager marked disclosable in a subject-access export (a note is a
-- `note` event on the case's timeline; unmarked notes are withheld).
CREATE TABLE disclosable_notes (
    event_id BIGINT PRIMARY KEY,
    marked_by TEXT NOT NULL,
    marked_at TIMESTAMP NOT NULL
);

CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'access_log is append-only');
END;
CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'access_log is append-only');
END;
