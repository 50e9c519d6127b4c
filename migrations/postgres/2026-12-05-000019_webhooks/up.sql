-- Webhooks (issue 12 §3-4): endpoints registered by the complaints manager
-- (for the CRM) or by a partner (for its own system), one delivery per event
-- and endpoint, and every attempt at it. Deliveries are made by following
-- case_events (the outbox) past webhook_cursor, in the feed's order.
CREATE TABLE webhook_endpoints (
    id BIGSERIAL PRIMARY KEY,
    owner_role TEXT NOT NULL,
    owner_subject TEXT NOT NULL,
    url TEXT NOT NULL,
    -- A JSON array of feed types (case.created, ...).
    event_types TEXT NOT NULL,
    description TEXT NOT NULL,
    -- whsec_ and base64: kept as is, since it must sign.
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_expires_at TIMESTAMP,
    enabled BOOLEAN NOT NULL,
    disabled_reason TEXT,
    -- When the current run of failures began (NULL while healthy).
    failing_since TIMESTAMP,
    -- A dispatcher sending to this endpoint holds it until then: one sender
    -- per endpoint keeps its deliveries in commit order.
    leased_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_by_owner ON webhook_endpoints (owner_subject, id);

CREATE TABLE webhook_deliveries (
    id BIGSERIAL PRIMARY KEY,
    endpoint_id BIGINT NOT NULL REFERENCES webhook_endpoints (id),
    event_id BIGINT NOT NULL REFERENCES case_events (id),
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP,
    last_status_code INTEGER,
    last_latency_ms BIGINT,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (endpoint_id, status, next_attempt_at);

CREATE TABLE webhook_attempts (
    id BIGSERIAL PRIMARY KEY,
    delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries (id),
    attempted_at TIMESTAMP NOT NULL,
    status_code INTEGER,
    latency_ms BIGINT NOT NULL,
    error TEXT,
    succeeded BOOLEAN NOT NULL
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, id);

-- How far the fan-out has followed case_events: (commit_order, id) of the
-- last event it made deliveries for. One row; it starts at the end of the
-- events already there (no endpoint existed to receive them).
CREATE TABLE webhook_cursor (
    id INTEGER PRIMARY KEY,
    commit_order BIGINT NOT NULL,
    event_id BIGINT NOT NULL
);
INSERT INTO webhook_cursor (id, commit_order, event_id)
SELECT 1, COALESCE(MAX(commit_order), 0), COALESCE(MAX(id), 0) FROM case_events;
