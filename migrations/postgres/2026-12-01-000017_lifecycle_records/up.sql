-- When and how the customer agreed to an extension beyond the policy's
-- limit (the boolean alone could not show it), and why a stage response was
-- recorded with an earlier date than the day it was entered (a letter sent
-- on paper).
ALTER TABLE case_extensions ADD COLUMN customer_agreed_at TIMESTAMP;
ALTER TABLE case_extensions ADD COLUMN customer_agreement_method TEXT;
ALTER TABLE case_responses ADD COLUMN sent_at_reason TEXT;
