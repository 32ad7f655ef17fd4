DROP TABLE idempotency_keys;
DROP TABLE audit_events;
DROP TABLE publisher_profiles;
DROP TABLE users;
DROP TABLE organizations;
