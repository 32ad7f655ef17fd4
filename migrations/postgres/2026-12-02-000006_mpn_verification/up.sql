ALTER TABLE organizations ADD COLUMN mpn_verified_at TIMESTAMP;
