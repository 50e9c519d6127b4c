\timing on
INSERT INTO people (id, subject, name, email, phone, email_key, phone_key, version, created_at, updated_at)
SELECT i, CASE WHEN i % 2 = 0 THEN 'customer-' || i END, 'Person ' || i || ' Example',
       'p' || i || '@example.org', '01632 ' || lpad(i::text, 6, '0'),
       'p' || i || '@example.org', '01632' || lpad(i::text, 6, '0'), 1,
       TIMESTAMP '2024-01-01', TIMESTAMP '2024-01-01'
FROM generate_series(1, 400000) AS i;
SELECT setval(pg_get_serial_sequence('people', 'id'), 400000);
INSERT INTO customers (id, subject, name, email, large_print, audio, created_at, person_id, person_match, person_match_uncertain)
SELECT i, NULL, 'Person ' || (i % 400000 + 1) || ' Example', 'p' || (i % 400000 + 1) || '@example.org', FALSE, FALSE,
       TIMESTAMP '2024-01-01' + i * INTERVAL '94 seconds', i % 400000 + 1, 'email', FALSE
FROM generate_series(1, 1000000) AS i;
SELECT setval(pg_get_serial_sequence('customers', 'id'), 1000000);
INSERT INTO cases (id, reference, kind, status, channel, received_at, summary, description, service_id,
                   response_requested, customer_id, created_by_subject, created_by_role, version, created_at, updated_at)
SELECT i, 'CMP-S-' || i, 'complaint', 'received', 'online_form', TIMESTAMP '2024-01-01' + i * INTERVAL '94 seconds',
       (ARRAY['Green bin missed three weeks running','Pothole reported in March still not repaired','Council tax bill sent to the wrong address','Rude response from the housing office'])[i % 4 + 1],
       'This has happened several times since the start of the month and I have already contacted the service twice without a reply. Reference ' || i,
       (ARRAY['waste-care','highways','revenues-benefits','housing-options-support','street-care','green-care','planning-development','libraries-archives'])[i % 8 + 1],
       TRUE, i, 'bench', 'customer', 1, TIMESTAMP '2024-01-01' + i * INTERVAL '94 seconds', TIMESTAMP '2024-01-01' + i * INTERVAL '94 seconds'
FROM generate_series(1, 1000000) AS i;
SELECT setval(pg_get_serial_sequence('cases', 'id'), 1000000);
ANALYZE;
