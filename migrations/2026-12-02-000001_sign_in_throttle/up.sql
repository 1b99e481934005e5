-- Sign-in throttle counters, shared by every instance of the service. A row counts
-- failed (or successful) sign-ins for one key: an (account, client address) pair,
-- an account, or a client address. The key is a SHA-256 digest of its kind and
-- value, so the table holds no email or address in clear. A row whose count has
-- lapsed (expires_at passed) means nothing and is deleted as sign-ins go by.
CREATE TABLE sign_in_throttle (
    key bytea PRIMARY KEY,
    count integer NOT NULL,
    window_start timestamptz NOT NULL,
    last_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX sign_in_throttle_expires_idx ON sign_in_throttle (expires_at);

-- One email normalisation, computed by the service (trimmed, lowercased by
-- Unicode's rules, NFC), used for storage, sign-in and uniqueness alike.
-- PostgreSQL's lower() differs for a few characters (U+0130 among them); existing
-- rows get the nearest value here, which is exact for every ASCII address.
ALTER TABLE users ADD COLUMN email_key text;
UPDATE users SET email_key = normalize(lower(btrim(email)), NFC);
ALTER TABLE users ALTER COLUMN email_key SET NOT NULL;
CREATE UNIQUE INDEX users_email_key_unique ON users (email_key);
DROP INDEX users_email_key;
