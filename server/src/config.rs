//! Configuration: every environment variable Mimamori reads, documented here and read nowhere else.
//!
//! Variables may also come from a `.env` file in the working directory (loaded by `main`, never
//! overriding the real environment).
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `DATABASE_URL` | `sqlite://data/mimamori.sqlite3` | `postgres://…` / `postgresql://…` for PostgreSQL; `sqlite://PATH` or a plain path for SQLite |
//! | `MIMAMORI_BIND` | `127.0.0.1:8080` | address the HTTP server listens on |
//! | `MIMAMORI_PUBLIC_ORIGIN` | `http://` + bind address | the origin browsers see (`https://mimamori.city.example.jp`); cookies get `Secure` when it is https, and state-changing requests and WebSocket upgrades must carry it as `Origin` |
//! | `MIMAMORI_WEB_DIR` | `web/dist` if built, else `web/unbuilt` (a page saying so) | the PWA files to serve |
//! | `MIMAMORI_SESSION_TTL_HOURS` | `336` (14 days) | lifetime of a login session |
//! | `MIMAMORI_DB_POOL_SIZE` | `8` | database connections per process, all opened at start and kept |
//! | `MIMAMORI_COMMISSIONER_NEEDS_DEVICE` | `true` | commissioners may log in only on an enrolled (city-loaned) device |
//! | `MIMAMORI_OFFLINE_EXPIRY_DAYS` | `14` | a tablet that has not checked in for this many days erases its local key (city policy); also the hand-over grace: how long after an assignment ends its commissioner's tablet may still deliver records of that resident (`sync::hub::Limits::handover_grace_days`) |
//! | `MIMAMORI_IDLE_LOCK_SECS` | `300` (5 minutes) | the tablet app locks (asks for the PIN) after this long without a touch |
//! | `MIMAMORI_SYNC_EVICT_AFTER_SECS` | `60` | a resident document nobody syncs leaves memory after this long |
//! | `MIMAMORI_SYNC_MAX_LOADED_DOCS` | `20000` | resident documents kept in memory at most (the least recently used leave first) |
//! | `MIMAMORI_SYNC_MAX_SOCKETS_PER_USER` | `16` | open `/sync` sockets one user may hold at once (all sessions together); one more is refused with 429 |
//! | `MIMAMORI_SYNC_MAX_SOCKETS_PER_ADDRESS` | `64` | open `/sync` sockets from one client address at once (through `MIMAMORI_TRUSTED_PROXIES`; raise it if many tablets share one address, e.g. a city office's NAT); one more is refused with 429 |
//! | `MIMAMORI_SYNC_MAX_DOCUMENT_KIB` | `4096` | largest a resident document may grow to in storage; a change past it is refused (the tablet keeps it and says so) |
//! | `MIMAMORI_SYNC_MAX_USER_KIB_PER_DAY` | `65536` | bytes of changes one user's tablets may store in a day; past it, changes are refused until the next day (JST) |
//! | `MIMAMORI_MAX_PENDING_RESIDENTS` | `20` | residents one commissioner's tablets may register before the lead approves them |
//! | `MIMAMORI_PUSH_SERVICES` | the browser vendors' push services (see [`DEFAULT_PUSH_SERVICES`]) | comma-separated origins a push subscription's endpoint may point to; `*.` matches subdomains; https only, except an explicitly listed loopback origin (tests) |
//! | `MIMAMORI_PUSH_CONTACT` | `mailto:mimamori-admin@localhost` | the VAPID `sub` claim: how a push service reaches the operator |
//! | `MIMAMORI_PUSH_CONCURRENCY` | `64` | push messages in flight at once |
//! | `MIMAMORI_PUSH_RETRY_BASE_MS` | `5000` | first retry delay after a failed push (doubling; 5 attempts in all) |
//! | `MIMAMORI_ROUTE_PHONES` | none (110 and 119 are always themselves) | the phone numbers shown with an alert's suggested route, `route=number` pairs separated by commas: `chiiki_hokatsu=0166-00-0000,chiku_shakyo=0166-00-0001` (routes: `chiiki_hokatsu` 地域包括支援センター, `chiku_shakyo` 地区社協; digits, `-`, `(`, `)` only) |
//! | `MIMAMORI_TRUSTED_PROXIES` | none | reverse proxies in front of the server (addresses or CIDR blocks, comma-separated: `10.0.0.5, 192.168.10.0/24`): from these, the client's address is read from `X-Forwarded-For` for the per-address login limit; from anywhere else that header is ignored |
//! | `MIMAMORI_METRICS_ALLOW` | none | addresses or CIDR blocks (`10.20.0.0/16, 127.0.0.1`) that may read `/metrics` without a token; the client address is seen through `MIMAMORI_TRUSTED_PROXIES`, so listing the proxy does not open it to everyone behind it |
//! | `MIMAMORI_METRICS_TOKEN` | none | a secret of at least 16 characters: `Authorization: Bearer TOKEN` reads `/metrics` from anywhere. With neither this nor `MIMAMORI_METRICS_ALLOW`, `/metrics` answers 404 like any unknown path |
//! | `MIMAMORI_LOG_FORMAT` | `text` | `json`: one JSON object per log line for a log collector; a line logged while a request is handled carries its request id (`span.id`, also sent back as `X-Request-Id`) |
//! | `RUST_LOG` | `info` | log filter (`tracing_subscriber` syntax) |

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::db::DatabaseUrl;

/// Everything the server needs to start. Built from the environment by [`Config::from_environment`],
/// or field by field in tests.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: DatabaseUrl,
    pub bind: SocketAddr,
    /// The origin browsers use to reach us, e.g. `http://127.0.0.1:8080`; `None` means "derive from
    /// the address actually bound" (useful with port 0 in tests).
    pub public_origin: Option<String>,
    pub web_dir: PathBuf,
    pub session_ttl_hours: i64,
    pub db_pool_size: u32,
    pub commissioner_needs_device: bool,
    /// Seconds an unsubscribed document stays in memory.
    pub sync_evict_after_secs: u64,
    /// Documents kept in memory at most (the least recently used go first).
    pub sync_max_loaded_docs: usize,
    /// Days without check-in after which a tablet erases its local key.
    pub offline_expiry_days: u32,
    /// Seconds without a touch after which the tablet app locks.
    pub idle_lock_secs: u32,
    /// Origins push endpoints may point to.
    pub push_services: Vec<String>,
    pub push_contact: String,
    pub push_concurrency: usize,
    pub push_retry_base_ms: u64,
    /// Residents a commissioner's tablets may register (found in the field) before the district
    /// lead has approved them: a broken or stolen tablet cannot flood the district's list.
    pub max_pending_residents: u32,
    /// Open `/sync` sockets one user may hold at once (all sessions and tablets together): one
    /// session cannot hold thousands of sockets and the memory behind them.
    pub sync_max_sockets_per_user: usize,
    pub sync_max_sockets_per_address: usize,
    pub sync_max_document_kib: usize,
    pub sync_max_user_kib_per_day: usize,
    /// Route code → the phone number the city gives for it (地域包括支援センター, 地区社協); see
    /// [`Config::route_phone`].
    pub route_phones: std::collections::BTreeMap<String, String>,
    /// Reverse proxies whose `X-Forwarded-For` names the client ([`crate::auth::proxy`]).
    pub trusted_proxies: Vec<crate::auth::proxy::Range>,
    /// Client addresses that may read `/metrics` without the token.
    pub metrics_allow: Vec<crate::auth::proxy::Range>,
    /// The bearer token that reads `/metrics` from anywhere.
    pub metrics_token: Option<Secret>,
}

/// A setting's value that must not be printed (`Debug` shows `***`).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// How log lines are written (`MIMAMORI_LOG_FORMAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One readable line per event (the default).
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// `MIMAMORI_LOG_FORMAT`, read before anything else (the log is set up first, so that the rest of
/// the configuration can be complained about in it).
pub fn log_format() -> Result<LogFormat, ConfigError> {
    match var("MIMAMORI_LOG_FORMAT").as_deref().map(str::trim) {
        None | Some("text") => Ok(LogFormat::Text),
        Some("json") => Ok(LogFormat::Json),
        Some(other) => Err(ConfigError {
            var: "MIMAMORI_LOG_FORMAT",
            reason: format!("{other:?} is not a log format (text or json)"),
        }),
    }
}

/// The shortest `/metrics` token accepted: it guards a page anyone could otherwise reach.
const MIN_METRICS_TOKEN: usize = 16;

/// Routes whose number the city configures (`MIMAMORI_ROUTE_PHONES`); 110 and 119 are their own.
pub const CONFIGURABLE_ROUTES: [&str; 2] = ["chiiki_hokatsu", "chiku_shakyo"];

/// `chiiki_hokatsu=0166-00-0000,chiku_shakyo=0166-00-0001` → route → number; an unknown route or a
/// number with anything but digits, `-`, `(`, `)` is refused (the lead will dial it as shown).
pub fn parse_route_phones(raw: &str) -> Result<std::collections::BTreeMap<String, String>, String> {
    let mut out = std::collections::BTreeMap::new();
    for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (route, phone) = pair
            .split_once('=')
            .ok_or_else(|| format!("{pair:?} is not route=number"))?;
        let (route, phone) = (route.trim(), phone.trim());
        if !CONFIGURABLE_ROUTES.contains(&route) {
            return Err(format!(
                "unknown route {route:?} (one of {})",
                CONFIGURABLE_ROUTES.join(", ")
            ));
        }
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        if !(2..=15).contains(&digits)
            || !phone
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '-' | '(' | ')'))
        {
            return Err(format!(
                "{phone:?} for {route} is not a phone number (digits, -, ( and ) only)"
            ));
        }
        out.insert(route.to_string(), phone.to_string());
    }
    Ok(out)
}

/// Chrome (FCM), Firefox (Mozilla autopush), Safari (Apple) and Edge (WNS).
pub const DEFAULT_PUSH_SERVICES: &str = "https://fcm.googleapis.com,https://updates.push.services.mozilla.com,\
    https://*.push.apple.com,https://*.notify.windows.com";

fn push_services() -> Vec<String> {
    var("MIMAMORI_PUSH_SERVICES")
        .unwrap_or_else(|| DEFAULT_PUSH_SERVICES.into())
        .split(',')
        .map(|s| s.trim().trim_end_matches('/').to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

/// A configuration value that could not be used; names the variable.
#[derive(Debug, thiserror::Error)]
#[error("{var}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub reason: String,
}

/// Every variable the server reads (the README's table lists each), and those only tests and
/// benchmarks read (not reported as unknown).
pub const KNOWN: &[&str] = &[
    "DATABASE_URL",
    "MIMAMORI_ALLOW_HTTP",
    "MIMAMORI_BIND",
    "MIMAMORI_COMMISSIONER_NEEDS_DEVICE",
    "MIMAMORI_DB_POOL_SIZE",
    "MIMAMORI_IDLE_LOCK_SECS",
    "MIMAMORI_LOG_FORMAT",
    "MIMAMORI_MAX_PENDING_RESIDENTS",
    "MIMAMORI_METRICS_ALLOW",
    "MIMAMORI_METRICS_TOKEN",
    "MIMAMORI_OFFLINE_EXPIRY_DAYS",
    "MIMAMORI_PUBLIC_ORIGIN",
    "MIMAMORI_PUSH_CONCURRENCY",
    "MIMAMORI_PUSH_CONTACT",
    "MIMAMORI_PUSH_RETRY_BASE_MS",
    "MIMAMORI_PUSH_SERVICES",
    "MIMAMORI_ROUTE_PHONES",
    "MIMAMORI_SESSION_TTL_HOURS",
    "MIMAMORI_SYNC_EVICT_AFTER_SECS",
    "MIMAMORI_SYNC_MAX_LOADED_DOCS",
    "MIMAMORI_SYNC_MAX_DOCUMENT_KIB",
    "MIMAMORI_SYNC_MAX_SOCKETS_PER_ADDRESS",
    "MIMAMORI_SYNC_MAX_SOCKETS_PER_USER",
    "MIMAMORI_SYNC_MAX_USER_KIB_PER_DAY",
    "MIMAMORI_TRUSTED_PROXIES",
    "MIMAMORI_WEB_DIR",
];
const FOR_TESTS: &[&str] = &[
    "MIMAMORI_TEST_PG",
    "MIMAMORI_BENCH_WINDOW",
    "MIMAMORI_E2E_ARTIFACTS",
    // Read by the build, not the server ([`crate::version::BUILD`]): left set in a shell after a build.
    "MIMAMORI_BUILD",
];

/// Settings whose value `mimamori config` never prints.
const SECRETS: &[&str] = &["MIMAMORI_METRICS_TOKEN"];

/// `http://` to a host other than this machine.
fn insecure_remote(origin: &str) -> bool {
    let Some(rest) = origin.strip_prefix("http://") else {
        return false;
    };
    let host = rest.rsplit_once(':').map_or(rest, |(h, _)| h);
    !matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

/// Edit distance, for "did you mean".
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// `MIMAMORI_*` variables set in the environment that no part of Mimamori reads — a misspelling
/// is otherwise silently a default — each with the known name it is closest to, if close.
#[allow(clippy::disallowed_methods)]
pub fn unknown_variables() -> Vec<(String, Option<&'static str>)> {
    let mut out: Vec<(String, Option<&'static str>)> = std::env::vars_os()
        .filter_map(|(k, _)| k.into_string().ok())
        .filter(|k| {
            k.starts_with("MIMAMORI_")
                && !KNOWN.contains(&k.as_str())
                && !FOR_TESTS.contains(&k.as_str())
        })
        .map(|k| {
            let near = KNOWN
                .iter()
                .map(|known| (distance(&k, known), *known))
                .min()
                .filter(|(d, _)| *d <= 3)
                .map(|(_, known)| known);
            (k, near)
        })
        .collect();
    out.sort();
    out
}

/// `mimamori config`: each setting, as set here or its default, passwords hidden.
pub fn describe() -> Vec<String> {
    KNOWN
        .iter()
        .map(|name| match var(name) {
            Some(_) if SECRETS.contains(name) => format!("{name}=*** (set)"),
            Some(v) => format!("{name}={}", hide_password(&v)),
            None => format!("{name} (not set: the default)"),
        })
        .collect()
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
fn hide_password(v: &str) -> String {
    match (v.find("://"), v.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &v[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &v[..s + 3], &v[at..]),
                None => v.to_string(),
            }
        }
        _ => v.to_string(),
    }
}

/// One line per unknown variable, for the log at start and `mimamori config`.
pub fn unknown_variable_lines() -> Vec<String> {
    unknown_variables()
        .into_iter()
        .map(|(k, near)| match near {
            Some(n) => format!("{k} is not a Mimamori setting and is ignored (did you mean {n}?)"),
            None => format!("{k} is not a Mimamori setting and is ignored"),
        })
        .collect()
}

/// The one place the environment is read (clippy's `disallowed_methods` keeps it so).
#[allow(clippy::disallowed_methods)]
fn var(name: &'static str) -> Option<String> {
    // A setting read here is listed in KNOWN (and so checked against the README's table by a test).
    debug_assert!(
        KNOWN.contains(&name),
        "{name} is read but not listed in config::KNOWN"
    );
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parse<T: std::str::FromStr>(name: &'static str, default: T) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    match var(name) {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|e: T::Err| ConfigError {
            var: name,
            reason: format!("cannot parse {v:?}: {e}"),
        }),
    }
}

impl Config {
    /// Reads the variables listed in the module documentation.
    pub fn from_environment() -> Result<Self, ConfigError> {
        let database_url = DatabaseUrl::parse(
            &var("DATABASE_URL").unwrap_or_else(|| "sqlite://data/mimamori.sqlite3".into()),
        )
        .map_err(|reason| ConfigError {
            var: "DATABASE_URL",
            reason,
        })?;
        let bind: SocketAddr = parse("MIMAMORI_BIND", SocketAddr::from(([127, 0, 0, 1], 8080)))?;
        let public_origin = match var("MIMAMORI_PUBLIC_ORIGIN") {
            None => None,
            Some(o) => Some(normalize_origin(&o).ok_or(ConfigError {
                var: "MIMAMORI_PUBLIC_ORIGIN",
                reason: format!("{o:?} is not an origin like https://host[:port]"),
            })?),
        };
        // Sessions and key shares over plain HTTP to anything but this machine: refused unless the
        // operator says so on purpose (a test network, TLS ended at a proxy on the same host).
        if let Some(o) = &public_origin
            && insecure_remote(o)
            && !parse("MIMAMORI_ALLOW_HTTP", false)?
        {
            return Err(ConfigError {
                var: "MIMAMORI_PUBLIC_ORIGIN",
                reason: format!(
                    "{o} is not https: tablets would send passwords and key shares in clear text. \
                     Use https://…, or set MIMAMORI_ALLOW_HTTP=true to allow it on purpose"
                ),
            });
        }
        let web_dir = match var("MIMAMORI_WEB_DIR") {
            Some(d) => PathBuf::from(d),
            None => default_web_dir(),
        };
        let session_ttl_hours = parse("MIMAMORI_SESSION_TTL_HOURS", 336_i64)?;
        if session_ttl_hours <= 0 {
            return Err(ConfigError {
                var: "MIMAMORI_SESSION_TTL_HOURS",
                reason: "must be positive".into(),
            });
        }
        let db_pool_size = parse("MIMAMORI_DB_POOL_SIZE", 8_u32)?.max(1);
        let commissioner_needs_device = parse("MIMAMORI_COMMISSIONER_NEEDS_DEVICE", true)?;
        let sync_evict_after_secs = parse("MIMAMORI_SYNC_EVICT_AFTER_SECS", 60_u64)?.max(1);
        let offline_expiry_days = parse("MIMAMORI_OFFLINE_EXPIRY_DAYS", 14_u32)?.max(1);
        Ok(Config {
            database_url,
            bind,
            public_origin,
            web_dir,
            session_ttl_hours,
            db_pool_size,
            commissioner_needs_device,
            sync_evict_after_secs,
            sync_max_loaded_docs: parse("MIMAMORI_SYNC_MAX_LOADED_DOCS", 20_000_usize)?.max(1),
            offline_expiry_days,
            idle_lock_secs: parse("MIMAMORI_IDLE_LOCK_SECS", 300_u32)?.max(5),
            push_services: push_services(),
            push_contact: var("MIMAMORI_PUSH_CONTACT")
                .unwrap_or_else(|| "mailto:mimamori-admin@localhost".into()),
            push_concurrency: parse("MIMAMORI_PUSH_CONCURRENCY", 64_usize)?.max(1),
            push_retry_base_ms: parse("MIMAMORI_PUSH_RETRY_BASE_MS", 5000_u64)?.max(1),
            max_pending_residents: parse("MIMAMORI_MAX_PENDING_RESIDENTS", 20_u32)?,
            sync_max_sockets_per_user: parse("MIMAMORI_SYNC_MAX_SOCKETS_PER_USER", 16_usize)?
                .max(1),
            sync_max_sockets_per_address: parse("MIMAMORI_SYNC_MAX_SOCKETS_PER_ADDRESS", 64_usize)?
                .max(1),
            sync_max_document_kib: parse("MIMAMORI_SYNC_MAX_DOCUMENT_KIB", 4096_usize)?.max(64),
            sync_max_user_kib_per_day: parse("MIMAMORI_SYNC_MAX_USER_KIB_PER_DAY", 65_536_usize)?
                .max(64),
            route_phones: parse_route_phones(&var("MIMAMORI_ROUTE_PHONES").unwrap_or_default())
                .map_err(|reason| ConfigError {
                    var: "MIMAMORI_ROUTE_PHONES",
                    reason,
                })?,
            trusted_proxies: crate::auth::proxy::parse_list(
                &var("MIMAMORI_TRUSTED_PROXIES").unwrap_or_default(),
            )
            .map_err(|reason| ConfigError {
                var: "MIMAMORI_TRUSTED_PROXIES",
                reason,
            })?,
            metrics_allow: crate::auth::proxy::parse_list(
                &var("MIMAMORI_METRICS_ALLOW").unwrap_or_default(),
            )
            .map_err(|reason| ConfigError {
                var: "MIMAMORI_METRICS_ALLOW",
                reason,
            })?,
            metrics_token: match var("MIMAMORI_METRICS_TOKEN") {
                Some(t) if t.trim().chars().count() < MIN_METRICS_TOKEN => {
                    return Err(ConfigError {
                        var: "MIMAMORI_METRICS_TOKEN",
                        reason: format!("shorter than {MIN_METRICS_TOKEN} characters"),
                    });
                }
                t => t.map(|t| Secret(t.trim().to_string())),
            },
        })
    }

    /// A configuration for tests and tools: the given database, port 0, defaults elsewhere.
    pub fn for_database(database_url: DatabaseUrl) -> Self {
        Config {
            database_url,
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            public_origin: None,
            web_dir: default_web_dir(),
            session_ttl_hours: 336,
            db_pool_size: 4,
            commissioner_needs_device: true,
            sync_evict_after_secs: 60,
            sync_max_loaded_docs: 20_000,
            offline_expiry_days: 14,
            idle_lock_secs: 300,
            push_services: push_services(),
            push_contact: "mailto:mimamori-admin@localhost".into(),
            push_concurrency: 64,
            push_retry_base_ms: 5000,
            max_pending_residents: 20,
            sync_max_sockets_per_user: 16,
            sync_max_sockets_per_address: 64,
            sync_max_document_kib: 4096,
            sync_max_user_kib_per_day: 65_536,
            route_phones: Default::default(),
            trusted_proxies: Vec::new(),
            metrics_allow: Vec::new(),
            metrics_token: None,
        }
    }

    /// The number to call for a suggested route: 110 and 119 are themselves, the others what the
    /// city configured (`None` when it did not).
    pub fn route_phone(&self, route: &str) -> Option<String> {
        match route {
            "110" | "119" => Some(route.to_string()),
            other => self.route_phones.get(other).cloned(),
        }
    }
}

/// `web/dist` (the built PWA) when present, else a page saying it is not built (`web/unbuilt`).
fn default_web_dir() -> PathBuf {
    let dist = PathBuf::from("web/dist");
    if dist.join("index.html").exists() {
        dist
    } else {
        PathBuf::from("web/unbuilt")
    }
}

/// `https://Example.jp/` → `https://example.jp`; `None` when it is not an http(s) origin.
pub fn normalize_origin(raw: &str) -> Option<String> {
    let raw = raw.trim().trim_end_matches('/');
    let (scheme, rest) = raw.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    if rest.is_empty() || rest.contains('/') || rest.contains('@') || rest.contains('?') {
        return None;
    }
    Some(format!("{scheme}://{}", rest.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_phones_are_known_routes_with_dialable_numbers() {
        let p = parse_route_phones(" chiiki_hokatsu=0166-23-4567 , chiku_shakyo=(0166)61-0000,")
            .unwrap();
        assert_eq!(p["chiiki_hokatsu"], "0166-23-4567");
        assert_eq!(p["chiku_shakyo"], "(0166)61-0000");
        assert!(parse_route_phones("").unwrap().is_empty());
        for bad in [
            "houkatsu=0166-23-4567",
            "110=0166",
            "chiiki_hokatsu",
            "chiiki_hokatsu=call me",
            "chiiki_hokatsu=1",
        ] {
            assert!(parse_route_phones(bad).is_err(), "{bad}");
        }
        let mut c = Config::for_database(DatabaseUrl::Sqlite("x".into()));
        c.route_phones = p;
        assert_eq!(c.route_phone("119").as_deref(), Some("119"));
        assert_eq!(
            c.route_phone("chiku_shakyo").as_deref(),
            Some("(0166)61-0000")
        );
        c.route_phones.clear();
        assert_eq!(c.route_phone("chiiki_hokatsu"), None);
    }
}
