ALTER TABLE case_responses DROP COLUMN sent_at_reason;
ALTER TABLE case_extensions DROP COLUMN customer_agreement_method;
ALTER TABLE case_extensions DROP COLUMN customer_agreed_at;
