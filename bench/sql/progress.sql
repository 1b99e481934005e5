-- What GET /v1/targets/{id}/progress?as_of= reads, in one statement: the
-- statement the service runs (src/targets/store.rs, get_with_own_actual), word
-- for word but for its parameters: the target and what its salesperson achieved
-- from its first day up to as_of (the daily rollup of money, daily_sales, for a
-- money metric; daily_rollup for counted ones).
-- Run by pgbench in bench/progress.sh, and by psql to check its figures against
-- the API's. Variables: org, target, as_of.
SELECT t.org_id, t.id, t.title, t.description, t.subject_type, t.subject_id,
       t.account_id, t.metric, t.activity_kind, t.value, t.currency, t.period,
       t.starts_on, t.ends_on, t.parent_id, t.status, t.revision, t.revision_of,
       t.agreed_at, t.agreed_by, t.created_by, t.version, t.created_at, t.updated_at,
       CASE WHEN t.subject_type <> 'user' OR t.account_id IS NOT NULL THEN NULL
       WHEN t.metric IN ('revenue', 'gross_profit') THEN
         coalesce((SELECT sum(CASE WHEN t.metric = 'revenue' THEN d.revenue
                                   ELSE d.gross_profit END)
                          + coalesce(sum(CASE WHEN t.metric = 'revenue' THEN d.overlay_revenue
                                              ELSE d.overlay_gross_profit END), 0)
                     FROM daily_sales d
                    WHERE d.org_id = :org AND d.salesperson_id = t.subject_id
                      AND d.day BETWEEN t.starts_on AND least(:as_of, t.ends_on)), 0)
       ELSE
         coalesce((SELECT sum(r.amount) FROM daily_rollup r
                    WHERE r.org_id = :org AND r.salesperson_id = t.subject_id
                      AND r.metric = CASE WHEN t.metric = 'activities'
                                          THEN 'activity:' || t.activity_kind ELSE t.metric END
                      AND r.day BETWEEN t.starts_on AND least(:as_of, t.ends_on)), 0) END AS own_actual
  FROM targets t WHERE t.org_id = :org AND t.id = :target;
