-- Foundation: organisations, people, teams, integration clients, refresh tokens.
-- Every tenant table carries org_id; keys and references include it, so the
-- database itself refuses a row that points into another organisation.

CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE orgs (
    id uuid PRIMARY KEY,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    fiscal_year_start_month smallint NOT NULL DEFAULT 1 CHECK (fiscal_year_start_month BETWEEN 1 AND 12),
    week_start text NOT NULL DEFAULT 'monday',
    timezone text NOT NULL DEFAULT 'UTC',
    working_days text[] NOT NULL DEFAULT ARRAY['mon','tue','wed','thu','fri'],
    holidays date[] NOT NULL DEFAULT '{}',
    realistic_max_ratio numeric(6,3) NOT NULL DEFAULT 1.2,
    stretch_max_ratio numeric(6,3) NOT NULL DEFAULT 1.5,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    org_id uuid NOT NULL REFERENCES orgs(id),
    id uuid NOT NULL,
    email text NOT NULL,
    name text NOT NULL,
    role text NOT NULL CHECK (role IN ('admin','manager','salesperson','viewer')),
    selling_style text CHECK (selling_style IN ('farmer','hunter','hybrid')),
    active boolean NOT NULL DEFAULT true,
    password_hash text,
    -- Access tokens issued before this instant are refused (deactivation, password change).
    sessions_valid_from timestamptz,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    CHECK (selling_style IS NULL OR role = 'salesperson')
);
-- Sign-in names a person by email alone, so an email is unique across the installation.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE teams (
    org_id uuid NOT NULL REFERENCES orgs(id),
    id uuid NOT NULL,
    name text NOT NULL,
    manager_id uuid,
    parent_team_id uuid,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, manager_id) REFERENCES users (org_id, id),
    FOREIGN KEY (org_id, parent_team_id) REFERENCES teams (org_id, id),
    CHECK (parent_team_id IS NULL OR parent_team_id <> id)
);
CREATE INDEX teams_parent_idx ON teams (org_id, parent_team_id);
CREATE INDEX teams_manager_idx ON teams (org_id, manager_id);

-- Dated membership: from_on and to_on are both days of membership (to_on NULL: open).
-- A person belongs to at most one team on any day, so credit is never counted twice.
CREATE TABLE team_members (
    org_id uuid NOT NULL,
    team_id uuid NOT NULL,
    user_id uuid NOT NULL,
    from_on date NOT NULL,
    to_on date,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, team_id, user_id, from_on),
    FOREIGN KEY (org_id, team_id) REFERENCES teams (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id),
    CHECK (to_on IS NULL OR to_on >= from_on),
    EXCLUDE USING gist (
        org_id WITH =,
        user_id WITH =,
        daterange(from_on, to_on, '[]') WITH &&
    )
);
CREATE INDEX team_members_user_idx ON team_members (org_id, user_id, from_on);

CREATE TABLE api_clients (
    org_id uuid NOT NULL REFERENCES orgs(id),
    id uuid NOT NULL,
    name text NOT NULL,
    secret_hash bytea NOT NULL,
    scopes text[] NOT NULL,
    active boolean NOT NULL DEFAULT true,
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, created_by) REFERENCES users (org_id, id)
);
CREATE UNIQUE INDEX api_clients_id_key ON api_clients (id);
CREATE UNIQUE INDEX api_clients_name_key ON api_clients (org_id, lower(name)) WHERE active;

-- Refresh tokens are stored hashed; a family is one sign-in and its rotations.
CREATE TABLE refresh_tokens (
    org_id uuid NOT NULL,
    id uuid NOT NULL,
    user_id uuid NOT NULL,
    family_id uuid NOT NULL,
    token_hash bytea NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    revoked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);
CREATE UNIQUE INDEX refresh_tokens_hash_key ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (org_id, family_id);
