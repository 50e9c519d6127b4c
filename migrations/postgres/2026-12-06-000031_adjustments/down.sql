DROP INDEX deadline_alerts_adjustment_subject;
DELETE FROM deadline_alerts WHERE deadline = 'adjustment_review';
DROP INDEX adjustment_reviews_by_adjustment;
DROP TABLE adjustment_reviews;
DROP INDEX adjustments_by_person;
DROP TABLE adjustments;
