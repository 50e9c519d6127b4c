-- Restrictions on unreasonable behaviour (issue 14 §3; seed 003 §6): decided on a person by
-- the complaints manager or the Head of Service of the services in scope, usually after a
-- warning, told to the person in a notice, and reviewed at the review date. It applies from
-- `starts_on` to `review_on` inclusive unless lifted (`lifted_at`). `case_id` is the case it
-- arose from: its timeline carries the restriction's events and review alerts. `behaviours`
-- (each with its evidence), `services` and `matter` (case references) are JSON lists.
CREATE TABLE restrictions (
    id BIGSERIAL PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES people (id),
    case_id BIGINT NOT NULL REFERENCES cases (id),
    restriction_type TEXT NOT NULL,
    contact_officer TEXT,
    contact_limit TEXT,
    scope TEXT NOT NULL,
    services TEXT NOT NULL,
    matter TEXT NOT NULL,
    behaviours TEXT NOT NULL,
    warned_on DATE,
    warning TEXT,
    no_warning_reason TEXT,
    proportionality TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_by_role TEXT NOT NULL,
    decided_at TIMESTAMP NOT NULL,
    starts_on DATE NOT NULL,
    review_on DATE NOT NULL,
    told_on DATE NOT NULL,
    letter_id BIGINT REFERENCES letters (id),
    lifted_at TIMESTAMP,
    version INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX restrictions_by_person ON restrictions (person_id);

-- Each review: lifted, or extended with reasons to a new review date.
CREATE TABLE restriction_reviews (
    id BIGSERIAL PRIMARY KEY,
    restriction_id BIGINT NOT NULL REFERENCES restrictions (id),
    outcome TEXT NOT NULL,
    reasons TEXT,
    previous_review_on DATE NOT NULL,
    new_review_on DATE,
    reviewed_by TEXT NOT NULL,
    reviewed_at TIMESTAMP NOT NULL
);
CREATE INDEX restriction_reviews_by_restriction ON restriction_reviews (restriction_id);

-- Contact from a restricted person, recorded and flagged, never dropped: the case it is on,
-- the restriction that applied, how it came, who it was routed to, and whether it must be
-- read for new issues before the case closes (no further correspondence on a matter).
CREATE TABLE restricted_contacts (
    id BIGSERIAL PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    restriction_id BIGINT NOT NULL REFERENCES restrictions (id),
    via TEXT NOT NULL,
    routed_to TEXT,
    needs_review BOOLEAN NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX restricted_contacts_by_case ON restricted_contacts (case_id);

-- Staff's reading of restricted contact for new issues or safeguarding concerns.
CREATE TABLE new_issue_reviews (
    id BIGSERIAL PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    new_issues BOOLEAN NOT NULL,
    safeguarding_concern BOOLEAN NOT NULL,
    notes TEXT NOT NULL,
    reviewed_by TEXT NOT NULL,
    reviewed_at TIMESTAMP NOT NULL
);
CREATE INDEX new_issue_reviews_by_case ON new_issue_reviews (case_id);
