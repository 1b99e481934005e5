-- Progress: the organisation's pace thresholds, and the milestones the service
-- records itself (a target reaching 100%, a prospect won) for the successes feed.

ALTER TABLE orgs
    ADD COLUMN pace_ahead_pct numeric(6, 2) NOT NULL DEFAULT 110,
    ADD COLUMN pace_on_track_pct numeric(6, 2) NOT NULL DEFAULT 95,
    ADD COLUMN pace_behind_pct numeric(6, 2) NOT NULL DEFAULT 80,
    ADD CONSTRAINT orgs_pace_order CHECK (
        0 < pace_behind_pct AND pace_behind_pct < pace_on_track_pct
        AND pace_on_track_pct < pace_ahead_pct);

CREATE TABLE milestones (
    org_id uuid NOT NULL REFERENCES orgs(id),
    id uuid NOT NULL,
    kind text NOT NULL CHECK (kind IN ('target_achieved', 'prospect_won')),
    target_id uuid,
    account_id uuid,
    -- Whose success: the salesperson of a user target or the winner of a
    -- prospect; the team of a team target; neither for an organisation target.
    user_id uuid,
    team_id uuid,
    -- The day it happened, in the organisation's time zone.
    occurred_on date NOT NULL,
    title text NOT NULL,
    -- For targets: the value and what had been achieved when it was noticed.
    value numeric(18, 2),
    actual numeric,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, target_id) REFERENCES targets (org_id, id),
    FOREIGN KEY (org_id, account_id) REFERENCES accounts (org_id, id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id),
    FOREIGN KEY (org_id, team_id) REFERENCES teams (org_id, id),
    CHECK ((kind = 'target_achieved') = (target_id IS NOT NULL)),
    CHECK (kind <> 'prospect_won' OR account_id IS NOT NULL)
);
-- Each target reaches 100% once, and each prospect is won once.
CREATE UNIQUE INDEX milestones_target_key ON milestones (org_id, target_id)
    WHERE kind = 'target_achieved';
CREATE UNIQUE INDEX milestones_won_key ON milestones (org_id, account_id)
    WHERE kind = 'prospect_won';
CREATE INDEX milestones_recent_idx ON milestones (org_id, occurred_on DESC, recorded_at DESC);
