-- The least SQL that answers GET /v1/scorecards for a team of 50: one GROUP BY
-- person over the daily rollup of money (daily_sales, a row per person and
-- day), the revenue of each of the team's members from the period's first day
-- to as_of (the team's own figure is their total). No targets, memberships,
-- token, pace or overlay credits. Run by pgbench in bench/progress.sh, and by
-- psql to check its figures against the API's.
-- Variables: org, team_people (the members' ids as a uuid[] literal), from_on, as_of.
SELECT salesperson_id, sum(revenue) FROM daily_sales
 WHERE org_id = :org AND salesperson_id = ANY (:team_people::uuid[])
   AND day BETWEEN :from_on AND :as_of
 GROUP BY salesperson_id;
