DROP TABLE new_issue_reviews;
DROP TABLE restricted_contacts;
DROP TABLE restriction_reviews;
DROP TABLE restrictions;
