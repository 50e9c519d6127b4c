DROP TABLE learning_action_cases;
DROP TABLE learning_actions;
