//! Which Mimamori this is: the version of `Cargo.toml`, and what the build was made from when the
//! build said so (`MIMAMORI_BUILD=$(git describe --tags --always --dirty) cargo build --release`;
//! read at compile time, no build script). `/healthz` and `/metrics` report both, so an operator
//! sees after an upgrade which version answers.

/// The package version (`0.1.0`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What the build was made from (`v0.1.0-42-g1a2b3c4`), when `MIMAMORI_BUILD` was set while
/// compiling.
pub const BUILD: Option<&str> = option_env!("MIMAMORI_BUILD");

/// The oldest tablet app this server accepts without asking it to update (issue 23; D9): a tablet
/// whose app is older is told so (`/api/me` `min_app_version`, the check-in's `update_required`)
/// and updates itself at a safe moment, its records kept; its changes are still accepted (schema
/// versions only add, `sync::schema`). Raise it when the app must have something the server needs.
pub const MIN_APP_VERSION: &str = "0.1.0";

/// Whether app version `v` (`0.1.0`, `0.1.0+v0.1.0-42-g1a2b3c4`: the build after `+` ignored) is
/// older than `than`. A version that does not read as three numbers is older than any.
pub fn older_than(v: &str, than: &str) -> bool {
    fn parts(v: &str) -> Option<[u64; 3]> {
        let core = v.split('+').next()?.trim();
        let mut it = core.split('.').map(|p| p.parse::<u64>().ok());
        let out = [it.next()??, it.next()??, it.next()??];
        it.next().is_none().then_some(out)
    }
    match (parts(v), parts(than)) {
        (Some(a), Some(b)) => a < b,
        (None, _) => true,
        (Some(_), None) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_as_numbers_and_the_build_is_ignored() {
        assert!(older_than("0.1.0", "0.2.0"));
        assert!(older_than("0.9.9", "0.10.0"), "numbers, not text");
        assert!(!older_than("0.2.0+v0.2.0-3-gabc", "0.2.0"));
        assert!(!older_than("1.0.0", "0.2.0"));
        assert!(older_than("", "0.1.0"), "no version: older than any");
        assert!(older_than("0.1", "0.1.0"));
        assert!(older_than("v0.1.0", "0.1.0"));
        assert!(
            !older_than(VERSION, MIN_APP_VERSION),
            "this build's own app is accepted"
        );
    }
}
