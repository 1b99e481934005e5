-- Results: the ledger of sales and activities pushed by CRMs, a daily rollup per
-- salesperson kept in the same transaction as every ledger write, and the
-- idempotency keys of retried requests.

CREATE TABLE sales (
    org_id uuid NOT NULL REFERENCES orgs(id),
    id uuid NOT NULL,
    source text NOT NULL,
    external_id text NOT NULL,
    account_id uuid NOT NULL,
    -- Credited salesperson; re-credited by transfers unless named in the request.
    salesperson_id uuid NOT NULL,
    salesperson_given boolean NOT NULL DEFAULT false,
    occurred_on date NOT NULL,
    kind text NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    -- As sent: amounts in `currency`, and the rate to the reporting currency.
    currency text NOT NULL,
    fx_rate numeric(20, 10) NOT NULL CHECK (fx_rate > 0),
    amount_revenue numeric(18, 2) NOT NULL,
    amount_gross_profit numeric(18, 2) NOT NULL,
    -- Counted: in the reporting currency, negative for credit notes.
    revenue numeric(18, 2) NOT NULL,
    gross_profit numeric(18, 2) NOT NULL,
    voided_at timestamptz,
    void_reason text,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, source, external_id),
    FOREIGN KEY (org_id, account_id) REFERENCES accounts (org_id, id),
    FOREIGN KEY (org_id, salesperson_id) REFERENCES users (org_id, id)
);
CREATE INDEX sales_account_day_idx ON sales (org_id, account_id, occurred_on);

CREATE TABLE activities (
    org_id uuid NOT NULL REFERENCES orgs(id),
    id uuid NOT NULL,
    source text NOT NULL,
    external_id text NOT NULL,
    kind text NOT NULL,
    salesperson_id uuid NOT NULL,
    salesperson_given boolean NOT NULL DEFAULT false,
    account_id uuid,
    occurred_at timestamptz NOT NULL,
    -- The day in the organisation's time zone.
    occurred_on date NOT NULL,
    count integer NOT NULL CHECK (count > 0),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, source, external_id),
    FOREIGN KEY (org_id, account_id) REFERENCES accounts (org_id, id),
    FOREIGN KEY (org_id, salesperson_id) REFERENCES users (org_id, id)
);
CREATE INDEX activities_account_day_idx ON activities (org_id, account_id, occurred_on);

-- What each salesperson achieved per metric and day: revenue, gross_profit,
-- new_accounts, and activity:<kind>. Dashboards read this, never the ledger.
CREATE TABLE daily_rollup (
    org_id uuid NOT NULL,
    salesperson_id uuid NOT NULL,
    metric text NOT NULL,
    day date NOT NULL,
    amount numeric NOT NULL,
    PRIMARY KEY (org_id, salesperson_id, metric, day)
);

-- Retried writes: the same key and body replay the first answer.
CREATE TABLE idempotency_keys (
    org_id uuid NOT NULL,
    actor_id uuid NOT NULL,
    key text NOT NULL,
    request_hash bytea NOT NULL,
    -- NULL while the first request is still running.
    status smallint,
    body bytea,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, actor_id, key)
);
