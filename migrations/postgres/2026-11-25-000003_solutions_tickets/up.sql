CREATE TABLE solutions (
    id TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    ocp_solution_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    summary TEXT NOT NULL,
    mpn_id TEXT NOT NULL,
    solution_type TEXT NOT NULL,
    co_sell_status TEXT NOT NULL,
    incentive_eligible BOOLEAN NOT NULL,
    referral_pipeline TEXT NOT NULL,
    collateral TEXT NOT NULL,
    migration_status TEXT NOT NULL,
    ticket_id TEXT,
    offer_id TEXT,
    completed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX solutions_organization_id_id ON solutions (organization_id, id);
CREATE INDEX solutions_organization_id_migration_status_id ON solutions (organization_id, migration_status, id);
CREATE INDEX solutions_offer_id ON solutions (offer_id);

CREATE TABLE support_tickets (
    id TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    category TEXT NOT NULL,
    subject TEXT NOT NULL,
    description TEXT NOT NULL,
    related_solution_id TEXT,
    related_offer_id TEXT,
    merge_request TEXT,
    status TEXT NOT NULL,
    assignee_id TEXT,
    first_response_due_at TIMESTAMP NOT NULL,
    first_responded_at TIMESTAMP,
    resolution TEXT,
    resolution_note TEXT,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX support_tickets_organization_id_id ON support_tickets (organization_id, id);
CREATE INDEX support_tickets_status_id ON support_tickets (status, id);
CREATE INDEX support_tickets_assignee_id_id ON support_tickets (assignee_id, id);
CREATE INDEX support_tickets_first_response_due_at ON support_tickets (first_response_due_at);

CREATE TABLE ticket_comments (
    id TEXT PRIMARY KEY NOT NULL,
    ticket_id TEXT NOT NULL REFERENCES support_tickets(id),
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    author_id TEXT NOT NULL,
    author_role TEXT NOT NULL,
    body TEXT NOT NULL,
    internal BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX ticket_comments_ticket_id_id ON ticket_comments (ticket_id, id);
