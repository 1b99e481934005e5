CREATE UNIQUE INDEX users_email_key ON users (lower(email));
DROP INDEX users_email_key_unique;
ALTER TABLE users DROP COLUMN email_key;
DROP TABLE sign_in_throttle;
