-- Seed for the benchmarks in bench/ (run by bench/lib.sh's seed_db through psql).
--
-- Variables: org (the organisation's id), sellers, accounts, seed_sales.
-- Creates `sellers` salespeople (farmers, seller<N>@bench.example.com, no
-- password, id pg_temp.bench_id('8', N)), `accounts` customer accounts owned by them in turn (with their first
-- account_owners row), `seed_sales` sales spread over the accounts and the days of
-- 2025-2026, and the matching daily_sales rows (revenue, gross_profit: the
-- rollup of money, a row per salesperson and day).
--
-- Leaves for a script run in the same session: the temporary tables
-- bench_sellers (id, k: N - 1) and bench_accounts (n, id, owner_id), and the
-- functions pg_temp.uuid7(timestamptz), pg_temp.bench_id(kind, n) and
-- pg_temp.pick(n, salt, m).

BEGIN;

-- UUID version 7 for a given instant (the service's ids are v7: time-ordered).
CREATE FUNCTION pg_temp.uuid7(ts timestamptz) RETURNS uuid LANGUAGE sql VOLATILE AS $$
  SELECT encode(set_bit(set_bit(
    overlay(uuid_send(gen_random_uuid())
            PLACING substring(int8send(floor(extract(epoch FROM ts) * 1000)::bigint) FROM 3)
            FROM 1 FOR 6),
    52, 1), 53, 1), 'hex')::uuid
$$;

-- An id made from a number, so that pgbench can pick a random salesperson or
-- target by number (bench/sql/*.sql build the same ids): kind '8' for
-- salespeople, '9' and 'a' for their revenue and gross-profit targets.
CREATE FUNCTION pg_temp.bench_id(kind text, n bigint) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$
  SELECT ('00000000-0000-4000-' || kind || '000-' || lpad(n::text, 12, '0'))::uuid
$$;

INSERT INTO users (org_id, id, email, email_key, name, role, selling_style, password_hash)
SELECT :'org', pg_temp.bench_id('8', n), format('seller%s@bench.example.com', n),
       format('seller%s@bench.example.com', n), format('Seller %s', n),
       'salesperson', 'farmer', NULL
FROM generate_series(1, :sellers) n;
-- Signing in by email finds the organisation through `logins`, which the users
-- service writes with each user.
INSERT INTO logins (email_key, org_id, user_id)
SELECT email_key, org_id, id FROM users WHERE org_id = :'org' AND role = 'salesperson';

CREATE TEMP TABLE bench_sellers AS
SELECT pg_temp.bench_id('8', n) AS id, (n - 1)::int AS k FROM generate_series(1, :sellers) n;

CREATE TEMP TABLE bench_accounts AS
SELECT g.n, gen_random_uuid() AS id, s.id AS owner_id
FROM generate_series(0, :accounts - 1) g(n) JOIN bench_sellers s ON s.k = g.n % :sellers;
CREATE UNIQUE INDEX ON bench_accounts (n);
ANALYZE bench_accounts;

INSERT INTO accounts (org_id, id, name, kind, status, owner_id)
SELECT :'org', id, format('Bench account %s', n), 'customer', 'active', owner_id FROM bench_accounts;

INSERT INTO account_owners (org_id, account_id, owner_id, from_on, reason)
SELECT :'org', id, owner_id, date '2025-01-01', 'bench' FROM bench_accounts;

-- A deterministic pseudo-random integer in [0, m) for row n, independent per salt.
CREATE FUNCTION pg_temp.pick(n bigint, salt bigint, m bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$ SELECT (hashint8extended(n, salt) & 9223372036854775807) % m $$;

-- Spread over the accounts and over the 730 days of 2025-2026; 50.00 to 25,000.00
-- of revenue at a 10% to 45% margin; credited to the account's owner.
INSERT INTO sales (org_id, id, source, external_id, account_id, salesperson_id, occurred_on,
                   kind, currency, fx_rate, amount_revenue, amount_gross_profit, revenue,
                   gross_profit, created_at, updated_at)
SELECT :'org', pg_temp.uuid7(x.ts), 'seed', 'seed-' || x.n, a.id, a.owner_id, x.day,
       'invoice', 'EUR', 1, x.rev, x.gp, x.rev, x.gp, x.ts, x.ts
FROM (
  SELECT n, acc, day, day + interval '8 hours' + pg_temp.pick(n, 4, 36000) * interval '1 second' AS ts,
         rev, round(rev * (10 + pg_temp.pick(n, 3, 36)) / 100, 2) AS gp
  FROM (
    SELECT g.n, pg_temp.pick(g.n, 1, :accounts) AS acc,
           date '2025-01-01' + pg_temp.pick(g.n, 2, 730)::int AS day,
           round(50 + pg_temp.pick(g.n, 5, 2495000) / 100.0, 2) AS rev
    FROM generate_series(1::bigint, :seed_sales) g(n)
  ) s
) x
JOIN bench_accounts a ON a.n = x.acc;

INSERT INTO daily_sales (org_id, salesperson_id, day, revenue, gross_profit)
SELECT org_id, salesperson_id, occurred_on, sum(revenue), sum(gross_profit)
FROM sales WHERE org_id = :'org' GROUP BY org_id, salesperson_id, occurred_on;

COMMIT;
