-- Issue 16 §2: a resident's way back to a case they logged without an account. A link is a
-- single-case credential: 256 random bits sent to the resident by email or text message,
-- kept here only as its SHA-256, so nothing stored can be used to reach the case. It works
-- until it expires, staff revoke it, or the resident claims the case into their account.
CREATE TABLE case_access_links (
    id BIGSERIAL PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    -- SHA-256 of the token, as lowercase hex.
    token_hash TEXT NOT NULL UNIQUE,
    -- email or sms: the way it was sent.
    channel TEXT NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    issued_by TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoked_by TEXT,
    revoke_reason TEXT,
    claimed_at TIMESTAMP,
    claimed_by TEXT,
    exchanges INTEGER NOT NULL DEFAULT 0,
    last_exchanged_at TIMESTAMP
);
CREATE INDEX case_access_links_of_case ON case_access_links (case_id);
