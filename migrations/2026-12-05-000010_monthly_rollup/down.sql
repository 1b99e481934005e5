DROP TABLE monthly_rollup;
