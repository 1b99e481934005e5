-- Pace changes: the last status announced for each agreed target, and the
-- organisation day each organisation was last swept for.
--
-- `target.pace_changed` compares a target's status (ahead, on_track, behind,
-- at_risk, achieved) with the one recorded here: after every write that moves
-- its actual, and once per organisation day. A target's row is written when it
-- is agreed (without an event: nothing changed) and dropped when it is
-- cancelled or superseded.

CREATE TABLE target_pace (
    org_id    uuid NOT NULL,
    target_id uuid NOT NULL,
    status    text NOT NULL CHECK (status IN ('achieved', 'ahead', 'on_track', 'behind', 'at_risk')),
    -- The organisation day the status was measured on.
    as_of     date NOT NULL,
    PRIMARY KEY (org_id, target_id),
    FOREIGN KEY (org_id, target_id) REFERENCES targets (org_id, id)
);

-- The daily sweep: an instance claims an organisation's row with
-- FOR UPDATE SKIP LOCKED, measures its targets as of its new day and moves
-- `swept_on` to that day in the same transaction, so that two instances never
-- both sweep the same organisation day.
CREATE TABLE pace_sweeps (
    org_id   uuid NOT NULL PRIMARY KEY REFERENCES orgs (id),
    swept_on date NOT NULL
);
