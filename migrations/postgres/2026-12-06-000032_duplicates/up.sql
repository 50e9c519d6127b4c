-- Repeat and duplicate complaints found at intake (issue 14 §5): the earlier cases a new case
-- was found to resemble (the same person, service and kind, within the window, with similar
-- text), each with its similarity in thousandths (0-1000, computed in Rust so both backends
-- agree) and when it was found. Whether a candidate is resolved is read from case_links.
CREATE TABLE case_duplicates (
    case_id BIGINT NOT NULL REFERENCES cases (id),
    candidate_case_id BIGINT NOT NULL REFERENCES cases (id),
    score_permille INTEGER NOT NULL,
    found_at TIMESTAMP NOT NULL,
    PRIMARY KEY (case_id, candidate_case_id)
);
