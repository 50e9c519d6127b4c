-- Ownership (SPEC §3): one service leads a case; others may contribute to
-- its one response. Staff of a contributing service can read the case and
-- add notes; only the lead service acts on it.
CREATE TABLE case_services (
    case_id BIGINT NOT NULL REFERENCES cases (id),
    service_id TEXT NOT NULL REFERENCES services (id),
    added_by TEXT NOT NULL,
    added_at TIMESTAMP NOT NULL,
    PRIMARY KEY (case_id, service_id)
);

CREATE INDEX case_services_by_service ON case_services (service_id, case_id);

-- Compliments and comments (SPEC §2): passed to the service and the staff
-- named; acknowledged and answered only when the customer asked; for a
-- comment, what was done with it.
CREATE TABLE feedback_handling (
    case_id BIGINT PRIMARY KEY REFERENCES cases (id),
    forwarded_at TIMESTAMP,
    forwarded_by TEXT,
    forwarded_to_staff TEXT,
    forward_note TEXT,
    acknowledged_at TIMESTAMP,
    acknowledgement_method TEXT,
    acknowledged_by TEXT,
    response_due DATE,
    replied_at TIMESTAMP,
    reply_method TEXT,
    replied_by TEXT,
    reply TEXT,
    action TEXT,
    action_details TEXT,
    action_recorded_by TEXT,
    action_recorded_at TIMESTAMP
);
