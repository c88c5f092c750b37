//! Login throttling, counted in the database so it holds across restarts and server processes.
//!
//! - Per account: at most [`ACCOUNT_LIMIT`] failures in [`WINDOW_MS`]. Failures are counted per
//!   *bucket*: an enrolled device has its own bucket, every unknown browser shares one. An attacker
//!   who burns the shared bucket does not lock the commissioner out of their own tablet, and every
//!   lock ends when the window slides past the failures.
//! - Per client address: at most [`ADDRESS_LIMIT`] failures in the window, whatever the account.

use crate::db::{DbConn, accounts};
use crate::error::AppError;

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
/// guesses cannot all pass the check before any of them is recorded.
pub fn reserve(
    conn: &mut DbConn,
    login: &str,
    bucket: &str,
    address: &str,
    now: i64,
) -> Result<i64, AppError> {
    accounts::lock_login_attempts(conn)?;
    check(conn, login, bucket, address, now)?;
    accounts::prune_login_failures(conn, now - 2 * WINDOW_MS)?;
    Ok(accounts::record_login_failure(
        conn, login, bucket, address, now,
    )?)
}

/// `Err(TooManyRequests)` with the seconds until the oldest counted failure leaves the window.
pub fn check(
    conn: &mut DbConn,
    login: &str,
    bucket: &str,
    address: &str,
    now: i64,
) -> Result<(), AppError> {
    let since = now - WINDOW_MS;
    let (n, oldest) = accounts::login_failures_since(conn, login, bucket, since)?;
    if n >= ACCOUNT_LIMIT {
        return Err(too_many(oldest, now));
    }
    let (n, oldest) = accounts::address_failures_since(conn, address, since)?;
    if n >= ADDRESS_LIMIT {
        return Err(too_many(oldest, now));
    }
    Ok(())
}

fn too_many(oldest: Option<i64>, now: i64) -> AppError {
    let until = oldest.unwrap_or(now) + WINDOW_MS;
    AppError::TooManyRequests {
        retry_after_secs: ((until - now).max(1000) / 1000) as u64,
    }
}
