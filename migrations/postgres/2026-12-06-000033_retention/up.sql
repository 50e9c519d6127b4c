-- Retention, legal holds and erasure (issue 15 §1, §4).
--
-- A legal hold on a case, or on a person (and so on every case of theirs), stops the
-- retention schedule and erasure while it is in force: placed with a reason, lifted with
-- one, and kept afterwards as the record of it.
CREATE TABLE legal_holds (
    id BIGSERIAL PRIMARY KEY,
    case_id BIGINT REFERENCES cases (id),
    person_id BIGINT REFERENCES people (id),
    reason TEXT NOT NULL,
    placed_by TEXT NOT NULL,
    placed_at TIMESTAMP NOT NULL,
    lifted_by TEXT,
    lifted_at TIMESTAMP,
    lift_reason TEXT,
    CHECK ((case_id IS NULL) <> (person_id IS NULL))
);
CREATE INDEX legal_holds_on_cases ON legal_holds (case_id) WHERE lifted_at IS NULL;
CREATE INDEX legal_holds_on_people ON legal_holds (person_id) WHERE lifted_at IS NULL;

-- A case whose personal data was removed: when, why (the schedule, or an erasure request
-- carried out) and the closure the schedule counted from. Its presence is what makes the
-- retention pass skip the case, so a pass interrupted part-way is simply run again.
CREATE TABLE case_anonymisations (
    case_id BIGINT PRIMARY KEY REFERENCES cases (id),
    anonymised_at TIMESTAMP NOT NULL,
    basis TEXT NOT NULL,
    closed_at TIMESTAMP,
    erasure_request_id BIGINT
);

-- Erasure requests (UK GDPR art. 17): recorded when received, then decided: refused with
-- the lawful basis and reason, or carried out as anonymisation of the person's cases. The
-- letter to the person is kept with the decision.
CREATE TABLE erasure_requests (
    id BIGSERIAL PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES people (id),
    received_on DATE NOT NULL,
    request TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    decision TEXT,
    lawful_basis TEXT,
    reason TEXT,
    decided_by TEXT,
    decided_at TIMESTAMP,
    letter TEXT,
    cases_anonymised INTEGER
);
CREATE INDEX erasure_requests_by_person ON erasure_requests (person_id, id);

-- The event log stays append-only, with one exception: once a case is anonymised, its
-- events' free text and the customer's id as actor may be rewritten (what happened, when,
-- and everything else stay as they were).
CREATE OR REPLACE FUNCTION case_events_are_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND NEW.id = OLD.id AND NEW.case_id = OLD.case_id AND NEW.event_type = OLD.event_type
       AND NEW.visibility = OLD.visibility AND NEW.actor_role = OLD.actor_role
       AND NEW.occurred_at = OLD.occurred_at AND NEW.commit_order = OLD.commit_order
       AND NEW.feed_type = OLD.feed_type AND NEW.stage IS NOT DISTINCT FROM OLD.stage
       AND NEW.due IS NOT DISTINCT FROM OLD.due
       AND EXISTS (SELECT 1 FROM case_anonymisations a WHERE a.case_id = OLD.case_id) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'case_events is append-only';
END;
$$ LANGUAGE plpgsql;
