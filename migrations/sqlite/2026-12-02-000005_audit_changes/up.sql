ALTER TABLE audit_events ADD COLUMN changes TEXT;
