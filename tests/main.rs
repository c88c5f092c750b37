//! The one integration-test binary. Every storage and API test runs on SQLite and on PostgreSQL
//! (`both!`), against the real server on port 0.

// Tests may unwrap (a failure is the test failing, at its line) and read their own settings
// (MIMAMORI_TEST_PG) from the environment.
#![allow(clippy::unwrap_used, clippy::disallowed_methods)]

mod support;

mod access;
mod bad_input;
#[path = "../benches/mimamori-bench/pg_url.rs"]
mod bench_pg_url;
mod browser;
mod cli;
mod crash;
mod disaster;
mod notices;
mod ops;
mod review;
mod roster;
mod samod_peer;
mod session;
mod storage;
mod sync;
