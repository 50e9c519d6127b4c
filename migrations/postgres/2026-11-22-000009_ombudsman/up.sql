-- The Ombudsman: the referral (LGSCO or Housing Ombudsman), the dates
-- information was asked for and given, their decision and recommendations.
CREATE TABLE ombudsman_referrals (
    id BIGSERIAL PRIMARY KEY,
    case_id BIGINT NOT NULL UNIQUE REFERENCES cases (id),
    body TEXT NOT NULL,
    their_reference TEXT NOT NULL,
    referred_on DATE NOT NULL,
    information_requested_on DATE,
    information_provided_on DATE,
    decision TEXT,
    decided_on DATE,
    recommendations TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
