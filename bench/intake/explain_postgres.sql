-- The read intake sends, as diesel keeps it prepared: PostgreSQL's plan for any values (the one
-- it keeps after five runs), then run for a returning customer (person 124's details).
PREPARE intake_read(text, text, text, bigint, text) AS SELECT "services"."active", "people"."id", "people"."subject", "people"."name", "people"."email", "people"."phone", "people"."address", "people"."postcode", "people"."preferred_contact", "people"."language", "people"."email_key", "people"."phone_key", "people"."merged_into", "people"."version", "people"."created_at", "people"."updated_at", EXISTS (SELECT 1 FROM restrictions r WHERE r.person_id = people.id AND r.lifted_at IS NULL), EXISTS (SELECT 1 FROM adjustments a WHERE a.person_id = people.id AND a.in_force), EXISTS (SELECT 1 FROM legal_holds h WHERE h.person_id = people.id AND h.lifted_at IS NULL) FROM ("services" LEFT OUTER JOIN "people" ON (((("people"."subject" = $1) OR ("people"."email_key" = $2)) OR ("people"."phone_key" = $3)) OR ("people"."id" = $4))) WHERE ("services"."id" = $5) ORDER BY "people"."id" ASC LIMIT 41;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (ANALYZE, BUFFERS, TIMING) EXECUTE intake_read('customer-124', 'p124@example.org', '01632000124', 0, 'highways');
RESET plan_cache_mode;
EXPLAIN (ANALYZE, BUFFERS, TIMING) SELECT cases.id, cases.reference, cases.summary, cases.description FROM customers INNER JOIN cases ON cases.customer_id = customers.id
 WHERE customers.person_id = 124 AND cases.id <> 0 AND cases.service_id = 'highways' AND cases.kind = 'complaint'
   AND cases.received_at BETWEEN TIMESTAMP '2025-03-13' - INTERVAL '60 days' AND TIMESTAMP '2025-03-13' + INTERVAL '60 days'
 ORDER BY cases.received_at DESC, cases.id DESC LIMIT 50;
