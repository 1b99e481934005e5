-- The durable event log: every event a use case publishes, written in the same
-- transaction as the change it announces. The feed reads it in commit order
-- (`txid`, then `seq` within a transaction) and never past the oldest
-- transaction still in flight; webhook deliveries read it the same way.
--
-- `people` are the salespeople the event is about and `teams` the teams it is
-- about (a team target's team, the teams of those people on the event's days):
-- who may see an event is decided from these two columns alone.

-- GIN over (org_id, uuid[]) keeps org_id first in the visibility indexes.
CREATE EXTENSION IF NOT EXISTS btree_gin;

CREATE TABLE events (
    org_id      uuid        NOT NULL REFERENCES orgs (id),
    id          uuid        NOT NULL,
    type        text        NOT NULL,
    occurred_at timestamptz NOT NULL,
    data        jsonb       NOT NULL,
    people      uuid[]      NOT NULL DEFAULT '{}',
    teams       uuid[]      NOT NULL DEFAULT '{}',
    txid        xid8        NOT NULL DEFAULT pg_current_xact_id(),
    seq         bigint      NOT NULL GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (org_id, id)
);

-- The feed: one organisation's events in commit order.
CREATE INDEX events_order_idx ON events (org_id, txid, seq);
-- Who may see what: the people and teams an event is about.
CREATE INDEX events_people_idx ON events USING gin (org_id, people);
CREATE INDEX events_teams_idx ON events USING gin (org_id, teams);
-- The purge of events past their retention.
CREATE INDEX events_occurred_idx ON events (org_id, occurred_at);
