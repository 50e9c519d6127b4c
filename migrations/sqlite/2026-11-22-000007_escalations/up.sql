-- Asking for stage 2: the grounds or the reason for dissatisfaction, and a
-- late request's acceptance by the complaints manager.
ALTER TABLE case_stages ADD COLUMN requested_by TEXT;
ALTER TABLE case_stages ADD COLUMN request_grounds TEXT;
ALTER TABLE case_stages ADD COLUMN request_reason TEXT;
ALTER TABLE case_stages ADD COLUMN late_acceptance_reason TEXT;
