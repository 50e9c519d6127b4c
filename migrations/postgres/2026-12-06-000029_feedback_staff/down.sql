DROP TABLE feedback_staff;
