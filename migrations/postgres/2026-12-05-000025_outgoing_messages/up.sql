-- The mail room (issue 13 §4): every message sent to a customer, as a queue
-- and as the record. A message is enqueued in the transaction that wrote it;
-- the jobs claim due ones (leased_until, FOR UPDATE SKIP LOCKED), send them
-- through GOV.UK Notify or SMTP (or leave them for printing locally), and
-- follow Notify's delivery status by callback and by polling.
CREATE TABLE outgoing_messages (
    id BIGSERIAL PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    -- The letter it carries, when it was written from a template.
    letter_id BIGINT,
    -- email, sms, letter (posted through Notify) or print (printed locally).
    channel TEXT NOT NULL,
    -- notify, smtp or print.
    provider TEXT NOT NULL,
    -- An email address, a phone number or a postal address.
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT,
    pdf BYTEA,
    status TEXT NOT NULL,
    -- Notify's notification id, once Notify has accepted it.
    provider_id TEXT,
    provider_status TEXT,
    attempts INTEGER NOT NULL,
    -- When the jobs next look at it: its next send, or its next status poll.
    next_attempt_at TIMESTAMP,
    -- A sender holds the message until then; after a crash it is sent again.
    leased_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    completed_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX outgoing_messages_due ON outgoing_messages (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX outgoing_messages_by_case ON outgoing_messages (case_id, id);
CREATE UNIQUE INDEX outgoing_messages_by_provider_id ON outgoing_messages (provider_id) WHERE provider_id IS NOT NULL;
CREATE INDEX outgoing_messages_failed ON outgoing_messages (status, case_id);
