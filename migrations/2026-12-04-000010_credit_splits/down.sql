DROP VIEW sale_credits;
DROP TABLE account_split_shares;
DROP TABLE account_split_rules;
DROP TABLE sale_shares;
ALTER TABLE sales DROP COLUMN split, DROP COLUMN splits_given;
