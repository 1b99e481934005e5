-- Reviews: one-to-ones (a salesperson) and team reviews, the items recorded in
-- them (successes, hurdles, strategies, actions, updates), and the snapshot of
-- the results reviewed, frozen when a review is completed.

CREATE TABLE reviews (
    org_id uuid NOT NULL REFERENCES orgs(id),
    id uuid NOT NULL,
    kind text NOT NULL CHECK (kind IN ('one_to_one', 'team')),
    salesperson_id uuid,
    team_id uuid,
    facilitator_id uuid NOT NULL,
    scheduled_for date NOT NULL,
    -- The period under review: its key and its days.
    period text NOT NULL,
    starts_on date NOT NULL,
    ends_on date NOT NULL,
    status text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'completed', 'cancelled')),
    -- The agenda's figures as they stood when the review was completed.
    snapshot jsonb,
    completed_at timestamptz,
    completed_by uuid,
    cancelled_at timestamptz,
    cancelled_by uuid,
    created_by uuid,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, salesperson_id) REFERENCES users (org_id, id),
    FOREIGN KEY (org_id, team_id) REFERENCES teams (org_id, id),
    FOREIGN KEY (org_id, facilitator_id) REFERENCES users (org_id, id),
    FOREIGN KEY (org_id, completed_by) REFERENCES users (org_id, id),
    FOREIGN KEY (org_id, cancelled_by) REFERENCES users (org_id, id),
    FOREIGN KEY (org_id, created_by) REFERENCES users (org_id, id),
    CHECK ((kind = 'one_to_one') = (salesperson_id IS NOT NULL)),
    CHECK ((kind = 'team') = (team_id IS NOT NULL)),
    CHECK (ends_on >= starts_on),
    CHECK ((status = 'completed') = (snapshot IS NOT NULL))
);
CREATE INDEX reviews_salesperson_idx ON reviews (org_id, salesperson_id, scheduled_for);
CREATE INDEX reviews_team_idx ON reviews (org_id, team_id, scheduled_for);
CREATE INDEX reviews_schedule_idx ON reviews (org_id, scheduled_for, id);

CREATE TABLE review_items (
    org_id uuid NOT NULL,
    id uuid NOT NULL,
    review_id uuid NOT NULL,
    type text NOT NULL CHECK (type IN ('success', 'hurdle', 'strategy', 'action', 'update')),
    text text NOT NULL,
    owner_id uuid,
    due_on date,
    size text CHECK (size IN ('small', 'big')),
    -- Hurdles are open or resolved, actions open or done; other items have none.
    status text CHECK (status IN ('open', 'resolved', 'done')),
    target_id uuid,
    account_id uuid,
    closed_at timestamptz,
    closed_by uuid,
    -- The review in which it was closed (a later one, for an item carried over).
    closed_in_review_id uuid,
    created_by uuid,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, review_id) REFERENCES reviews (org_id, id),
    FOREIGN KEY (org_id, owner_id) REFERENCES users (org_id, id),
    FOREIGN KEY (org_id, target_id) REFERENCES targets (org_id, id),
    FOREIGN KEY (org_id, account_id) REFERENCES accounts (org_id, id),
    FOREIGN KEY (org_id, closed_by) REFERENCES users (org_id, id),
    FOREIGN KEY (org_id, closed_in_review_id) REFERENCES reviews (org_id, id),
    FOREIGN KEY (org_id, created_by) REFERENCES users (org_id, id),
    CHECK ((type = 'success') = (size IS NOT NULL)),
    CHECK ((type = 'action') = (due_on IS NOT NULL)),
    CHECK (CASE type
        WHEN 'hurdle' THEN status IN ('open', 'resolved')
        WHEN 'action' THEN status IN ('open', 'done')
        ELSE status IS NULL END),
    CHECK ((type IN ('hurdle', 'action') AND status <> 'open') = (closed_at IS NOT NULL))
);
CREATE INDEX review_items_review_idx ON review_items (org_id, review_id, id);
CREATE INDEX review_items_open_idx ON review_items (org_id, review_id) WHERE status = 'open';
CREATE INDEX review_items_success_idx ON review_items (org_id, owner_id) WHERE type = 'success';
