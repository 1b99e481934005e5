-- What sales credited each salesperson per day, in one row a person and day:
-- their revenue and gross-profit credits, and their overlay credits (NULL when
-- they have none that day: most people on most days). A person's money over a
-- range of days, or a team's both money metrics, is then one read of each of
-- their days, where daily_rollup kept a row per metric. daily_rollup keeps the
-- counted metrics (new_accounts, activity:<kind>).
CREATE TABLE daily_sales (
    org_id uuid NOT NULL,
    salesperson_id uuid NOT NULL,
    day date NOT NULL,
    revenue numeric NOT NULL DEFAULT 0,
    gross_profit numeric NOT NULL DEFAULT 0,
    overlay_revenue numeric CHECK (overlay_revenue <> 0),
    overlay_gross_profit numeric CHECK (overlay_gross_profit <> 0),
    PRIMARY KEY (org_id, salesperson_id, day)
);

INSERT INTO daily_sales (org_id, salesperson_id, day, revenue, gross_profit,
                         overlay_revenue, overlay_gross_profit)
SELECT org_id, salesperson_id, day,
       coalesce(sum(amount) FILTER (WHERE metric = 'revenue'), 0),
       coalesce(sum(amount) FILTER (WHERE metric = 'gross_profit'), 0),
       nullif(sum(amount) FILTER (WHERE metric = 'overlay:revenue'), 0),
       nullif(sum(amount) FILTER (WHERE metric = 'overlay:gross_profit'), 0)
  FROM daily_rollup
 WHERE metric IN ('revenue', 'gross_profit', 'overlay:revenue', 'overlay:gross_profit')
 GROUP BY org_id, salesperson_id, day;

DELETE FROM daily_rollup
 WHERE metric IN ('revenue', 'gross_profit', 'overlay:revenue', 'overlay:gross_profit');
