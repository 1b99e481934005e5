-- The least SQL that answers GET /v1/scorecards for a team of 50 whose members
-- each have a revenue and a gross-profit target (as bench/progress-seed.sql
-- agrees them): one GROUP BY person over the daily rollup of money
-- (daily_sales), both metrics of each of the team's members from the period's
-- first day to as_of (the team's own revenue figure is their total). No
-- targets, memberships, token, pace or overlay credits.
-- bench/sql/least-scorecard.sql sums revenue alone. Run by pgbench in
-- bench/progress.sh.
-- Variables: org, team_people (the members' ids as a uuid[] literal), from_on, as_of.
SELECT salesperson_id, sum(revenue), sum(gross_profit) FROM daily_sales
 WHERE org_id = :org AND salesperson_id = ANY (:team_people::uuid[])
   AND day BETWEEN :from_on AND :as_of
 GROUP BY salesperson_id;
