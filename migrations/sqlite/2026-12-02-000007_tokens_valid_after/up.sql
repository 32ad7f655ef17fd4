ALTER TABLE users ADD COLUMN tokens_valid_after BIGINT;
