\set p random(1, 400000)
SELECT * FROM people WHERE subject = 'customer-' || :p AND merged_into IS NULL ORDER BY id LIMIT 1;
SELECT * FROM people WHERE email_key = 'p' || :p || '@example.org' AND merged_into IS NULL ORDER BY id LIMIT 20;
SELECT * FROM people WHERE phone_key = '01632' || lpad(:p::text, 6, '0') AND merged_into IS NULL ORDER BY id LIMIT 20;
