DROP TABLE bonus_plans;
DROP TABLE target_events;
DROP TABLE targets;
