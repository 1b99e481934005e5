-- Back to days: each review's day is the organisation's local day of its instant.

ALTER TABLE reviews ADD COLUMN scheduled_on date;

UPDATE reviews r
   SET scheduled_on = (r.scheduled_for AT TIME ZONE o.timezone)::date
  FROM orgs o
 WHERE o.id = r.org_id;

ALTER TABLE reviews ALTER COLUMN scheduled_on SET NOT NULL;
ALTER TABLE reviews DROP COLUMN scheduled_for;
ALTER TABLE reviews RENAME COLUMN scheduled_on TO scheduled_for;

CREATE INDEX reviews_salesperson_idx ON reviews (org_id, salesperson_id, scheduled_for);
CREATE INDEX reviews_team_idx ON reviews (org_id, team_id, scheduled_for);
CREATE INDEX reviews_schedule_idx ON reviews (org_id, scheduled_for, id);
