//! [`ApiJson`]: the JSON body extractor every handler uses.
//!
//! It answers, without touching the database:
//! 415 for a body that is not `application/json`; 413 past [`BODY_LIMIT`]; 400 `body_timeout` when
//! the body takes longer than [`BODY_DEADLINE`]; 400 `invalid_utf8`;
//! 400 `malformed_json` with the position; 400 `invalid_value` naming the field path for a wrong type,
//! an unknown field (request types use `deny_unknown_fields`) or a missing one.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web::BytesMut};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::domain::Invalid;
use crate::error::AppError;

/// Largest JSON body accepted by the REST API.
pub const BODY_LIMIT: usize = 64 * 1024;

/// Longest a JSON body may take to arrive, whole. The server's request timeout covers the head
/// only: a body sent one byte every 2 s held its connection (and a file descriptor) for ever, and
/// 20,000 of them held every descriptor (issue 18). 64 KiB in 15 s is 4.4 KB/s, slower than any
/// tablet's worst mobile link.
pub const BODY_DEADLINE: std::time::Duration = std::time::Duration::from_secs(15);

pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        let declared = req
            .headers()
            .get(actix_web::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if !is_json {
                return Err(AppError::UnsupportedMediaType);
            }
            if declared.is_some_and(|n| n > BODY_LIMIT) {
                return Err(AppError::PayloadTooLarge);
            }
            let read = async {
                let mut body = BytesMut::new();
                while let Some(chunk) = payload.next().await {
                    let chunk = chunk.map_err(|_| AppError::BadRequest {
                        code: "body_unreadable",
                        message: "送信データを読み取れませんでした。".into(),
                    })?;
                    if body.len() + chunk.len() > BODY_LIMIT {
                        return Err(AppError::PayloadTooLarge);
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(body)
            };
            let body = tokio::time::timeout(BODY_DEADLINE, read)
                .await
                .map_err(|_| AppError::BadRequest {
                    code: "body_timeout",
                    message: "送信に時間がかかりすぎました。もう一度お試しください。".into(),
                })??;
            parse(&body).map(ApiJson)
        })
    }
}

/// Parses a JSON body into `T`, with errors that name the field.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    if std::str::from_utf8(body).is_err() {
        return Err(AppError::BadRequest {
            code: "invalid_utf8",
            message: "送信データがUTF-8ではありません。".into(),
        });
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                // The path already ends in an unknown field; a missing one is named only in the message.
                let msg = inner.to_string();
                let field = match missing_field(&msg) {
                    Some(f) if path == "." => f.to_string(),
                    Some(f) => format!("{path}.{f}"),
                    None => path,
                };
                AppError::invalid(field, "invalid_value", strip_position(&msg))
            }
            _ => AppError::BadRequest {
                code: "malformed_json",
                message: format!(
                    "JSONとして読めません（{} 行 {} 文字目）。",
                    inner.line(),
                    inner.column()
                ),
            },
        }
    })?;
    de.end().map_err(|_| AppError::BadRequest {
        code: "malformed_json",
        message: "JSONの後に余分なデータがあります。".into(),
    })?;
    Ok(value)
}

fn missing_field(msg: &str) -> Option<&str> {
    msg.strip_prefix("missing field `")?.split('`').next()
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// Attaches the field name to a domain validation result.
pub fn field<T>(name: &str, r: Result<T, Invalid>) -> Result<T, AppError> {
    r.map_err(|e| AppError::invalid(name, e.code, e.message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "fields exist to be deserialized")]
    struct T {
        name: String,
        n: i32,
    }

    fn field_of(body: &str) -> Option<String> {
        match parse::<T>(body.as_bytes()) {
            Err(AppError::Invalid { field, .. }) => Some(field),
            _ => None,
        }
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(field_of(r#"{"name":"a","n":"x"}"#).as_deref(), Some("n"));
        assert_eq!(
            field_of(r#"{"name":"a","n":1,"evil":1}"#).as_deref(),
            Some("evil")
        );
        assert_eq!(field_of(r#"{"name":"a"}"#).as_deref(), Some("n"));
        assert!(matches!(
            parse::<T>(b"{\"name\":"),
            Err(AppError::BadRequest {
                code: "malformed_json",
                ..
            })
        ));
        assert!(matches!(
            parse::<T>(b"{\"name\":\"\xff\",\"n\":1}"),
            Err(AppError::BadRequest {
                code: "invalid_utf8",
                ..
            })
        ));
    }
}
