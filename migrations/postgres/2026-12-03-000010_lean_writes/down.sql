DROP INDEX webhook_deliveries_due;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (endpoint_id, next_attempt_at) WHERE status = 'pending';

CREATE INDEX events_occurred_at ON events (occurred_at);

ALTER TABLE audit_events DROP COLUMN seq;
ALTER TABLE audit_events ADD PRIMARY KEY (id);
