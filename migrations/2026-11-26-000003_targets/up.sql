-- Targets (SMART, agreed, linked to the plan above them), their history, and bonus plans.

CREATE TABLE targets (
    org_id uuid NOT NULL REFERENCES orgs(id),
    id uuid NOT NULL,
    title text NOT NULL,
    description text,
    subject_type text NOT NULL CHECK (subject_type IN ('user', 'team', 'org')),
    -- The user or team; NULL for the organisation.
    subject_id uuid,
    account_id uuid,
    metric text NOT NULL CHECK (metric IN ('revenue', 'gross_profit', 'activities', 'new_accounts')),
    activity_kind text,
    value numeric(18, 2) NOT NULL CHECK (value > 0),
    currency text,
    -- The period key when the target was set by key; the days are always stored.
    period text,
    starts_on date NOT NULL,
    ends_on date NOT NULL,
    parent_id uuid,
    status text NOT NULL CHECK (status IN ('draft', 'proposed', 'agreed', 'superseded', 'cancelled')),
    -- Revisions: 1 for the first version; each revision is a new row pointing to the one it replaces.
    revision integer NOT NULL DEFAULT 1,
    revision_of uuid,
    agreed_at timestamptz,
    agreed_by uuid,
    created_by uuid,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, account_id) REFERENCES accounts (org_id, id),
    FOREIGN KEY (org_id, parent_id) REFERENCES targets (org_id, id),
    FOREIGN KEY (org_id, revision_of) REFERENCES targets (org_id, id),
    CHECK (ends_on >= starts_on),
    CHECK ((subject_type = 'org') = (subject_id IS NULL)),
    CHECK ((metric = 'activities') = (activity_kind IS NOT NULL))
);
CREATE INDEX targets_subject_idx ON targets (org_id, subject_type, subject_id, starts_on);
CREATE INDEX targets_parent_idx ON targets (org_id, parent_id);
CREATE INDEX targets_revision_idx ON targets (org_id, revision_of);

-- Every state change and version of a target: who, when, and the target as it was.
CREATE TABLE target_events (
    org_id uuid NOT NULL,
    id uuid NOT NULL,
    target_id uuid NOT NULL,
    event text NOT NULL,
    actor_id uuid,
    at timestamptz NOT NULL DEFAULT now(),
    revision integer NOT NULL,
    status text NOT NULL,
    value numeric(18, 2) NOT NULL,
    snapshot jsonb NOT NULL,
    note text,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, target_id) REFERENCES targets (org_id, id)
);
CREATE INDEX target_events_target_idx ON target_events (org_id, target_id, at);

CREATE TABLE bonus_plans (
    org_id uuid NOT NULL REFERENCES orgs(id),
    id uuid NOT NULL,
    name text NOT NULL,
    target_id uuid NOT NULL,
    tiers jsonb NOT NULL,
    gate_target_id uuid,
    gate_attainment_pct numeric(7, 2),
    created_by uuid,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, target_id) REFERENCES targets (org_id, id),
    FOREIGN KEY (org_id, gate_target_id) REFERENCES targets (org_id, id),
    CHECK ((gate_target_id IS NULL) = (gate_attainment_pct IS NULL))
);
CREATE INDEX bonus_plans_target_idx ON bonus_plans (org_id, target_id);
