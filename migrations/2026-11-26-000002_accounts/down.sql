DROP TABLE account_owners;
DROP TABLE accounts;
