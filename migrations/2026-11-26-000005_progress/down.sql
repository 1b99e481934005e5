DROP TABLE milestones;
ALTER TABLE orgs
    DROP CONSTRAINT orgs_pace_order,
    DROP COLUMN pace_ahead_pct,
    DROP COLUMN pace_on_track_pct,
    DROP COLUMN pace_behind_pct;
