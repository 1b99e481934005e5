DROP INDEX refresh_tokens_hash_key;
CREATE UNIQUE INDEX refresh_tokens_hash_key ON refresh_tokens (token_hash);
CREATE UNIQUE INDEX api_clients_id_key ON api_clients (id);
DROP TABLE client_logins;
CREATE UNIQUE INDEX users_email_key_unique ON users (email_key);
DROP INDEX users_email_key_org;
DROP TABLE logins;
