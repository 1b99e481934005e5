-- What GET /v1/scorecards?period=&team_id=&as_of= reads, in one statement: the
-- team's members on as_of, their agreed targets lying in the period and the
-- team's, then the rollup's sums as the service reads them
-- (src/progress/service/measure.rs, `sums`): each person's own target counts
-- its metric and the person's overlay credits in it (`overlay:<metric>`), the
-- team's target its metric on each member's days in the team; each person's
-- days of a range are read once for all the money metrics (daily_sales: a row
-- per person and day), so a member's revenue and gross profit from the first
-- day to as_of serve their own targets and the team's. Run by pgbench
-- in bench/progress.sh, and by psql to check its figures against the API's.
-- Variables: org, team, as_of, from_on and to_on (the period's first and last day).
-- The benchmark's teams have no sub-teams and their members stay the whole
-- period, so every sum runs from the period's first day to as_of.
WITH m AS (
  SELECT tm.user_id, u.name
    FROM team_members tm
    JOIN users u ON u.org_id = tm.org_id AND u.id = tm.user_id
   WHERE tm.org_id = :org AND tm.team_id = :team
     AND tm.from_on <= :as_of AND (tm.to_on IS NULL OR tm.to_on >= :as_of)
), t AS (
  SELECT id, subject_type, subject_id, metric, value, starts_on, ends_on
    FROM targets
   WHERE org_id = :org AND status = 'agreed' AND starts_on >= :from_on AND ends_on <= :to_on
     AND ((subject_type = 'user' AND subject_id IN (SELECT user_id FROM m))
          OR (subject_type = 'team' AND subject_id = :team))
), people AS (
  -- everyone a sum is read for: the members (the team's target counts them)
  -- and the people of the targets
  SELECT user_id AS who FROM m
  UNION
  SELECT subject_id FROM t WHERE subject_type = 'user'
), money AS (
  -- each person's days from the period's first day to as_of, read once for
  -- the four money sums
  SELECT p.who, x.*
    FROM people p
   CROSS JOIN LATERAL (
     SELECT coalesce(sum(d.revenue), 0) AS revenue, coalesce(sum(d.gross_profit), 0) AS gross_profit,
            coalesce(sum(d.overlay_revenue), 0) AS overlay_revenue,
            coalesce(sum(d.overlay_gross_profit), 0) AS overlay_gross_profit
       FROM daily_sales d
      WHERE d.org_id = :org AND d.salesperson_id = p.who AND d.day BETWEEN :from_on AND :as_of) x
)
-- a person's own target counts their overlay credits; the team's does not
SELECT 'user' AS subject_type, m.user_id AS subject_id, t.id AS target_id, t.value,
       CASE t.metric WHEN 'revenue' THEN x.revenue + x.overlay_revenue
                     ELSE x.gross_profit + x.overlay_gross_profit END AS actual
  FROM m LEFT JOIN t ON t.subject_type = 'user' AND t.subject_id = m.user_id
  LEFT JOIN money x ON x.who = m.user_id
UNION ALL
SELECT 'team', t.subject_id, t.id, t.value,
       (SELECT sum(CASE t.metric WHEN 'revenue' THEN x.revenue ELSE x.gross_profit END)
          FROM money x JOIN m ON m.user_id = x.who)
  FROM t
 WHERE t.subject_type = 'team';
