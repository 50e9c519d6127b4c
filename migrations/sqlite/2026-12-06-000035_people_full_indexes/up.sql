-- The people's lookups at intake compare each key with a bound value. Over a partial index
-- (`WHERE subject IS NOT NULL`) SQLite must prove the value is not NULL, so it compiled the
-- statement again every time new values were bound, on every intake; over a full index the
-- plan does not depend on the value, and the statement stays prepared. PostgreSQL plans
-- its partial indexes for any value and keeps them.
DROP INDEX people_by_subject;
DROP INDEX people_by_email;
DROP INDEX people_by_phone;
CREATE INDEX people_by_subject ON people (subject);
CREATE INDEX people_by_email ON people (email_key);
CREATE INDEX people_by_phone ON people (phone_key);
