-- What GET /v1/scorecards?period=&team_id=&as_of= reads, in one statement: the
-- team's members on as_of, each with their agreed targets lying in the period
-- and what each achieved up to as_of (members without targets on a row of their
-- own), then the team's agreed targets with what the team achieved, each day
-- counting for the people who were members on that day: as the service does it,
-- one range of the rollup per membership span that overlaps the target's days
-- (not the rollup joined day by day to the memberships). Run by pgbench in
-- bench/progress.sh, and by psql to check its figures against the API's.
-- Variables: org, team, as_of, from_on and to_on (the period's first and last day).
-- The benchmark's teams have no sub-teams, so the team alone stands for its tree.
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
)
SELECT 'user' AS subject_type, m.user_id AS subject_id, t.id AS target_id, t.value,
       (SELECT sum(r.amount)
          FROM daily_rollup r
         WHERE r.org_id = :org AND r.salesperson_id = m.user_id AND r.metric = t.metric
           AND r.day BETWEEN t.starts_on AND least(:as_of, t.ends_on)) AS actual
  FROM m LEFT JOIN t ON t.subject_type = 'user' AND t.subject_id = m.user_id
UNION ALL
SELECT 'team', t.subject_id, t.id, t.value,
       (SELECT sum(r.amount)
          FROM team_members tm
          JOIN daily_rollup r
            ON r.org_id = tm.org_id AND r.salesperson_id = tm.user_id AND r.metric = t.metric
           AND r.day BETWEEN greatest(t.starts_on, tm.from_on)
                         AND least(:as_of, t.ends_on, coalesce(tm.to_on, t.ends_on))
         WHERE tm.org_id = :org AND tm.team_id = :team
           AND tm.from_on <= least(:as_of, t.ends_on)
           AND (tm.to_on IS NULL OR tm.to_on >= t.starts_on))
  FROM t
 WHERE t.subject_type = 'team';
