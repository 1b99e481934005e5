-- Accounts (customers and prospects), each with one owner and a dated ownership history.

CREATE TABLE accounts (
    org_id uuid NOT NULL REFERENCES orgs(id),
    id uuid NOT NULL,
    name text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('customer', 'prospect')),
    status text NOT NULL,
    -- The owner today; the history is in account_owners.
    owner_id uuid NOT NULL,
    external_source text,
    external_id text,
    segment text,
    -- The day a prospect was won and became a customer, and who owned it then.
    converted_on date,
    won_by uuid,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, owner_id) REFERENCES users (org_id, id),
    FOREIGN KEY (org_id, won_by) REFERENCES users (org_id, id),
    CHECK ((kind = 'customer' AND status IN ('active', 'dormant'))
        OR (kind = 'prospect' AND status IN ('open', 'won', 'lost'))),
    CHECK ((external_source IS NULL) = (external_id IS NULL))
);
CREATE UNIQUE INDEX accounts_external_key ON accounts (org_id, external_source, external_id)
    WHERE external_source IS NOT NULL;
CREATE INDEX accounts_owner_idx ON accounts (org_id, owner_id, id);

-- Who owned an account on which days: from_on and to_on are both days of ownership
-- (to_on NULL: to this day). Periods never overlap, so "the owner on day D" is one
-- row, found through the primary key: from_on <= D ORDER BY from_on DESC LIMIT 1.
CREATE TABLE account_owners (
    org_id uuid NOT NULL,
    account_id uuid NOT NULL,
    owner_id uuid NOT NULL,
    from_on date NOT NULL,
    to_on date,
    reason text,
    recorded_by uuid,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, account_id, from_on),
    FOREIGN KEY (org_id, account_id) REFERENCES accounts (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, owner_id) REFERENCES users (org_id, id),
    CHECK (to_on IS NULL OR to_on >= from_on),
    EXCLUDE USING gist (
        org_id WITH =,
        account_id WITH =,
        daterange(from_on, to_on, '[]') WITH &&
    )
);
CREATE INDEX account_owners_owner_idx ON account_owners (org_id, owner_id, from_on);
