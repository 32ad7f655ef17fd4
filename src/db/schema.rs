// The portable schema: every column type here exists on SQLite and PostgreSQL alike.

diesel::table! {
    organizations (id) {
        id -> Text,
        name -> Text,
        mpn_id -> Text,
        country -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        mpn_verified_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        organization_id -> Nullable<Text>,
        email -> Text,
        display_name -> Text,
        role -> Text,
        status -> Text,
        password_hash -> Nullable<Text>,
        invitation_token_hash -> Nullable<Text>,
        invitation_expires_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_login_at -> Nullable<Timestamp>,
        version -> BigInt,
        tokens_valid_after -> Nullable<BigInt>,
    }
}

diesel::table! {
    publisher_profiles (id) {
        id -> Text,
        organization_id -> Text,
        publisher_id -> Text,
        display_name -> Text,
        mpn_id -> Text,
        contact_name -> Text,
        contact_email -> Text,
        website -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        version -> BigInt,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        organization_id -> Nullable<Text>,
        actor_id -> Nullable<Text>,
        actor_role -> Nullable<Text>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        from_state -> Nullable<Text>,
        to_state -> Nullable<Text>,
        request_id -> Text,
        occurred_at -> Timestamp,
        changes -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (scope, idempotency_key) {
        scope -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        status_code -> Nullable<Integer>,
        response_body -> Nullable<Text>,
        response_headers -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(users -> organizations (organization_id));
diesel::joinable!(publisher_profiles -> organizations (organization_id));

diesel::table! {
    offers (id) {
        id -> Text,
        organization_id -> Text,
        publisher_profile_id -> Text,
        offer_alias -> Text,
        name -> Text,
        offer_type -> Text,
        status -> Text,
        origin -> Text,
        source_solution_id -> Nullable<Text>,
        co_sell_status -> Nullable<Text>,
        incentive_eligible -> Bool,
        referral_pipeline -> Nullable<Text>,
        copied_fields -> Nullable<Text>,
        has_ever_been_live -> Bool,
        live_url -> Nullable<Text>,
        content_revision -> BigInt,
        live_content_revision -> Nullable<BigInt>,
        setup -> Nullable<Text>,
        properties -> Nullable<Text>,
        listing -> Nullable<Text>,
        plans -> Nullable<Text>,
        resell_csp -> Nullable<Text>,
        co_sell -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    submissions (id) {
        id -> Text,
        offer_id -> Text,
        organization_id -> Text,
        sequence -> BigInt,
        state -> Text,
        offer_status_before -> Text,
        content_revision -> BigInt,
        steps -> Text,
        certification -> Nullable<Text>,
        preview_url -> Nullable<Text>,
        snapshot -> Text,
        notes_for_certification -> Nullable<Text>,
        submitted_by -> Text,
        submitted_at -> Timestamp,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::joinable!(offers -> publisher_profiles (publisher_profile_id));
diesel::joinable!(submissions -> offers (offer_id));

diesel::table! {
    solutions (id) {
        id -> Text,
        organization_id -> Text,
        ocp_solution_id -> Text,
        name -> Text,
        summary -> Text,
        mpn_id -> Text,
        solution_type -> Text,
        co_sell_status -> Text,
        incentive_eligible -> Bool,
        referral_pipeline -> Text,
        collateral -> Text,
        migration_status -> Text,
        ticket_id -> Nullable<Text>,
        offer_id -> Nullable<Text>,
        completed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    support_tickets (id) {
        id -> Text,
        organization_id -> Text,
        category -> Text,
        subject -> Text,
        description -> Text,
        related_solution_id -> Nullable<Text>,
        related_offer_id -> Nullable<Text>,
        merge_request -> Nullable<Text>,
        status -> Text,
        assignee_id -> Nullable<Text>,
        first_response_due_at -> Timestamp,
        first_responded_at -> Nullable<Timestamp>,
        resolution -> Nullable<Text>,
        resolution_note -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    ticket_comments (id) {
        id -> Text,
        ticket_id -> Text,
        organization_id -> Text,
        author_id -> Text,
        author_role -> Text,
        body -> Text,
        internal -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::joinable!(ticket_comments -> support_tickets (ticket_id));

diesel::table! {
    event_sequences (organization_id) {
        organization_id -> Text,
        last_sequence -> BigInt,
    }
}

diesel::table! {
    events (id) {
        id -> Text,
        organization_id -> Text,
        sequence -> BigInt,
        event_type -> Text,
        occurred_at -> Timestamp,
        request_id -> Text,
        data -> Text,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> Text,
        organization_id -> Text,
        url -> Text,
        description -> Nullable<Text>,
        enabled_events -> Text,
        status -> Text,
        disabled_reason -> Nullable<Text>,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_expires_at -> Nullable<Timestamp>,
        failing_since -> Nullable<Timestamp>,
        lease_owner -> Nullable<Text>,
        leased_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        organization_id -> Text,
        endpoint_id -> Text,
        event_id -> Text,
        event_type -> Text,
        event_sequence -> BigInt,
        status -> Text,
        attempts -> Text,
        attempt_count -> Integer,
        next_attempt_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_deliveries -> events (event_id));

diesel::table! {
    rate_limits (bucket) {
        bucket -> Text,
        spent -> Integer,
        resets_at -> BigInt,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        token_hash -> Text,
        user_id -> Text,
        family_id -> Text,
        issued_at -> BigInt,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    organizations,
    users,
    publisher_profiles,
    audit_events,
    idempotency_keys,
    offers,
    submissions,
    solutions,
    support_tickets,
    ticket_comments,
    event_sequences,
    events,
    webhook_endpoints,
    webhook_deliveries,
    rate_limits,
    refresh_tokens,
);
