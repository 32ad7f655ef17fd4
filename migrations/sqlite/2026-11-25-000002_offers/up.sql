CREATE TABLE offers (
    id TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    publisher_profile_id TEXT NOT NULL REFERENCES publisher_profiles(id),
    offer_alias TEXT NOT NULL,
    name TEXT NOT NULL,
    offer_type TEXT NOT NULL,
    status TEXT NOT NULL,
    origin TEXT NOT NULL,
    source_solution_id TEXT,
    co_sell_status TEXT,
    incentive_eligible BOOLEAN NOT NULL,
    referral_pipeline TEXT,
    copied_fields TEXT,
    has_ever_been_live BOOLEAN NOT NULL,
    live_url TEXT,
    content_revision BIGINT NOT NULL,
    live_content_revision BIGINT,
    setup TEXT,
    properties TEXT,
    listing TEXT,
    plans TEXT,
    resell_csp TEXT,
    co_sell TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL,
    UNIQUE (publisher_profile_id, offer_alias)
);
CREATE INDEX offers_organization_id_id ON offers (organization_id, id);
CREATE INDEX offers_organization_id_status_id ON offers (organization_id, status, id);
CREATE INDEX offers_organization_id_offer_type_id ON offers (organization_id, offer_type, id);
CREATE INDEX offers_publisher_profile_id_id ON offers (publisher_profile_id, id);
CREATE INDEX offers_status_id ON offers (status, id);

CREATE TABLE submissions (
    id TEXT PRIMARY KEY NOT NULL,
    offer_id TEXT NOT NULL REFERENCES offers(id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    sequence BIGINT NOT NULL,
    state TEXT NOT NULL,
    offer_status_before TEXT NOT NULL,
    content_revision BIGINT NOT NULL,
    steps TEXT NOT NULL,
    certification TEXT,
    preview_url TEXT,
    snapshot TEXT NOT NULL,
    notes_for_certification TEXT,
    submitted_by TEXT NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL,
    UNIQUE (offer_id, sequence)
);
CREATE INDEX submissions_offer_id_id ON submissions (offer_id, id);
CREATE INDEX submissions_organization_id_id ON submissions (organization_id, id);
CREATE INDEX submissions_state_id ON submissions (state, id);
