//! One error type for the HTTP edge: [`AppError`], and its mapping to status codes and JSON.
//!
//! Which to use where:
//! - a request field is missing, too long, of the wrong type or otherwise invalid →
//!   [`AppError::invalid`] naming the field (the client shows the message beside that field);
//! - no session, an expired or revoked one, or a revoked device → [`AppError::Unauthorized`];
//! - a session whose role may not do this → [`AppError::Forbidden`];
//! - a record the caller may not see, or that does not exist → [`AppError::NotFound`] (the same
//!   answer for both, so that ids cannot be probed);
//! - a unique value already taken → [`AppError::Conflict`];
//! - anything we did not expect (database down, a bug) → [`AppError::internal`] (or
//!   [`AppError::internal_in`] to say what was being done): it keeps the cause error itself, and
//!   its Display — so every log line — prints the whole chain ([`Chain`]); the answer is a 500
//!   with no detail.
//!
//! Messages are Japanese where a commissioner may read them. They never contain a resident's name,
//! address or note: errors carry field names and ids only.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

#[derive(thiserror::Error)]
pub enum AppError {
    #[error("invalid field {field}: {message}")]
    Invalid {
        field: String,
        code: &'static str,
        message: String,
    },
    #[error("bad request ({code}): {message}")]
    BadRequest { code: &'static str, message: String },
    #[error("unauthorized ({code})")]
    Unauthorized { code: &'static str },
    #[error("forbidden")]
    Forbidden,
    /// 403 with its own code, e.g. `bad_origin`.
    #[error("denied ({code})")]
    Denied { code: &'static str, message: String },
    #[error("not found")]
    NotFound,
    #[error("conflict on {field}")]
    Conflict { field: String, message: String },
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// Something we did not expect. The cause is kept whole and printed with its chain, so that
    /// every `{e}` of a log line shows it (it is not also a `source()`: the chain would print twice).
    #[error("internal error: {}", Chain(&**.0))]
    Internal(Cause),
    /// An error the database returned (I/O, disk full, a lost connection, a failed COMMIT): a 500
    /// like [`AppError::Internal`], kept apart so that `db` can tell a failing database from a
    /// refusal by the rules (`/healthz`'s `database_writes`).
    #[error("database: {0}")]
    Database(diesel::result::Error),
}

/// The cause an [`AppError::Internal`] keeps: any error, or a plain message where there is none.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What was being done when `source` failed: one link of a cause chain
/// ([`AppError::internal_in`]).
#[derive(Debug, thiserror::Error)]
#[error("{what}")]
pub struct Context {
    what: &'static str,
    #[source]
    source: Cause,
}

/// An error and its sources, `outer: inner: innermost`, for log lines.
pub struct Chain<'a>(pub &'a (dyn std::error::Error + 'static));

impl std::fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut next = self.0.source();
        while let Some(e) = next {
            write!(f, ": {e}")?;
            next = e.source();
        }
        Ok(())
    }
}

/// Prints the cause chain, for logs.
impl std::fmt::Debug for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self}")
    }
}

impl AppError {
    pub fn invalid(
        field: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        AppError::Invalid {
            field: field.into(),
            code,
            message: message.into(),
        }
    }

    /// The same refusal, naming the request's field it came from (an error of one item in a list).
    pub fn in_field(self, field: &str) -> Self {
        match self {
            AppError::Invalid { code, message, .. } => AppError::Invalid {
                field: field.to_string(),
                code,
                message,
            },
            other => other,
        }
    }

    /// An unexpected failure, keeping `cause` (an error, or a message) as the source.
    pub fn internal(cause: impl Into<Cause>) -> Self {
        AppError::Internal(cause.into())
    }

    /// As [`AppError::internal`], saying what was being done: the log reads `what: cause`.
    pub fn internal_in(what: &'static str, cause: impl Into<Cause>) -> Self {
        AppError::Internal(Box::new(Context {
            what,
            source: cause.into(),
        }))
    }

    pub fn unavailable(cause: impl std::fmt::Display) -> Self {
        AppError::Unavailable(cause.to_string())
    }

    /// The stable, machine-readable code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid { code, .. } => code,
            AppError::BadRequest { code, .. } => code,
            AppError::Unauthorized { code } => code,
            AppError::Forbidden => "forbidden",
            AppError::Denied { code, .. } => code,
            AppError::NotFound => "not_found",
            AppError::Conflict { .. } => "conflict",
            AppError::TooManyRequests { .. } => "too_many_requests",
            AppError::PayloadTooLarge => "payload_too_large",
            AppError::UnsupportedMediaType => "unsupported_media_type",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) | AppError::Database(_) => "internal",
        }
    }

    fn message(&self) -> String {
        match self {
            AppError::Invalid { message, .. }
            | AppError::BadRequest { message, .. }
            | AppError::Denied { message, .. } => message.clone(),
            AppError::Unauthorized { code } => match *code {
                "bad_credentials" => "ログイン名またはパスワードが違います。".into(),
                "device_revoked" => "このタブレットは利用停止になっています。".into(),
                "device_required" => {
                    "このタブレットは登録されていません。タブレットの登録をしてください。".into()
                }
                _ => "ログインしてください。".into(),
            },
            AppError::Forbidden => "この操作をする権限がありません。".into(),
            AppError::NotFound => "見つかりません。".into(),
            AppError::Conflict { message, .. } => message.clone(),
            AppError::TooManyRequests { .. } => {
                "試行回数が多すぎます。しばらくしてからもう一度お試しください。".into()
            }
            AppError::PayloadTooLarge => "送信データが大きすぎます。".into(),
            AppError::UnsupportedMediaType => {
                "Content-Type は application/json にしてください。".into()
            }
            AppError::Unavailable(_) => {
                "一時的に利用できません。しばらくしてからお試しください。".into()
            }
            AppError::Internal(_) | AppError::Database(_) => {
                "市役所のシステムでエラーが起きました。".into()
            }
        }
    }
}

/// The JSON body of every error answer: `{"error": {"code", "message", "field"?}}`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable code, e.g. `invalid_length`, `unauthorized`, `forbidden`.
    pub code: String,
    /// A human message (Japanese where end users see it).
    pub message: String,
    /// The request field at fault, as a path such as `role` or `residents[2].name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Invalid { .. } | AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Denied { .. } => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) | AppError::Database(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            AppError::Internal(_) | AppError::Database(_) => {
                tracing::error!(cause = %self, "internal error")
            }
            AppError::Unavailable(cause) => tracing::warn!(cause = %cause, "service unavailable"),
            _ => {}
        }
        let field = match self {
            AppError::Invalid { field, .. } | AppError::Conflict { field, .. } => {
                Some(field.clone())
            }
            _ => None,
        };
        let mut resp = HttpResponse::build(self.status_code());
        if let AppError::TooManyRequests { retry_after_secs } = self {
            resp.insert_header(("Retry-After", retry_after_secs.to_string()));
        }
        resp.json(ErrorBody {
            error: ErrorDetail {
                code: self.code().to_string(),
                message: self.message(),
                field,
            },
        })
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => AppError::NotFound,
            // The constraint name is a schema detail, never user data.
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => AppError::Conflict {
                field: info
                    .column_name()
                    .or(info.constraint_name())
                    .unwrap_or("id")
                    .to_string(),
                message: "同じ値がすでに登録されています。".into(),
            },
            other => AppError::Database(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    #[test]
    fn an_internal_error_keeps_its_cause_chain_for_the_log_and_out_of_the_answer() {
        let disk = std::io::Error::other("No space left on device");
        let inner = AppError::internal_in("writing the chunk", disk);
        let e = AppError::internal_in("committing a batch", inner);
        // The log line (Display and Debug) reads every link, outermost first.
        let logged = "internal error: committing a batch: internal error: writing the chunk: \
                      No space left on device";
        assert_eq!(e.to_string(), logged);
        assert_eq!(format!("{e:?}"), logged);
        // The answer says nothing of it.
        let resp = e.error_response();
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = resp.into_body().try_into_bytes().unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        assert!(!body.contains("space") && !body.contains("chunk"), "{body}");
        assert!(body.contains("\"internal\""), "{body}");
    }
}
