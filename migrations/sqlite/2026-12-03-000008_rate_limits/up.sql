-- Budgets shared by every process: how often a bucket (an address's logins, an e-mail's failed
-- passwords) was spent in its current window, and when that window ends (Unix seconds).
CREATE TABLE rate_limits (
    bucket TEXT PRIMARY KEY NOT NULL,
    spent INTEGER NOT NULL,
    resets_at BIGINT NOT NULL
);
CREATE INDEX rate_limits_resets_at ON rate_limits (resets_at);
