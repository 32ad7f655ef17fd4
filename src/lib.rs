//! cosell: the co-sell publishing workflow API of a cloud marketplace partner portal.

pub mod accounts;
pub mod admin;
pub mod app;
pub mod audit;
pub mod auth;
pub mod config;
pub mod db;
pub mod enums;
pub mod error;
pub mod http;
pub mod lifecycle;
pub mod offers;
pub mod openapi;
pub mod organizations;
pub mod publishers;
pub mod service;
pub mod solutions;
pub mod telemetry;
pub mod tickets;
pub mod users;
pub mod validate;
