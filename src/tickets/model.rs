use chrono::{Datelike, Duration, NaiveDateTime, Weekday};
use diesel::prelude::*;

use crate::auth::roles::Role;
use crate::db::schema::{support_tickets, ticket_comments};
use crate::ids::{CommentId, OfferId, OrganizationId, SolutionId, TicketId, UserId};
use crate::string_enum;

string_enum! {
    pub enum TicketCategory {
        MergeRequest => "merge_request",
        MigrationHelp => "migration_help",
        Publishing => "publishing",
        CspChange => "csp_change",
        General => "general",
    }
}

string_enum! {
    pub enum TicketStatus {
        Open => "open",
        InProgress => "in_progress",
        AwaitingPartner => "awaiting_partner",
        Resolved => "resolved",
        Closed => "closed",
        Canceled => "canceled",
    }
}

string_enum! {
    pub enum Resolution {
        Merged => "merged",
        Rejected => "rejected",
        Answered => "answered",
        Duplicate => "duplicate",
    }
}

/// Business days a first response is due in.
pub const FIRST_RESPONSE_BUSINESS_DAYS: u32 = 2;

/// `from` plus `days` business days (Monday–Friday, UTC), at the same time of day: each day
/// added that falls on a weekend does not count. A ticket opened on Friday is due on Tuesday;
/// one opened on Saturday or Sunday is also due on Tuesday.
pub fn add_business_days(from: NaiveDateTime, days: u32) -> NaiveDateTime {
    let mut at = from;
    let mut added = 0;
    while added < days {
        at += Duration::days(1);
        if !matches!(at.weekday(), Weekday::Sat | Weekday::Sun) {
            added += 1;
        }
    }
    at
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = support_tickets)]
pub struct Ticket {
    pub id: TicketId,
    pub organization_id: OrganizationId,
    pub category: TicketCategory,
    pub subject: String,
    pub description: String,
    pub related_solution_id: Option<SolutionId>,
    pub related_offer_id: Option<OfferId>,
    /// JSON `MergeRequest`: the merge a `merge_request` asks for.
    pub merge_request: Option<String>,
    pub status: TicketStatus,
    pub assignee_id: Option<UserId>,
    pub first_response_due_at: NaiveDateTime,
    pub first_responded_at: Option<NaiveDateTime>,
    pub resolution: Option<Resolution>,
    pub resolution_note: Option<String>,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = support_tickets)]
pub struct TicketChanges {
    pub status: Option<TicketStatus>,
    pub assignee_id: Option<Option<UserId>>,
    pub first_responded_at: Option<Option<NaiveDateTime>>,
    pub resolution: Option<Option<Resolution>>,
    pub resolution_note: Option<Option<String>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = ticket_comments)]
pub struct Comment {
    pub id: CommentId,
    pub ticket_id: TicketId,
    pub organization_id: OrganizationId,
    pub author_id: UserId,
    pub author_role: Role,
    pub body: String,
    pub internal: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(date: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(&format!("{date} 10:30:00"), "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn two_business_days_skip_the_weekend() {
        // 2026-11-23 is a Monday.
        let cases = [
            ("2026-11-23", "2026-11-25"), // Monday → Wednesday
            ("2026-11-25", "2026-11-27"), // Wednesday → Friday
            ("2026-11-26", "2026-11-30"), // Thursday → Monday
            ("2026-11-27", "2026-12-01"), // Friday → Tuesday
            ("2026-11-28", "2026-12-01"), // Saturday → Tuesday
            ("2026-11-29", "2026-12-01"), // Sunday → Tuesday
        ];
        for (opened, due) in cases {
            assert_eq!(
                add_business_days(at(opened), FIRST_RESPONSE_BUSINESS_DAYS),
                at(due),
                "opened {opened}"
            );
        }
    }

    #[test]
    fn the_time_of_day_is_kept_across_a_year_end() {
        assert_eq!(add_business_days(at("2027-12-31"), 2), at("2028-01-04")); // Friday → Tuesday
    }
}
