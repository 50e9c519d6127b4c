-- The staff a compliment or comment was passed to (POST …/forwarding), one row each: the name
-- the customer used and, where known, the staff member's id (their token's `sub`), so that
-- compliments are counted by staff member for appraisals (seed 003 §9). `forwarded_to_staff`
-- keeps the names as before, for the cases forwarded before this table.
CREATE TABLE feedback_staff (
    id BIGSERIAL PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    name_used TEXT NOT NULL,
    staff_id TEXT,
    recorded_at TIMESTAMP NOT NULL
);

CREATE INDEX feedback_staff_by_case ON feedback_staff (case_id, id);
CREATE INDEX feedback_staff_by_staff ON feedback_staff (staff_id, case_id);
