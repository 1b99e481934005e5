-- Webhook endpoints and their deliveries.
--
-- An endpoint's signing secret is stored sealed (XChaCha20-Poly1305 under the
-- key in ONPACE_SECRETS_KEY): a dump of the database alone cannot sign. During
-- a rotation the previous secret keeps signing beside the new one until
-- `previous_until`.
--
-- A delivery is one event for one endpoint. Its body is the exact JSON that is
-- signed and sent, written with the event in the transaction that made it. A
-- worker claims due deliveries with FOR UPDATE SKIP LOCKED and moves
-- `next_attempt_at` past a lease while it sends: a delivery whose worker died
-- becomes due again when the lease ends.

CREATE TABLE webhooks (
    org_id          uuid        NOT NULL REFERENCES orgs (id),
    id              uuid        NOT NULL,
    url             text        NOT NULL,
    event_types     text[]      NOT NULL,
    description     text,
    enabled         boolean     NOT NULL DEFAULT true,
    secret          bytea       NOT NULL,
    previous_secret bytea,
    previous_until  timestamptz,
    -- Why the service disabled it ('failing'); null when enabled or disabled by hand.
    disabled_reason text,
    -- The first failed attempt since the last delivered one.
    failing_since   timestamptz,
    version         integer     NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id)
);

CREATE TABLE webhook_deliveries (
    org_id          uuid        NOT NULL,
    id              uuid        NOT NULL,
    webhook_id      uuid        NOT NULL,
    event_id        uuid        NOT NULL,
    event_type      text        NOT NULL,
    body            text        NOT NULL,
    -- pending, delivered or failed.
    status          text        NOT NULL DEFAULT 'pending',
    -- Attempts made (or under way).
    attempts        integer     NOT NULL DEFAULT 0,
    -- When it is due (pending), null once delivered or failed.
    next_attempt_at timestamptz DEFAULT now(),
    last_attempt_at timestamptz,
    http_status     integer,
    duration_ms     integer,
    -- The first KB of the last answer, and what went wrong when there was none.
    response        text,
    error           text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, webhook_id) REFERENCES webhooks (org_id, id) ON DELETE CASCADE
);

-- The workers' queue: due deliveries of every organisation.
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at)
    WHERE status = 'pending';
-- The deliveries log of one endpoint, newest first.
CREATE INDEX webhook_deliveries_log_idx ON webhook_deliveries (org_id, webhook_id, id);

-- A UUID v7 made in SQL (PostgreSQL 15 has none): the fan-out of an event to
-- its endpoints makes the delivery ids in the statement that finds them.
CREATE FUNCTION onpace_uuid_v7() RETURNS uuid LANGUAGE sql VOLATILE AS $$
    SELECT encode(
        set_bit(set_bit(
            overlay(uuid_send(gen_random_uuid())
                    PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                    FROM 1 FOR 6),
            52, 1), 53, 1),
        'hex')::uuid
$$;
