-- What GET /v1/targets/{id}/progress?as_of= reads, in one statement: the target
-- and what its salesperson achieved from its first day up to as_of (the daily
-- rollup of the target's metric). Run by pgbench in bench/progress.sh, and by
-- psql to check its figures against the API's.
-- Variables: org, target, as_of.
SELECT t.id, t.value,
       (SELECT sum(r.amount)
          FROM daily_rollup r
         WHERE r.org_id = t.org_id AND r.salesperson_id = t.subject_id AND r.metric = t.metric
           AND r.day BETWEEN t.starts_on AND least(:as_of, t.ends_on)) AS actual
  FROM targets t
 WHERE t.org_id = :org AND t.id = :target;
