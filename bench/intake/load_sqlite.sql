PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;
BEGIN;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM s WHERE i < 400000)
INSERT INTO people (id, subject, name, email, phone, email_key, phone_key, version, created_at, updated_at)
SELECT i, CASE WHEN i % 2 = 0 THEN 'customer-' || i END, 'Person ' || i || ' Example', 'p' || i || '@example.org', '01632 ' || printf('%06d', i),
 'p' || i || '@example.org', '01632' || printf('%06d', i), 1, '2024-01-01 00:00:00', '2024-01-01 00:00:00' FROM s;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM s WHERE i < 1000000)
INSERT INTO customers (id, subject, name, email, large_print, audio, created_at, person_id, person_match, person_match_uncertain)
SELECT i, NULL, 'Person ' || (i % 400000 + 1) || ' Example', 'p' || (i % 400000 + 1) || '@example.org', 0, 0,
 datetime('2024-01-01', '+' || (i * 94) || ' seconds'), i % 400000 + 1, 'email', 0 FROM s;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM s WHERE i < 1000000)
INSERT INTO cases (id, reference, kind, status, channel, received_at, summary, description, service_id, response_requested, customer_id, created_by_subject, created_by_role, version, created_at, updated_at)
SELECT i, 'CMP-S-' || i, 'complaint', 'received', 'online_form', datetime('2024-01-01', '+' || (i * 94) || ' seconds'),
 CASE i % 4 WHEN 0 THEN 'Green bin missed three weeks running' WHEN 1 THEN 'Pothole reported in March still not repaired' WHEN 2 THEN 'Council tax bill sent to the wrong address' ELSE 'Rude response from the housing office' END,
 'This has happened several times since the start of the month and I have already contacted the service twice without a reply. Reference ' || i,
 CASE i % 8 WHEN 0 THEN 'waste-care' WHEN 1 THEN 'highways' WHEN 2 THEN 'revenues-benefits' WHEN 3 THEN 'housing-options-support' WHEN 4 THEN 'street-care' WHEN 5 THEN 'green-care' WHEN 6 THEN 'planning-development' ELSE 'libraries-archives' END,
 1, i, 'bench', 'customer', 1, datetime('2024-01-01', '+' || (i * 94) || ' seconds'), datetime('2024-01-01', '+' || (i * 94) || ' seconds') FROM s;
COMMIT;
ANALYZE;
