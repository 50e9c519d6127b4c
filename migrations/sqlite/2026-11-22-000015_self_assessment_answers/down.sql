DROP TABLE self_assessment_answers;
