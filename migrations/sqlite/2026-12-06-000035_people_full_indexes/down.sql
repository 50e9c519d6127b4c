DROP INDEX people_by_subject;
DROP INDEX people_by_email;
DROP INDEX people_by_phone;
CREATE INDEX people_by_subject ON people (subject) WHERE subject IS NOT NULL;
CREATE INDEX people_by_email ON people (email_key) WHERE email_key IS NOT NULL;
CREATE INDEX people_by_phone ON people (phone_key) WHERE phone_key IS NOT NULL;
