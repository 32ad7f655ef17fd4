//! Integration tests: the real application, in process, against a fresh SQLite file per test and
//! again against PostgreSQL (a fresh schema per test) when `COSELL_TEST_POSTGRES_URL` is set.

mod helpers;

mod accounts;
mod attacks;
mod bench;
mod compare;
mod conventions;
mod events;
mod examples;
mod hardening;
mod identity;
mod integrators;
mod limits;
mod matrix;
mod migrations;
mod offers;
mod openapi;
mod publishers;
mod receiver;
mod sessions;
mod solutions;
mod tickets;
mod tokens;
mod urls;
mod users;
mod webhooks;
