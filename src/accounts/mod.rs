//! Enrolment, tokens and invitations: the ways in.

pub mod dto;
pub mod handlers;
pub mod service;
pub mod sessions;
