//! Mimamori (見守り): an offline-first field record for Japan's 民生委員児童委員 (volunteer welfare
//! commissioners). One server binary serving a JSON API, the automerge-repo sync endpoint and the
//! PWA.
//!
//! # Module map
//! | module | owns | must not |
//! |---|---|---|
//! | [`config`] | every environment variable, documented | — (nothing else reads the environment) |
//! | [`error`] | [`error::AppError`] and its HTTP mapping; which error to use where | put resident data in a message |
//! | [`app`] | assembling the server: state, middleware (security headers, Origin), static files | contain business rules |
//! | [`api`] | HTTP: the route table (`api::routes`), handlers, OpenAPI, the `/sync` WebSocket glue | touch diesel |
//! | [`access`] | the one rule for who sees which resident (REST and sync) | — |
//! | [`sync`] | the automerge-repo protocol and resident documents, in rooms: connection → hub (documents in memory, subscribers) → committer (group commit) → projection (rows, alerts); loader | use actix or diesel types |
//! | [`auth`] | passwords, session/device tokens and cookies, the `Caller` extractor, login throttling | decide per-resident access |
//! | [`admin`] | administration operations shared by the API and the CLI, with audit entries | parse HTTP |
//! | [`domain`] | the field's vocabulary: roles, validated values, dates | know about actix or diesel |
//! | [`db`] | the only diesel user: `MultiConnection` over SQLite/PostgreSQL, migrations, queries | make policy decisions |
//! | [`push`] | Web Push: the VAPID key pair, the endpoint allow-list, the send queue worker | put resident data in a payload |
//! | [`metrics`] | `/metrics`: counters and the Prometheus text format | label anything by resident, user or document |
//! | [`version`] | the running version, from the build | — |
//! | [`backup`] | `mimamori backup/restore/verify`: consistent online backups with a checksum, restore into an empty database only | overwrite data |
//! | [`demo`] | the demo city | run against a non-empty, non-demo database |
//!
//! A newcomer finds any behaviour in two hops: `api::routes` → handler → `admin`/`db` function.

pub mod access;
pub mod admin;
pub mod api;
pub mod app;
pub mod auth;
pub mod backup;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod metrics;
pub mod push;
pub mod sync;
pub mod version;
