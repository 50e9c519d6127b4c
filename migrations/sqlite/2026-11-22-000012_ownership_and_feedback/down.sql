DROP TABLE feedback_handling;
DROP TABLE case_services;
