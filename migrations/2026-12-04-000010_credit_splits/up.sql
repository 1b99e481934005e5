-- Credit splits: who each sale is credited to (one row per person and type of
-- credit), and the dated split rules of accounts, hand-overs' hunter shares
-- among them.

-- `splits_given`: the push named the sale's splits (they are kept as sent;
-- transfers and split rules re-credit only sales that follow their account).
-- `split`: the sale is shared, and its shares are in `sale_shares`; a sale
-- credited whole to one person keeps its one credit on its own row
-- (`salesperson_id`, `revenue`, `gross_profit`), so that most writes store one
-- row per sale.
ALTER TABLE sales
    ADD COLUMN splits_given boolean NOT NULL DEFAULT false,
    ADD COLUMN split boolean NOT NULL DEFAULT false;

-- The shares of shared sales. A revenue credit counts for the person and,
-- through dated membership, their teams; an overlay credit only for the
-- person's own targets. Amounts are in the organisation's currency, negative
-- for a credit note; a sale's revenue credits add up exactly to its counted
-- amounts.
CREATE TABLE sale_shares (
    org_id uuid NOT NULL REFERENCES orgs(id),
    sale_id uuid NOT NULL,
    salesperson_id uuid NOT NULL,
    credit_type text NOT NULL CHECK (credit_type IN ('revenue', 'overlay')),
    share_pct numeric(5, 2) NOT NULL CHECK (share_pct > 0 AND share_pct <= 100),
    revenue numeric(18, 2) NOT NULL,
    gross_profit numeric(18, 2) NOT NULL,
    PRIMARY KEY (org_id, sale_id, credit_type, salesperson_id),
    FOREIGN KEY (org_id, sale_id) REFERENCES sales (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, salesperson_id) REFERENCES users (org_id, id)
);
CREATE INDEX sale_shares_person_idx ON sale_shares (org_id, salesperson_id, sale_id);

-- Every sale's credits, one row per person and type: the shares of shared
-- sales, and the whole credit of every other sale.
CREATE VIEW sale_credits AS
SELECT org_id, sale_id, salesperson_id, credit_type, share_pct, revenue, gross_profit
  FROM sale_shares
UNION ALL
SELECT org_id, id, salesperson_id, 'revenue', 100::numeric(5, 2), revenue, gross_profit
  FROM sales WHERE NOT split;

-- The people who share an account's sales besides its owner, from one day to
-- another (`to_on` is the last day; NULL: open). Rules of one account never
-- overlap; the service checks it under the account's lock.
CREATE TABLE account_split_rules (
    org_id uuid NOT NULL REFERENCES orgs(id),
    id uuid NOT NULL,
    account_id uuid NOT NULL,
    from_on date NOT NULL,
    to_on date,
    -- Made by a conversion's hand-over: the hunter's share.
    hunter_share boolean NOT NULL DEFAULT false,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, account_id) REFERENCES accounts (org_id, id),
    CHECK (to_on IS NULL OR to_on >= from_on)
);
CREATE INDEX account_split_rules_account_idx
    ON account_split_rules (org_id, account_id, from_on);

CREATE TABLE account_split_shares (
    org_id uuid NOT NULL,
    rule_id uuid NOT NULL,
    salesperson_id uuid NOT NULL,
    credit_type text NOT NULL CHECK (credit_type IN ('revenue', 'overlay')),
    share_pct numeric(5, 2) NOT NULL CHECK (share_pct > 0 AND share_pct <= 100),
    PRIMARY KEY (org_id, rule_id, credit_type, salesperson_id),
    FOREIGN KEY (org_id, rule_id) REFERENCES account_split_rules (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, salesperson_id) REFERENCES users (org_id, id)
);
