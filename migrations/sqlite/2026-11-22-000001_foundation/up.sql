-- The foundation: the service directory, cases with their customers and
-- representatives, the append-only event log, idempotency records and the
-- counters behind case references. Instants are UTC `TIMESTAMP`s (diesel
-- stores them as ISO text). Kept column for column equal to the PostgreSQL set.

CREATE TABLE directorates (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE services (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    directorate_id TEXT NOT NULL REFERENCES directorates (id),
    area TEXT,
    email TEXT,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE customers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subject TEXT,
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    address TEXT,
    postcode TEXT,
    preferred_contact TEXT,
    interpreter_language TEXT,
    large_print BOOLEAN NOT NULL,
    audio BOOLEAN NOT NULL,
    other_adjustments TEXT,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reference TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    stage TEXT,
    channel TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    received_at_reason TEXT,
    summary TEXT NOT NULL,
    description TEXT NOT NULL,
    desired_outcome TEXT,
    service_id TEXT NOT NULL REFERENCES services (id),
    category TEXT,
    problem_date DATE,
    response_requested BOOLEAN NOT NULL,
    staff_named TEXT,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    customer_subject TEXT,
    created_by_subject TEXT NOT NULL,
    created_by_role TEXT NOT NULL,
    partner_client_id TEXT,
    partner_reference TEXT,
    acknowledgement_due DATE,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE INDEX cases_by_received ON cases (received_at DESC, id DESC);
CREATE INDEX cases_by_service ON cases (service_id, received_at DESC, id DESC);
CREATE INDEX cases_by_customer ON cases (customer_subject, received_at DESC, id DESC);
CREATE INDEX cases_by_partner ON cases (partner_client_id, received_at DESC, id DESC);

CREATE TABLE representatives (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL UNIQUE REFERENCES cases (id),
    name TEXT NOT NULL,
    organisation TEXT,
    relationship TEXT,
    email TEXT,
    phone TEXT,
    address TEXT,
    consent_to_act BOOLEAN NOT NULL,
    consent_to_release_information BOOLEAN NOT NULL,
    consent_recorded_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE case_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    event_type TEXT NOT NULL,
    visibility TEXT NOT NULL,
    actor_subject TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    details TEXT NOT NULL
);

CREATE INDEX case_events_by_case ON case_events (case_id, id);

-- The event log is the case's history: it is only ever appended to.
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only');
END;

CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only');
END;

CREATE TABLE idempotency_records (
    caller TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response_status INTEGER,
    response_body TEXT,
    response_location TEXT,
    response_etag TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (caller, idempotency_key)
);

CREATE TABLE reference_sequences (
    prefix TEXT NOT NULL,
    year INTEGER NOT NULL,
    last_number BIGINT NOT NULL,
    PRIMARY KEY (prefix, year)
);
