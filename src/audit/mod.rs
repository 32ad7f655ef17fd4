//! The audit log: append-only events written in the same transaction as the change they record.

pub mod dto;
pub mod handlers;
pub mod repo;

use crate::auth::Caller;
use crate::auth::roles::Role;

/// Who made a change.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: String,
    pub role: Role,
}

impl From<&Caller> for Actor {
    fn from(caller: &Caller) -> Self {
        Self {
            id: caller.id.to_string(),
            role: caller.role,
        }
    }
}

/// One change to record.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    pub organization_id: Option<&'a str>,
    pub action: &'static str,
    pub entity_type: &'static str,
    pub entity_id: &'a str,
    pub from_state: Option<&'a str>,
    pub to_state: Option<&'a str>,
}

impl<'a> Event<'a> {
    pub fn new(
        action: &'static str,
        entity_type: &'static str,
        entity_id: &'a str,
        organization_id: Option<&'a str>,
    ) -> Self {
        Self {
            organization_id,
            action,
            entity_type,
            entity_id,
            from_state: None,
            to_state: None,
        }
    }

    pub fn transition(mut self, from: Option<&'a str>, to: Option<&'a str>) -> Self {
        self.from_state = from;
        self.to_state = to;
        self
    }
}

pub use repo::record;
