DROP TABLE idempotency_keys;
DROP TABLE daily_rollup;
DROP TABLE activities;
DROP TABLE sales;
