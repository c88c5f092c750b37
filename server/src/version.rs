//! Which Mimamori this is: the version of `Cargo.toml`, and what the build was made from when the
//! build said so (`MIMAMORI_BUILD=$(git describe --tags --always --dirty) cargo build --release`;
//! read at compile time, no build script). `/healthz` and `/metrics` report both, so an operator
//! sees after an upgrade which version answers.

/// The package version (`0.1.0`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What the build was made from (`v0.1.0-42-g1a2b3c4`), when `MIMAMORI_BUILD` was set while
/// compiling.
pub const BUILD: Option<&str> = option_env!("MIMAMORI_BUILD");
