-- The ledger reads page through sales and activities in (occurred_on, id) order,
-- the whole organisation's or one salesperson's: keyset pages read an index
-- range instead of sorting the organisation's rows for every page.
CREATE INDEX sales_day_idx ON sales (org_id, occurred_on, id);
CREATE INDEX sales_salesperson_day_idx ON sales (org_id, salesperson_id, occurred_on, id);
CREATE INDEX activities_day_idx ON activities (org_id, occurred_on, id);
CREATE INDEX activities_salesperson_day_idx ON activities (org_id, salesperson_id, occurred_on, id);
