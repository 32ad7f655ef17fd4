//! Public entry points: enrolment, access tokens and accepting an invitation.

pub mod dto;
pub mod handlers;
