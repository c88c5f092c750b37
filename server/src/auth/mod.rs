//! Who is calling: passwords, session and device tokens, cookies, and the [`Caller`] extractor.
//!
//! - A **session** is a random token in the HttpOnly, SameSite=Strict cookie `mimamori_session`
//!   (`Secure` when the public origin is https); the database keeps only its SHA-256.
//! - A **device** (a city-loaned tablet) is enrolled once with a one-time code from an admin and then
//!   holds its own token in the cookie `mimamori_device`. Sessions opened on it are bound to it;
//!   revoking the device ends them all at once.
//! - Every request re-reads the session row, so revocation takes effect on the next request.
//!
//! This module must not decide what a role may do with a resident: that is `access`.

pub mod proxy;
pub mod rate_limit;

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::db::{self, Db, accounts};
use crate::domain::{Password, Role};
use crate::error::AppError;

pub const SESSION_COOKIE: &str = "mimamori_session";
pub const DEVICE_COOKIE: &str = "mimamori_device";

/// Hashes a new password with argon2id (the crate's default, OWASP-recommended parameters).
pub fn hash_password(password: &Password) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(format!("argon2: {e}")))
}

/// [`hash_password`] off the async workers ([`password_work`]).
pub async fn hash_password_off_thread(password: Password) -> Result<String, AppError> {
    password_work(move || hash_password(&password)).await?
}

/// Runs argon2 work (hashing or checking a password) off the async workers — it takes tens of
/// milliseconds — on a few threads of its own, one per CPU, in the order asked.
///
/// Each job holds 19 MiB of argon2 memory while it runs, and glibc keeps a freed block that size in
/// the arena of the thread that used it. On the blocking pool, a morning's tablets logging in
/// together each ran at once on a thread of their own: 50 logins took the process to ~790 MiB, and
/// a cap on how many ran at once still left ~550 MiB behind in the arenas of the threads that took
/// turns (the bench's `storm --shape pwa --login`). Here at most one block per password thread is
/// held or kept. The CPUs are busy with the work anyway, so the queue costs a login no time.
pub async fn password_work<T, F>(job: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    type Job = Box<dyn FnOnce() + Send>;
    static QUEUE: std::sync::LazyLock<Option<std::sync::mpsc::Sender<Job>>> =
        std::sync::LazyLock::new(|| {
            let (tx, rx) = std::sync::mpsc::channel::<Job>();
            let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
            let mut started = 0;
            for i in 0..threads {
                let rx = rx.clone();
                let spawned = std::thread::Builder::new()
                    .name(format!("mimamori-password-{i}"))
                    .spawn(move || {
                        loop {
                            let next = rx
                                .lock()
                                .unwrap_or_else(std::sync::PoisonError::into_inner)
                                .recv();
                            let Ok(job) = next else { return };
                            // A panicking job loses only its own answer (its caller sees an
                            // internal error); the thread stays for the next.
                            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                        }
                    });
                if spawned.is_ok() {
                    started += 1;
                }
            }
            (started > 0).then_some(tx)
        });
    let queue = QUEUE
        .as_ref()
        .ok_or_else(|| AppError::internal("no password thread could be started"))?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    queue
        .send(Box::new(move || {
            let _ = tx.send(job());
        }))
        .map_err(|_| AppError::internal("the password threads have stopped"))?;
    rx.await
        .map_err(|_| AppError::internal("a password check panicked"))
}

/// Whether `candidate` matches the stored hash. With `None` it still spends the time of one check, so
/// response times do not tell whether a login id exists.
pub fn verify_password(stored: Option<&str>, candidate: &str) -> bool {
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0QF1b6JZkqYbBfhhVb1R0Y9fVqo8Wqk0f5Y0oXnCw8o";
    let hash = stored.unwrap_or(DUMMY);
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let ok = Argon2::default()
        .verify_password(candidate.as_bytes(), &parsed)
        .is_ok();
    ok && stored.is_some()
}

/// A temporary password for an administrator's reset: sixteen digits in four groups
/// (`1234-5678-9012-3456`, about 53 bits), easy to read out and to type on a tablet's number row.
/// Login throttling bounds guessing, and the user replaces it at the next login.
pub fn new_temporary_password() -> Password {
    use rand::Rng;
    let mut rng = rand::rngs::OsRng;
    let groups: Vec<String> = (0..4)
        .map(|_| format!("{:04}", rng.gen_range(0..10_000)))
        .collect();
    Password::parse(&groups.join("-")).expect("nineteen characters is a valid length")
}

/// A new random secret (256 bits, base64url) and the SHA-256 hex we store in its place.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

/// A short enrolment code an admin can read out or type: 12 characters from an alphabet without
/// look-alikes (no 0/O, 1/I/L), grouped as `XXXX-XXXX-XXXX`.
pub fn new_enrolment_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// Normalizes a typed enrolment code (case, spaces, hyphens) before hashing.
pub fn enrolment_code_hash(code: &str) -> String {
    let normalized: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    token_hash(&normalized)
}

pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The session cookie for `token`, living `ttl_hours`.
pub fn session_cookie(token: &str, secure: bool, ttl_hours: i64) -> Cookie<'static> {
    secret_cookie(
        SESSION_COOKIE,
        token,
        secure,
        CookieDuration::hours(ttl_hours),
    )
}

/// The device cookie: long-lived (5 years); the device row decides whether it still counts.
pub fn device_cookie(token: &str, secure: bool) -> Cookie<'static> {
    secret_cookie(DEVICE_COOKIE, token, secure, CookieDuration::days(5 * 365))
}

/// The known-browser cookie of login throttling ([`rate_limit::BROWSER_COOKIE`]): 400 days.
pub fn browser_cookie(token: &str, secure: bool) -> Cookie<'static> {
    secret_cookie(
        rate_limit::BROWSER_COOKIE,
        token,
        secure,
        CookieDuration::days(400),
    )
}

/// A cookie that removes `name` from the browser.
pub fn removal_cookie(name: &'static str, secure: bool) -> Cookie<'static> {
    let mut c = secret_cookie(name, "", secure, CookieDuration::ZERO);
    c.make_removal();
    c
}

fn secret_cookie(
    name: &'static str,
    value: &str,
    secure: bool,
    max_age: CookieDuration,
) -> Cookie<'static> {
    Cookie::build(name, value.to_string())
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .max_age(max_age)
        .finish()
}

/// The authenticated caller of a request: a live session of an enabled user, on a device that is not
/// revoked. Extracting it fails with 401 otherwise.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: String,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub district_id: Option<String>,
    pub session_id: String,
    pub device_id: Option<String>,
    /// When the session ends (ms since the epoch).
    pub session_expires_at: i64,
    /// The password is a temporary one from an administrator's reset (the app asks for a new one).
    pub must_change_password: bool,
}

impl Caller {
    /// `Ok` when the caller has one of `roles`, else 403.
    pub fn require(&self, roles: &[Role]) -> Result<(), AppError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// Looks up the session behind a cookie value; `Err(Unauthorized)` unless it is live.
pub async fn caller_from_session_token(db: &Db, token: &str) -> Result<Caller, AppError> {
    let hash = token_hash(token);
    let now = db::now_ms();
    let found = db
        .read(move |conn| Ok(accounts::session_by_token_hash(conn, &hash)?))
        .await?;
    let unauthorized = AppError::Unauthorized {
        code: "unauthorized",
    };
    let Some((session, user, device)) = found else {
        return Err(unauthorized);
    };
    // A revoked device is told so (before "session ended"), so the tablet knows to wipe itself.
    if device.as_ref().is_some_and(|d| d.revoked_at.is_some()) {
        return Err(AppError::Unauthorized {
            code: "device_revoked",
        });
    }
    if session.revoked_at.is_some() || session.expires_at <= now || user.disabled_at.is_some() {
        return Err(unauthorized);
    }
    let role =
        Role::parse(&user.role).ok_or_else(|| AppError::internal("unknown role in database"))?;
    Ok(Caller {
        user_id: user.id,
        login: user.login,
        display_name: user.display_name,
        role,
        district_id: user.district_id,
        session_id: session.id,
        device_id: session.device_id,
        session_expires_at: session.expires_at,
        must_change_password: user.must_change_password,
    })
}

impl FromRequest for Caller {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::internal("AppState missing"))?;
            let token = token
                .filter(|t| !t.is_empty())
                .ok_or(AppError::Unauthorized {
                    code: "unauthorized",
                })?;
            caller_from_session_token(&state.db, &token).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_tokens_are_hashed() {
        let pw = Password::parse("correct horse battery").unwrap();
        let h = hash_password(&pw).unwrap();
        assert!(verify_password(Some(&h), "correct horse battery"));
        assert!(!verify_password(Some(&h), "wrong horse battery"));
        assert!(!verify_password(None, "correct horse battery"));
        let (t, th) = new_token();
        assert_eq!(token_hash(&t), th);
        assert_ne!(t, th);
    }

    #[test]
    fn enrolment_codes_survive_retyping() {
        let code = new_enrolment_code();
        assert_eq!(code.len(), 14);
        let typed = code.to_lowercase().replace('-', " ");
        assert_eq!(enrolment_code_hash(&code), enrolment_code_hash(&typed));
    }
}
