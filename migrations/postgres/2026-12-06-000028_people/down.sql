DROP INDEX representatives_by_person;
ALTER TABLE representatives DROP COLUMN person_id;
DROP INDEX cases_by_customer_id;
DROP INDEX customers_by_person;
ALTER TABLE customers DROP COLUMN person_match_uncertain;
ALTER TABLE customers DROP COLUMN person_match;
ALTER TABLE customers DROP COLUMN person_id;
DROP TABLE person_merges;
DROP TABLE people;
