DROP TABLE account_split_shares;
DROP TABLE account_split_rules;
DROP TABLE sale_credits;
ALTER TABLE sales DROP COLUMN splits_given;
