-- The statements one POST /api/v1/cases runs, for pgbench: the raw database
-- ceiling to compare the API's creates against (bench/run.sh).
UPDATE reference_sequences SET last_number = last_number + 1 WHERE prefix = 'BENCH' AND year = 2026 RETURNING last_number;
BEGIN;
SELECT id, name, directorate_id, area, email, active, created_at FROM services WHERE id = 'waste-care';
INSERT INTO customers (subject, name, email, phone, preferred_contact, large_print, audio, created_at)
  VALUES ('citizen-1', 'Alex Morgan', 'alex.1@example.org', '01384 811561', 'email', false, false, now()) RETURNING *;
INSERT INTO cases (reference, kind, status, channel, received_at, summary, description, desired_outcome, service_id,
                   category, problem_date, response_requested, customer_id, customer_subject, created_by_subject,
                   created_by_role, acknowledgement_due, version, created_at, updated_at)
  VALUES ('BENCH-' || md5(random()::text), 'complaint', 'received', 'online_form', now(),
          'Green bin missed three weeks running', 'Our green bin has been missed on the last three collection days.',
          'Put it right', 'waste-care', 'service failure', '2026-11-02', true, 1, 'citizen-1', 'citizen-1',
          'customer', '2026-11-27', 1, now(), now()) RETURNING *;
INSERT INTO case_events (case_id, event_type, visibility, actor_subject, actor_role, occurred_at, details)
  VALUES (1, 'received', 'public', 'citizen-1', 'customer', now(), '{"kind":"complaint"}');
COMMIT;
