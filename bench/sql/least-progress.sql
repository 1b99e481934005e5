-- The least SQL that answers GET /v1/targets/{id}/progress for a salesperson's
-- revenue target: the sum of their days' revenue in the daily rollup of money
-- (daily_sales, a row per person and day) from the period's first day to
-- as_of. No target row, no token, no pace, no overlay credits. The salesperson
-- is seller<k>@bench.example.com, whose id bench/seed.sql makes from k
-- (building it costs PostgreSQL about a microsecond); bench/progress.sh has
-- pgbench pick k at random among the 200 (`\set k random(1, 200)`) and runs the
-- same statement behind a bare actix endpoint (examples/minimal_progress.rs).
-- Variables: org, k, from_on, as_of.
SELECT sum(revenue) FROM daily_sales
 WHERE org_id = :org AND salesperson_id = ('00000000-0000-4000-8000-' || lpad(:k::text, 12, '0'))::uuid
   AND day BETWEEN :from_on AND :as_of;
