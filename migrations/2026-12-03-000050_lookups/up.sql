-- Sign-in without an installation-wide key on a tenant table.
--
-- Three grants start before the caller's organisation is known: a password
-- sign-in names an email, the client-credentials grant a client id, the refresh
-- grant a refresh token. Until now each found its organisation through a unique
-- index across every organisation on a tenant table (users.email_key,
-- api_clients.id, refresh_tokens.token_hash), which a schema distributed by
-- org_id cannot have. Instead:
--
-- * `logins` and `client_logins` are lookup tables keyed by their own key (the
--   email key, the client id) that name the organisation. Their primary key is
--   the installation-wide uniqueness the tenant tables no longer carry. They are
--   not tenant tables: a distributed schema makes them reference tables (or
--   distributes them by their own key). They have no foreign keys into tenant
--   tables on purpose (a reference table cannot point into a distributed one):
--   the users and clients services write them in the same transaction as the
--   rows they stand for.
-- * A refresh token carries its organisation (`<org>.<secret>`), and its hash is
--   unique within its organisation. Refresh tokens issued before this change do
--   not name one: they are refused as an unknown token is, and the people
--   holding them sign in again.

-- One row per person, active or not (a deactivated person keeps their address
-- reserved, as before): `email_key` is `users.email_key`.
CREATE TABLE logins (
    email_key text PRIMARY KEY,
    org_id uuid NOT NULL,
    user_id uuid NOT NULL
);
INSERT INTO logins (email_key, org_id, user_id) SELECT email_key, org_id, id FROM users;
CREATE UNIQUE INDEX users_email_key_org ON users (org_id, email_key);
DROP INDEX users_email_key_unique;

-- One row per active client (a deactivated client signs in no more).
CREATE TABLE client_logins (
    client_id uuid PRIMARY KEY,
    org_id uuid NOT NULL
);
INSERT INTO client_logins (client_id, org_id) SELECT id, org_id FROM api_clients WHERE active;
-- The primary key (org_id, id) keeps a client's id unique in its organisation;
-- ids are UUIDv7 and `client_logins` refuses one used anywhere else.
DROP INDEX api_clients_id_key;

DROP INDEX refresh_tokens_hash_key;
CREATE UNIQUE INDEX refresh_tokens_hash_key ON refresh_tokens (org_id, token_hash);
