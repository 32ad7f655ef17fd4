-- The event feed: every change of an organization, numbered in commit order.
CREATE TABLE event_sequences (
    organization_id TEXT PRIMARY KEY NOT NULL REFERENCES organizations(id),
    last_sequence BIGINT NOT NULL
);
INSERT INTO event_sequences (organization_id, last_sequence) SELECT id, 0 FROM organizations;

CREATE TABLE events (
    id TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    sequence BIGINT NOT NULL,
    event_type TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    request_id TEXT NOT NULL,
    data TEXT NOT NULL,
    UNIQUE (organization_id, sequence)
);
CREATE INDEX events_occurred_at ON events (occurred_at);

CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    url TEXT NOT NULL,
    description TEXT,
    enabled_events TEXT NOT NULL,
    status TEXT NOT NULL,
    disabled_reason TEXT,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_expires_at TIMESTAMP,
    failing_since TIMESTAMP,
    lease_owner TEXT,
    leased_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_organization_id_id ON webhook_endpoints (organization_id, id);

CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    event_type TEXT NOT NULL,
    event_sequence BIGINT NOT NULL,
    status TEXT NOT NULL,
    attempts TEXT NOT NULL,
    attempt_count INTEGER NOT NULL,
    next_attempt_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (endpoint_id, next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_organization_id_id ON webhook_deliveries (organization_id, id);
CREATE INDEX webhook_deliveries_endpoint_id_id ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_event_id ON webhook_deliveries (event_id);
