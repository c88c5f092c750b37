//! The one integration-test binary. Every storage and API test runs on SQLite and on PostgreSQL
//! (`both!`), against the real server on port 0.

mod support;

mod access;
mod bad_input;
mod browser;
mod cli;
mod crash;
mod notices;
mod review;
mod samod_peer;
mod session;
mod storage;
mod sync;
