EXPLAIN (ANALYZE, BUFFERS, TIMING) SELECT * FROM people WHERE subject = 'customer-124' AND merged_into IS NULL ORDER BY id LIMIT 1;
EXPLAIN (ANALYZE, BUFFERS, TIMING) SELECT * FROM people WHERE email_key = 'p124@example.org' AND merged_into IS NULL ORDER BY id LIMIT 20;
EXPLAIN (ANALYZE, BUFFERS, TIMING) SELECT * FROM people WHERE phone_key = '01632000124' AND merged_into IS NULL ORDER BY id LIMIT 20;
EXPLAIN (ANALYZE, BUFFERS, TIMING) SELECT cases.id, cases.reference, cases.summary, cases.description FROM customers INNER JOIN cases ON cases.customer_id = customers.id
 WHERE customers.person_id = 124 AND cases.id <> 0 AND cases.service_id = 'highways' AND cases.kind = 'complaint'
   AND cases.received_at BETWEEN TIMESTAMP '2025-03-13' - INTERVAL '60 days' AND TIMESTAMP '2025-03-13' + INTERVAL '60 days'
 ORDER BY cases.received_at DESC, cases.id DESC LIMIT 50;
