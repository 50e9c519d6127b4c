-- Flags that change handling (staff conduct, claims) with the referral made,
-- and links between complaints from one person about one matter.
CREATE TABLE case_flags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    flag TEXT NOT NULL,
    referred_to TEXT NOT NULL,
    referred_on DATE NOT NULL,
    note TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    UNIQUE (case_id, flag)
);

CREATE INDEX case_flags_by_flag ON case_flags (flag, case_id);

CREATE TABLE case_links (
    case_id BIGINT NOT NULL REFERENCES cases (id),
    linked_case_id BIGINT NOT NULL REFERENCES cases (id),
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (case_id, linked_case_id)
);
