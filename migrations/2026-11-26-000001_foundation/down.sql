DROP TABLE refresh_tokens;
DROP TABLE api_clients;
DROP TABLE team_members;
DROP TABLE teams;
DROP TABLE users;
DROP TABLE orgs;
