-- Reviews are meetings: `scheduled_for` becomes an instant. A review that was
-- scheduled for a day is held from the start of that day in its
-- organisation's timezone. (A column's USING expression may not read another
-- table, so the instant is worked out in an UPDATE joined with orgs.)

ALTER TABLE reviews ADD COLUMN scheduled_at timestamptz;

UPDATE reviews r
   SET scheduled_at = r.scheduled_for::timestamp AT TIME ZONE o.timezone
  FROM orgs o
 WHERE o.id = r.org_id;

ALTER TABLE reviews ALTER COLUMN scheduled_at SET NOT NULL;
-- Dropping the day drops the three indexes on it; they are made again below.
ALTER TABLE reviews DROP COLUMN scheduled_for;
ALTER TABLE reviews RENAME COLUMN scheduled_at TO scheduled_for;

CREATE INDEX reviews_salesperson_idx ON reviews (org_id, salesperson_id, scheduled_for);
CREATE INDEX reviews_team_idx ON reviews (org_id, team_id, scheduled_for);
CREATE INDEX reviews_schedule_idx ON reviews (org_id, scheduled_for, id);
