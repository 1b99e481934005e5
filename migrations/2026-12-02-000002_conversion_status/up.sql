-- A prospect's conversion and who decided it. A salesperson's own conversion is
-- `pending` (the account stays a prospect, counted nowhere) until their manager or
-- an admin confirms it (`confirmed`: converted_on and won_by are set, and it counts)
-- or refuses it (`rejected`: still a prospect). Conversions by managers, admins and
-- CRM syncs are `confirmed` at once. NULL: never converted.
ALTER TABLE accounts
    ADD COLUMN conversion_status text
        CHECK (conversion_status IN ('pending', 'confirmed', 'rejected')),
    -- The day the salesperson recorded the prospect as won, and who did.
    ADD COLUMN conversion_requested_on date,
    ADD COLUMN conversion_requested_by uuid,
    -- Who confirmed, refused or made the conversion, and when.
    ADD COLUMN conversion_decided_by uuid,
    ADD COLUMN conversion_decided_at timestamptz,
    -- Why it was refused.
    ADD COLUMN conversion_reason text,
    ADD FOREIGN KEY (org_id, conversion_requested_by) REFERENCES users (org_id, id);

UPDATE accounts SET conversion_status = 'confirmed' WHERE converted_on IS NOT NULL;

ALTER TABLE accounts
    -- Only a confirmed conversion counts, and every conversion that counts is confirmed.
    ADD CONSTRAINT accounts_conversion_counts
        CHECK ((conversion_status IS NOT DISTINCT FROM 'confirmed') = (converted_on IS NOT NULL)),
    ADD CONSTRAINT accounts_conversion_open
        CHECK (conversion_status IS NULL OR conversion_status = 'confirmed' OR kind = 'prospect'),
    ADD CONSTRAINT accounts_conversion_recorded
        CHECK (conversion_status IS DISTINCT FROM 'pending'
            OR (conversion_requested_on IS NOT NULL AND conversion_requested_by IS NOT NULL));

-- What awaits confirmation, for the managers who look for it.
CREATE INDEX accounts_pending_conversion_idx ON accounts (org_id, id)
    WHERE conversion_status = 'pending';
