-- What each salesperson achieved per metric and calendar month: the sums of
-- daily_rollup by month, kept in the same transaction as it. A sum over a range
-- of days reads the range's whole months here and only its first and last
-- partial months day by day (a quarter to date: two or three month rows and
-- the days of the month under way, instead of every day).
CREATE TABLE monthly_rollup (
    org_id uuid NOT NULL,
    salesperson_id uuid NOT NULL,
    metric text NOT NULL,
    -- The month's first day.
    month date NOT NULL CHECK (extract(day FROM month) = 1),
    amount numeric NOT NULL,
    PRIMARY KEY (org_id, salesperson_id, metric, month)
);

INSERT INTO monthly_rollup (org_id, salesperson_id, metric, month, amount)
SELECT org_id, salesperson_id, metric, date_trunc('month', day)::date, sum(amount)
  FROM daily_rollup
 GROUP BY 1, 2, 3, 4;
