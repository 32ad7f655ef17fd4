//! Reading the audit log: owners, managers and staff.

use super::model::AuditEvent;
use super::repo::{self, Filter};
use crate::auth::Caller;
use crate::auth::roles::Capability;
use crate::db::DbConn;
use crate::error::ApiError;
use crate::page::PageRequest;

pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    filter: &Filter,
    page: &PageRequest,
) -> Result<Vec<AuditEvent>, ApiError> {
    caller.require(Capability::ReadAuditLog)?;
    repo::list(conn, caller.organization_scope().as_ref(), filter, page)
}
