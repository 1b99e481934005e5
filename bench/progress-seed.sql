-- Teams and agreed targets for bench/progress.sh, run after bench/seed.sql in the
-- same psql session (it uses bench_sellers, pg_temp.uuid7 and pg_temp.pick).
--
-- Variables: org, teams (how many), team_size (salespeople per team; teams *
-- team_size = sellers), period (the key, 2026-Q4), from_on and to_on (its days).
--
-- Creates a manager per team (manager<T>@bench.example.com), the teams
-- "Team 1".."Team <teams>", their members from 2025-01-01 (open-ended: the
-- salesperson with k = 0..team_size-1 in Team 1, and so on), and for the period,
-- agreed (revision 1): a revenue and a gross_profit target per salesperson (ids
-- pg_temp.bench_id('9', k + 1) and pg_temp.bench_id('a', k + 1)) and a revenue
-- target per team (the sum of its members' revenue targets). Every seeded person
-- signs in with the admin's password.

BEGIN;

CREATE TEMP TABLE bench_admin AS
SELECT id, password_hash FROM users WHERE org_id = :'org' AND role = 'admin';

INSERT INTO users (org_id, id, email, email_key, name, role, password_hash)
SELECT :'org', pg_temp.uuid7(now()), format('manager%s@bench.example.com', t),
       format('manager%s@bench.example.com', t), format('Manager %s', t),
       'manager', (SELECT password_hash FROM bench_admin)
FROM generate_series(1, :teams) t;
INSERT INTO logins (email_key, org_id, user_id)
SELECT email_key, org_id, id FROM users WHERE org_id = :'org' AND role = 'manager';

UPDATE users SET password_hash = (SELECT password_hash FROM bench_admin)
WHERE org_id = :'org' AND role = 'salesperson';

CREATE TEMP TABLE bench_teams AS
SELECT t - 1 AS k, pg_temp.uuid7(now()) AS id, format('Team %s', t) AS name,
       (SELECT id FROM users WHERE org_id = :'org' AND email = format('manager%s@bench.example.com', t)) AS manager_id
FROM generate_series(1, :teams) t;

INSERT INTO teams (org_id, id, name, manager_id)
SELECT :'org', id, name, manager_id FROM bench_teams;

INSERT INTO team_members (org_id, team_id, user_id, from_on)
SELECT :'org', t.id, s.id, date '2025-01-01'
FROM bench_sellers s JOIN bench_teams t ON t.k = s.k / :team_size;

-- Revenue targets of 6,000,000.00 to 9,999,999.00 a quarter (the seeded sales
-- bring about 7.9 million per salesperson and quarter); gross profit at 25% to 30%.
CREATE TEMP TABLE bench_targets AS
SELECT s.id AS seller_id, s.k, 6000000 + pg_temp.pick(s.k, 11, 4000000) AS revenue,
       round((6000000 + pg_temp.pick(s.k, 11, 4000000)) * (25 + pg_temp.pick(s.k, 12, 6)) / 100.0, 2) AS gross_profit
FROM bench_sellers s;

INSERT INTO targets (org_id, id, title, subject_type, subject_id, metric, value, currency, period,
                     starts_on, ends_on, status, revision, agreed_at, agreed_by, created_by, version)
SELECT :'org', pg_temp.bench_id(m.kind, b.k + 1), format('%s %s', m.title, :'period'), 'user', b.seller_id, m.metric,
       CASE m.metric WHEN 'revenue' THEN b.revenue ELSE b.gross_profit END, 'EUR', :'period',
       :'from_on', :'to_on', 'agreed', 1, now(), a.id, a.id, 1
FROM bench_targets b
CROSS JOIN (VALUES ('revenue', 'Revenue', '9'), ('gross_profit', 'Gross profit', 'a')) m(metric, title, kind)
CROSS JOIN bench_admin a;

INSERT INTO targets (org_id, id, title, subject_type, subject_id, metric, value, currency, period,
                     starts_on, ends_on, status, revision, agreed_at, agreed_by, created_by, version)
SELECT :'org', pg_temp.uuid7(now()), format('%s revenue %s', t.name, :'period'), 'team', t.id, 'revenue',
       (SELECT sum(b.revenue) FROM bench_targets b WHERE b.k / :team_size = t.k), 'EUR', :'period',
       :'from_on', :'to_on', 'agreed', 1, now(), a.id, a.id, 1
FROM bench_teams t CROSS JOIN bench_admin a;

COMMIT;
