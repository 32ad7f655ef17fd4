//! The stable codes of the contract: of a problem (`code`), and of one field problem
//! (`errors[].code`).

use crate::string_enum;

string_enum! {
    /// The `code` member of every problem body: the stable contract (titles and details are for
    /// people).
    pub enum ErrorCode {
        BadRequest => "bad_request",
        UnknownField => "unknown_field",
        InvalidParameter => "invalid_parameter",
        Unauthenticated => "unauthenticated",
        Forbidden => "forbidden",
        NotFound => "not_found",
        MethodNotAllowed => "method_not_allowed",
        InvalidStateTransition => "invalid_state_transition",
        AlreadyExists => "already_exists",
        SectionsIncomplete => "sections_incomplete",
        SubmissionInProgress => "submission_in_progress",
        GoLiveNotAllowed => "go_live_not_allowed",
        MergeTargetNotLive => "merge_target_not_live",
        PublisherInUse => "publisher_in_use",
        PublisherNotActive => "publisher_not_active",
        CspChangeRequiresSupport => "csp_change_requires_support",
        OfferNotDeletable => "offer_not_deletable",
        LastOwner => "last_owner",
        RequestInProgress => "request_in_progress",
        LimitReached => "limit_reached",
        NothingToCompare => "nothing_to_compare",
        PreconditionFailed => "precondition_failed",
        RequestTimeout => "request_timeout",
        PayloadTooLarge => "payload_too_large",
        UnsupportedMediaType => "unsupported_media_type",
        ValidationError => "validation_error",
        ConfirmationRequired => "confirmation_required",
        IdempotencyKeyReused => "idempotency_key_reused",
        WeakPassword => "weak_password",
        RateLimited => "rate_limited",
        Internal => "internal",
        Unavailable => "unavailable",
        /// A version-guarded write found the row changed: `db::write` decides again, and this
        /// never reaches a client.
        #[serde(skip)]
        Stale => "stale",
    }
}

impl ErrorCode {
    /// The HTTP status each code stands for (CONVENTIONS.md's table).
    pub fn status(self) -> u16 {
        use ErrorCode::*;
        match self {
            BadRequest | UnknownField | InvalidParameter => 400,
            Unauthenticated => 401,
            Forbidden => 403,
            NotFound => 404,
            MethodNotAllowed => 405,
            InvalidStateTransition
            | AlreadyExists
            | SectionsIncomplete
            | SubmissionInProgress
            | GoLiveNotAllowed
            | MergeTargetNotLive
            | PublisherInUse
            | PublisherNotActive
            | CspChangeRequiresSupport
            | OfferNotDeletable
            | LastOwner
            | RequestInProgress
            | LimitReached
            | NothingToCompare => 409,
            RequestTimeout => 408,
            PreconditionFailed => 412,
            PayloadTooLarge => 413,
            UnsupportedMediaType => 415,
            ValidationError | ConfirmationRequired | IdempotencyKeyReused | WeakPassword => 422,
            RateLimited => 429,
            Internal => 500,
            Unavailable | Stale => 503,
        }
    }

    /// The code a status answered by the framework itself stands for.
    pub fn for_status(status: u16) -> Self {
        use ErrorCode::*;
        match status {
            401 => Unauthenticated,
            403 => Forbidden,
            404 => NotFound,
            405 => MethodNotAllowed,
            408 => RequestTimeout,
            412 => PreconditionFailed,
            413 => PayloadTooLarge,
            415 => UnsupportedMediaType,
            429 => RateLimited,
            503 => Unavailable,
            s if s >= 500 => Internal,
            _ => BadRequest,
        }
    }
}

string_enum! {
    /// The `code` of one field problem (`errors[].code`).
    pub enum IssueCode {
        Required => "required",
        Length => "length",
        Range => "range",
        Blank => "blank",
        TooLong => "too_long",
        Duplicate => "duplicate",
        Invalid => "invalid",
        InvalidCharacters => "invalid_characters",
        InvalidEmail => "invalid_email",
        InvalidUrl => "invalid_url",
        InvalidCountry => "invalid_country",
        InvalidMpnId => "invalid_mpn_id",
        InvalidPublisherId => "invalid_publisher_id",
        InvalidAlias => "invalid_alias",
        InvalidPassword => "invalid_password",
        WeakPassword => "weak_password",
        InvalidJson => "invalid_json",
        UnknownField => "unknown_field",
        ConfirmationRequired => "confirmation_required",
        ExactlyOne => "exactly_one",
        NotCspEligible => "not_csp_eligible",
        UnknownPublisherProfile => "unknown_publisher_profile",
        UnknownOffer => "unknown_offer",
        UnknownSolution => "unknown_solution",
        UnknownMpnId => "unknown_mpn_id",
        OrganizationNotVerified => "organization_not_verified",
        OrganizationMismatch => "organization_mismatch",
        MpnIdMismatch => "mpn_id_mismatch",
        InvalidListingUrl => "invalid_listing_url",
        UseMergeEndpoint => "use_merge_endpoint",
        InvalidResolution => "invalid_resolution",
        NotSupport => "not_support",
        InvitationPending => "invitation_pending",
        InvalidInvitation => "invalid_invitation",
        InvalidRole => "invalid_role",
        InvalidStatus => "invalid_status",
    }
}

impl IssueCode {
    /// The code of a rule failed in `validator` (its built-in rule names, or the codes our own
    /// rules give). A name this enum does not know is a rule without its code here: `invalid`.
    pub fn of_rule(name: &str) -> Self {
        name.parse().unwrap_or_else(|_| {
            tracing::debug!(rule = name, "a validation rule without a code of its own");
            IssueCode::Invalid
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn every_code_stands_for_the_status_of_the_contract() {
        let by_status = |status: u16| -> Vec<&str> {
            ErrorCode::ALL
                .iter()
                .filter(|c| c.status() == status && **c != ErrorCode::Stale)
                .map(|c| c.as_str())
                .collect()
        };
        assert_eq!(by_status(400), ["bad_request", "unknown_field", "invalid_parameter"]);
        assert_eq!(
            by_status(422),
            [
                "validation_error",
                "confirmation_required",
                "idempotency_key_reused",
                "weak_password"
            ]
        );
        assert_eq!(by_status(404), ["not_found"]);
        assert!(by_status(409).contains(&"nothing_to_compare") && by_status(409).contains(&"last_owner"));
        // What the framework answers by status alone maps back onto a code of that status.
        for status in [401, 403, 404, 405, 412, 413, 415, 429, 500, 503] {
            assert_eq!(ErrorCode::for_status(status).status(), status);
        }
    }

    #[test]
    fn the_framework_statuses_get_documented_codes() {
        assert_eq!(ErrorCode::for_status(413), ErrorCode::PayloadTooLarge);
        assert_eq!(ErrorCode::for_status(405), ErrorCode::MethodNotAllowed);
        assert_eq!(ErrorCode::for_status(502), ErrorCode::Internal);
        assert_eq!(ErrorCode::for_status(414), ErrorCode::BadRequest);
    }

    #[test]
    fn validator_rule_names_map_to_issue_codes() {
        assert_eq!(IssueCode::of_rule("length"), IssueCode::Length);
        assert_eq!(IssueCode::of_rule("invalid_email"), IssueCode::InvalidEmail);
        assert_eq!(IssueCode::of_rule("some_rule_without_a_code"), IssueCode::Invalid);
    }
}
