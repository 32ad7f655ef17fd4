ALTER TABLE organizations DROP COLUMN mpn_verified_at;
