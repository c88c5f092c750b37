//! `mimamori-bench`: the benchmarks, out of the product (its binary, library and dependencies hold
//! none of this). Each prints figures and asserts nothing; ratios are against a baseline measured in
//! the same run.
//!
//! ```text
//! cargo bench --bench mimamori-bench -- storm [--tablets 200 …]   # the reconnect storm, us and the reference
//! cargo bench --bench mimamori-bench -- push [--subscriptions 10000]
//! cargo bench --bench mimamori-bench -- review [--database-url postgres://…]
//! cargo bench --bench mimamori-bench -- kill [--tablets 20 --kills 500 --database-url postgres://…]
//! cargo bench --bench mimamori-bench -- hold [--slow 2000 --sockets 300]
//! cargo bench --bench mimamori-bench -- idle [--connections 10000 --quiet-secs 60]
//! cargo bench --bench mimamori-bench -- import [--residents 5000 --database-url postgres://…]
//! cargo bench --bench mimamori-bench -- disaster [--tablets 200 --docs 20 --database-url postgres://…]
//! ```
//!
//! `cargo bench` builds the release profile (fat LTO, ~8 min on 2 cores) and runs this against that
//! build's `mimamori` binary, started as a child process as in production.

// A benchmark that cannot set itself up has nothing to report: it stops at the first failure. It
// reads the server process's CPU clock through libc (unsafe) and its own settings from the environment.
#![allow(clippy::unwrap_used, clippy::disallowed_methods, unsafe_code)]

mod disaster;
mod hold;
mod idle;
mod import;
mod kill;
mod pg_url;
mod push;
mod review;
mod storm;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "mimamori-bench",
    about = "見守り benchmarks (figures, no assertions)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// A reconnect storm against this server and the reference Node sync server.
    /// Uses its own temporary database unless --database-url is given.
    Storm(storm::Options),
    /// One notice fanned out to many push subscriptions (a local stand-in push service) while
    /// tablets keep syncing.
    Push(push::Options),
    /// The district lead's review list and the monthly 活動記録 of a big district.
    /// Uses its own temporary SQLite database unless --database-url names an empty one.
    Review(review::Options),
    /// The kill -9 loop: tablets writing while the server is killed again and again; every
    /// acknowledged record must survive.
    Kill(kill::Options),
    /// Another user's latency while one address holds slow request bodies and one session asks
    /// for many sync sockets.
    Hold(hold::Options),
    /// Many tablets connected and quiet: server memory per connection, and its CPU while they
    /// stay.
    Idle(idle::Options),
    /// The city's roster CSV imported through the server: new residents, then next month's file.
    Import(import::Options),
    /// A city-wide declaration pushed to every commissioner and lead, then every tablet sending
    /// 安否 for its residents at once; today's reconnect storm at the same size as the baseline.
    /// Uses its own temporary SQLite database unless --database-url names an empty one.
    Disaster(disaster::Options),
}

fn main() {
    // `cargo bench` passes `--bench` to every bench target; it means nothing here.
    let args = std::env::args().filter(|a| a != "--bench");
    let result = match Cli::parse_from(args).command {
        Command::Storm(opts) => storm::run(opts),
        Command::Push(opts) => push::run(opts),
        Command::Review(opts) => review::run(opts),
        Command::Kill(opts) => kill::run(opts),
        Command::Hold(opts) => hold::run(opts),
        Command::Idle(opts) => idle::run(opts),
        Command::Import(opts) => import::run(opts),
        Command::Disaster(opts) => disaster::run(opts),
    };
    if let Err(e) = result {
        eprintln!("mimamori-bench: {e}");
        std::process::exit(1);
    }
}
