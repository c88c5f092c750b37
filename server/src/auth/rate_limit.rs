//! Login throttling, counted in the database so it holds across restarts and server processes.
//!
//! - Per account: at most [`ACCOUNT_LIMIT`] failures in [`WINDOW_MS`]. Failures are counted per
//!   *bucket*: an enrolled device has its own bucket; so has a **known browser** — one where this
//!   account logged in before, which holds a cookie the server signed for that account
//!   ([`BROWSER_COOKIE`], OWASP's "device cookie"); every other browser shares one bucket. An
//!   attacker who burns the shared bucket locks out only unknown browsers: the lead at the office
//!   PC and the commissioner on their tablet keep logging in, and every lock ends when the window
//!   slides past the failures.
//! - Per client address: at most [`ADDRESS_LIMIT`] failures in the window, whatever the account —
//!   for unknown browsers only, so that behind a proxy (every client one address) a password
//!   sprayer cannot lock out the owners either.

use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::db::{DbConn, accounts, directory};
use crate::error::AppError;

/// The known-browser cookie: `NONCE.MAC`, the MAC over the user id and the nonce.
pub const BROWSER_COOKIE: &str = "mimamori_browser";
/// The setting that holds the key signing known-browser cookies (made at the first login).
const BROWSER_KEY: &str = "auth.browser_key";

/// The MAC of a known-browser cookie: over the user id and the nonce.
fn mac(key: &[u8], user_id: &str, nonce: &str) -> Hmac<Sha256> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(user_id.as_bytes());
    m.update(b".");
    m.update(nonce.as_bytes());
    m
}

fn browser_key(conn: &mut DbConn) -> Result<Option<Vec<u8>>, AppError> {
    Ok(directory::get_setting(conn, BROWSER_KEY)?
        .and_then(|k| base64::engine::general_purpose::STANDARD.decode(k).ok()))
}

/// The bucket of a known browser of `user_id`, if `cookie` is one the server signed for them.
pub fn known_browser(
    conn: &mut DbConn,
    user_id: &str,
    cookie: Option<&str>,
) -> Result<Option<String>, AppError> {
    let (Some(cookie), Some(key)) = (cookie, browser_key(conn)?) else {
        return Ok(None);
    };
    let Some((nonce, given)) = cookie.split_once('.') else {
        return Ok(None);
    };
    let Ok(given) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(given) else {
        return Ok(None);
    };
    // Compared in constant time by the hmac crate (the MAC is the secret part).
    let same = mac(&key, user_id, nonce).verify_slice(&given).is_ok();
    Ok(same.then(|| format!("browser:{nonce}")))
}

/// A new known-browser cookie value for `user_id` (the signing key is made on first use).
pub fn new_browser_token(conn: &mut DbConn, user_id: &str) -> Result<String, AppError> {
    let key = match browser_key(conn)? {
        Some(k) => k,
        None => {
            let mut k = vec![0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut k);
            let encoded = base64::engine::general_purpose::STANDARD.encode(&k);
            directory::put_setting(conn, BROWSER_KEY, &encoded)?;
            k
        }
    };
    let mut nonce = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let nonce = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(nonce);
    let mac = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(mac(&key, user_id, &nonce).finalize().into_bytes());
    Ok(format!("{nonce}.{mac}"))
}

pub const WINDOW_MS: i64 = 15 * 60 * 1000;
pub const ACCOUNT_LIMIT: i64 = 10;
pub const ADDRESS_LIMIT: i64 = 50;

/// The bucket for failures on this device, or the shared one.
pub fn bucket(device_id: Option<&str>) -> String {
    match device_id {
        Some(id) => format!("device:{id}"),
        None => "shared".to_string(),
    }
}

/// Counts this attempt as a failure *before* the password is checked, if the limits allow one
/// more, and returns the record to take back when the password was right. Checking and recording
/// happen in the caller's write transaction under [`accounts::lock_login_attempts`], so parallel
/// guesses cannot all pass the check before any of them is recorded. `address` is `None` for a
/// known browser or device (not held to the address limit, nor counted in it).
pub fn reserve(
    conn: &mut DbConn,
    login: &str,
    bucket: &str,
    address: Option<&str>,
    now: i64,
) -> Result<i64, AppError> {
    accounts::lock_login_attempts(conn)?;
    check(conn, login, bucket, address, now)?;
    accounts::prune_login_failures(conn, now - 2 * WINDOW_MS)?;
    Ok(accounts::record_login_failure(
        conn,
        login,
        bucket,
        address.unwrap_or(""),
        now,
    )?)
}

/// `Err(TooManyRequests)` with the seconds until the oldest counted failure leaves the window.
pub fn check(
    conn: &mut DbConn,
    login: &str,
    bucket: &str,
    address: Option<&str>,
    now: i64,
) -> Result<(), AppError> {
    let since = now - WINDOW_MS;
    let (n, oldest) = accounts::login_failures_since(conn, login, bucket, since)?;
    if n >= ACCOUNT_LIMIT {
        return Err(too_many(oldest, now));
    }
    if let Some(address) = address {
        let (n, oldest) = accounts::address_failures_since(conn, address, since)?;
        if n >= ADDRESS_LIMIT {
            return Err(too_many(oldest, now));
        }
    }
    Ok(())
}

fn too_many(oldest: Option<i64>, now: i64) -> AppError {
    let until = oldest.unwrap_or(now) + WINDOW_MS;
    AppError::TooManyRequests {
        retry_after_secs: ((until - now).max(1000) / 1000) as u64,
    }
}
