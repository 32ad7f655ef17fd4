use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::publisher_profiles;
use crate::ids::{OrganizationId, PublisherProfileId};
use crate::string_enum;

string_enum! {
    pub enum PublisherStatus {
        Active => "active",
        Suspended => "suspended",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = publisher_profiles)]
pub struct PublisherProfile {
    pub id: PublisherProfileId,
    pub organization_id: OrganizationId,
    pub publisher_id: String,
    pub display_name: String,
    pub mpn_id: String,
    pub contact_name: String,
    pub contact_email: String,
    pub website: String,
    pub status: PublisherStatus,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
    pub version: i64,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = publisher_profiles)]
pub struct PublisherProfileChanges {
    pub display_name: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub website: Option<String>,
    pub deleted_at: Option<Option<NaiveDateTime>>,
}
