-- People (issue 14 §1): one record per person across their cases, as customer or as
-- representative. A case's `customers` row stays the contact details as given on that case;
-- the person is who it was matched to: by the customer's account (`subject`), or by an email
-- address or phone number an existing person has (`email_key`, `phone_key`: normalised, so
-- "Alex@Example.org " and "alex@example.org", "+44 1632 960001" and "01632 960001" are one).
-- A person merged into another keeps its row, pointing at the one that stays.
CREATE TABLE people (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subject TEXT,
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    address TEXT,
    postcode TEXT,
    preferred_contact TEXT,
    language TEXT,
    email_key TEXT,
    phone_key TEXT,
    merged_into BIGINT REFERENCES people (id),
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX people_by_subject ON people (subject) WHERE subject IS NOT NULL;
CREATE INDEX people_by_email ON people (email_key) WHERE email_key IS NOT NULL;
CREATE INDEX people_by_phone ON people (phone_key) WHERE phone_key IS NOT NULL;

-- Each merge, for the record: which person was folded into which, by whom and why.
CREATE TABLE person_merges (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id BIGINT NOT NULL REFERENCES people (id),
    merged_person_id BIGINT NOT NULL REFERENCES people (id),
    reason TEXT NOT NULL,
    merged_by TEXT NOT NULL,
    merged_at TIMESTAMP NOT NULL
);
CREATE INDEX person_merges_by_person ON person_merges (person_id);

-- The person a case's customer is, and how the match was made: `account`, `email`, `phone`,
-- `new` (nobody matched: a person was made), or `staff` (confirmed or corrected by hand).
-- An uncertain match (a phone number alone, or an email address under another name) waits
-- for staff to confirm or correct it. NULL until start-up matches the cases from before.
ALTER TABLE customers ADD COLUMN person_id BIGINT REFERENCES people (id);
ALTER TABLE customers ADD COLUMN person_match TEXT;
ALTER TABLE customers ADD COLUMN person_match_uncertain BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX customers_by_person ON customers (person_id);
-- A person's cases are read through their customer rows.
CREATE INDEX cases_by_customer_id ON cases (customer_id);
-- Representatives are people too; their consent stays on each case's row.
ALTER TABLE representatives ADD COLUMN person_id BIGINT REFERENCES people (id);
CREATE INDEX representatives_by_person ON representatives (person_id);
