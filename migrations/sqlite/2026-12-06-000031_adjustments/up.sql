-- Reasonable adjustments (issue 14 §2; Complaint Handling Code 5.6): what the council agreed
-- to do for a person under the Equality Act 2010, when and by whom, kept under review. A
-- case's `customers` accessibility columns stay what the customer asked for on that case;
-- these are what staff agreed, for the person, across their cases.
-- `kind`: interpreter (with `language`), large_print, audio, easy_read, braille,
-- british_sign_language, named_contact, extra_time, contact_preference, other (the last three
-- and named_contact with `details`). `review_due` is NULL once the adjustment ended: an
-- ended one is kept, for the record.
CREATE TABLE adjustments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id BIGINT NOT NULL REFERENCES people (id),
    kind TEXT NOT NULL,
    language TEXT,
    details TEXT,
    agreed_on DATE NOT NULL,
    agreed_by TEXT NOT NULL,
    -- The case it was agreed on, when the request named one.
    case_id BIGINT REFERENCES cases (id),
    review_due DATE,
    in_force BOOLEAN NOT NULL,
    ended_on DATE,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX adjustments_by_person ON adjustments (person_id, in_force);

-- Each review: continued (with the next review date), changed (the terms replaced are kept
-- here, the new ones are the adjustment's), or ended; who reviewed it and their note.
CREATE TABLE adjustment_reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    adjustment_id BIGINT NOT NULL REFERENCES adjustments (id),
    outcome TEXT NOT NULL,
    note TEXT NOT NULL,
    reviewed_on DATE NOT NULL,
    reviewed_by TEXT NOT NULL,
    next_review_due DATE,
    previous_kind TEXT,
    previous_language TEXT,
    previous_details TEXT,
    reviewed_at TIMESTAMP NOT NULL
);
CREATE INDEX adjustment_reviews_by_adjustment ON adjustment_reviews (adjustment_id);

-- An adjustment's review deadline is not owned by one case (it is anchored to one of the
-- person's cases): looked up by subject, as learning actions' are.
CREATE INDEX deadline_alerts_adjustment_subject ON deadline_alerts (subject)
    WHERE deadline = 'adjustment_review';
