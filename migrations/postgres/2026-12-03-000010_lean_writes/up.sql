-- Fewer pages written per change.
-- Audit events: an integer key instead of the text id. The id stays a column (the API shows
-- it); nothing looks an audit event up by it, and pages of the log go through the two indexes
-- on (organization_id, id) and (entity_type, entity_id, id).
ALTER TABLE audit_events DROP CONSTRAINT audit_events_pkey;
ALTER TABLE audit_events ADD COLUMN seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY;

-- Events: the purge goes by id (a UUIDv7 starts with its creation time), not by an index of
-- its own on occurred_at.
DROP INDEX events_occurred_at;

-- Due deliveries in the order they are attempted, without a sort.
DROP INDEX webhook_deliveries_due;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (endpoint_id, next_attempt_at, event_sequence)
    WHERE status = 'pending';
