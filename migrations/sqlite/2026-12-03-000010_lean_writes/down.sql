DROP INDEX webhook_deliveries_due;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (endpoint_id, next_attempt_at) WHERE status = 'pending';

CREATE INDEX events_occurred_at ON events (occurred_at);

CREATE TABLE audit_events_by_id (
    id TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT,
    actor_id TEXT,
    actor_role TEXT,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    request_id TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    changes TEXT
);
INSERT INTO audit_events_by_id SELECT id, organization_id, actor_id, actor_role, action, entity_type, entity_id,
    from_state, to_state, request_id, occurred_at, changes FROM audit_events;
DROP TABLE audit_events;
ALTER TABLE audit_events_by_id RENAME TO audit_events;
CREATE INDEX audit_events_organization_id_id ON audit_events (organization_id, id);
CREATE INDEX audit_events_entity ON audit_events (entity_type, entity_id, id);
