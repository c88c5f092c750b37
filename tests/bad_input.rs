//! Bad input gets a clear 4xx naming the problem, and changes nothing.

use awc::http::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::support::{TestDb, TestServer, code};

/// What the database holds, as an admin sees it (to prove nothing changed).
async fn snapshot(admin: &mut crate::support::Client) -> Vec<Value> {
    let mut out = Vec::new();
    for p in [
        "/api/admin/districts",
        "/api/admin/users",
        "/api/admin/residents",
        "/api/admin/assignments",
        "/api/admin/devices",
    ] {
        out.push(admin.get(p).await.1);
    }
    let (_, audit) = admin.get("/api/admin/audit").await;
    out.push(json!(audit.as_array().unwrap().len()));
    out
}

/// (path, content type, raw body, expected status, expected code, expected field)
type Case<'a> = (
    &'a str,
    Option<&'a str>,
    Vec<u8>,
    u16,
    &'a str,
    Option<&'a str>,
);

both!(bad_input_is_refused_clearly_and_changes_nothing, bad_input);
async fn bad_input(db: TestDb) {
    let s = TestServer::start(db).await;
    let mut admin = s.login("admin").await;
    let before = snapshot(&mut admin).await;
    let a = s.fx.district_a.clone();
    let long = "あ".repeat(101);
    let json_ct = Some("application/json");
    let cases: Vec<Case> = vec![
        (
            "/api/admin/districts",
            json_ct,
            b"{\"code\": \"x\",".to_vec(),
            400,
            "malformed_json",
            None,
        ),
        (
            "/api/admin/districts",
            json_ct,
            b"not json at all".to_vec(),
            400,
            "malformed_json",
            None,
        ),
        (
            "/api/admin/districts",
            json_ct,
            b"{\"code\":\"ok-code\",\"name\":\"ok\"} trailing".to_vec(),
            400,
            "malformed_json",
            None,
        ),
        (
            "/api/admin/districts",
            json_ct,
            b"{\"code\":\"ok-code\",\"name\":\"\xff\xfe\"}".to_vec(),
            400,
            "invalid_utf8",
            None,
        ),
        (
            "/api/admin/districts",
            Some("text/plain"),
            b"{\"code\":\"ok-code\",\"name\":\"ok\"}".to_vec(),
            415,
            "unsupported_media_type",
            None,
        ),
        (
            "/api/admin/districts",
            None,
            b"{\"code\":\"ok-code\",\"name\":\"ok\"}".to_vec(),
            415,
            "unsupported_media_type",
            None,
        ),
        (
            "/api/admin/districts",
            json_ct,
            serde_json::to_vec(&json!({"code": "ok-code", "name": "x".repeat(100_000)})).unwrap(),
            413,
            "payload_too_large",
            None,
        ),
        (
            "/api/admin/districts",
            json_ct,
            body(json!({"code": "ok-code", "name": "ok", "admin": true})),
            400,
            "invalid_value",
            Some("admin"),
        ),
        (
            "/api/admin/districts",
            json_ct,
            body(json!({"code": 7, "name": "ok"})),
            400,
            "invalid_value",
            Some("code"),
        ),
        (
            "/api/admin/districts",
            json_ct,
            body(json!({"name": "ok"})),
            400,
            "invalid_value",
            Some("code"),
        ),
        (
            "/api/admin/districts",
            json_ct,
            body(json!({"code": "x'; DROP TABLE districts; --", "name": "ok"})),
            400,
            "invalid_format",
            Some("code"),
        ),
        (
            "/api/admin/districts",
            json_ct,
            body(json!({"code": "ok-code", "name": long})),
            400,
            "too_long",
            Some("name"),
        ),
        (
            "/api/admin/districts",
            json_ct,
            body(json!({"code": "ok-code", "name": "  "})),
            400,
            "required",
            Some("name"),
        ),
        (
            "/api/admin/districts",
            json_ct,
            body(json!({"code": "ok-code", "name": "a\u{0}b"})),
            400,
            "invalid_characters",
            Some("name"),
        ),
        (
            "/api/admin/districts",
            json_ct,
            body(json!({"code": "kaguraoka", "name": "重複"})),
            409,
            "conflict",
            Some("code"),
        ),
        (
            "/api/admin/users",
            json_ct,
            body(
                json!({"login": "new-user", "display_name": "x", "role": "superuser", "password": "long enough pw"}),
            ),
            400,
            "invalid_value",
            Some("role"),
        ),
        (
            "/api/admin/users",
            json_ct,
            body(
                json!({"login": "admin' OR '1'='1", "display_name": "x", "role": "admin", "password": "long enough pw"}),
            ),
            400,
            "invalid_characters",
            Some("login"),
        ),
        (
            "/api/admin/users",
            json_ct,
            body(
                json!({"login": "new-user", "display_name": "x", "role": "admin", "password": "short"}),
            ),
            400,
            "invalid_length",
            Some("password"),
        ),
        (
            "/api/admin/users",
            json_ct,
            body(
                json!({"login": "new-user", "display_name": "x", "role": "commissioner", "password": "long enough pw"}),
            ),
            400,
            "required",
            Some("district_id"),
        ),
        (
            "/api/admin/users",
            json_ct,
            body(
                json!({"login": "new-user", "display_name": "x", "role": "commissioner", "district_id": "nope", "password": "long enough pw"}),
            ),
            400,
            "unknown",
            Some("district_id"),
        ),
        (
            "/api/admin/users",
            json_ct,
            body(
                json!({"login": "lead-a", "display_name": "x", "role": "city_staff", "password": "long enough pw"}),
            ),
            409,
            "conflict",
            Some("login"),
        ),
        (
            "/api/admin/residents",
            json_ct,
            body(json!({"district_id": a, "name": "試験", "kana": "Shiken", "address": "x"})),
            400,
            "invalid_characters",
            Some("kana"),
        ),
        (
            "/api/admin/residents",
            json_ct,
            body(
                json!({"district_id": a, "name": "試験", "kana": "しけん", "address": "x", "contact_interval_days": 0}),
            ),
            400,
            "out_of_range",
            Some("contact_interval_days"),
        ),
        (
            "/api/admin/residents",
            json_ct,
            body(
                json!({"district_id": a, "name": "試験", "kana": "しけん", "address": "x", "contact_interval_days": 1e40}),
            ),
            400,
            "invalid_value",
            Some("contact_interval_days"),
        ),
        (
            "/api/admin/assignments",
            json_ct,
            body(
                json!({"resident_id": s.fx.resident("rA1"), "commissioner_id": s.fx.user("comm-b"), "starts_on": "2026-01-01"}),
            ),
            400,
            "other_district",
            Some("commissioner_id"),
        ),
        (
            "/api/admin/assignments",
            json_ct,
            body(
                json!({"resident_id": s.fx.resident("rA1"), "commissioner_id": s.fx.user("comm-a"), "starts_on": "2026-02-30"}),
            ),
            400,
            "invalid_date",
            Some("starts_on"),
        ),
        (
            "/api/admin/assignments",
            json_ct,
            body(
                json!({"resident_id": s.fx.resident("rA1"), "commissioner_id": s.fx.user("comm-a"), "starts_on": "2026-03-01", "ends_on": "2026-02-01"}),
            ),
            400,
            "before_start",
            Some("ends_on"),
        ),
        (
            "/api/admin/devices",
            json_ct,
            body(json!({"label": ["array"]})),
            400,
            "invalid_value",
            Some("label"),
        ),
        (
            "/api/admin/devices",
            json_ct,
            body(json!([1, 2, 3])),
            400,
            "invalid_value",
            None,
        ),
    ];
    let mut failures = Vec::new();
    for (path, ct, raw, status, want_code, want_field) in &cases {
        let r = admin.request("POST", path, *ct, Some(raw.clone())).await;
        let field = r.body["error"]["field"].as_str();
        let message = r.body["error"]["message"].as_str().unwrap_or("");
        if r.status.as_u16() != *status
            || code(&r.body) != *want_code
            || (want_field.is_some() && field != *want_field)
            || message.is_empty()
        {
            failures.push(format!(
                "{path} {}: got {} {}",
                String::from_utf8_lossy(&raw[..raw.len().min(80)]),
                r.status,
                r.body
            ));
        }
    }
    // Cross-site and scripted requests without our Origin change nothing either.
    let good = body(json!({"code": "new-district", "name": "新地区"}));
    for origin in [Some("https://evil.example"), None] {
        admin.send_origin = origin.map(str::to_string);
        let r = admin
            .request("POST", "/api/admin/districts", json_ct, Some(good.clone()))
            .await;
        if r.status != StatusCode::FORBIDDEN || code(&r.body) != "bad_origin" {
            failures.push(format!("origin {origin:?}: got {} {}", r.status, r.body));
        }
    }
    admin.send_origin = Some(s.origin.clone());
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len() + 2,
        failures.join("\n")
    );
    assert_eq!(
        snapshot(&mut admin).await,
        before,
        "bad input changed nothing"
    );
    println!(
        "bad input: {} cases refused, nothing changed",
        cases.len() + 2
    );

    // And the server still works.
    let (st, _) = admin
        .post(
            "/api/admin/districts",
            &json!({"code": "new-district", "name": "新地区"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
}

fn body(v: Value) -> Vec<u8> {
    serde_json::to_vec(&v).unwrap()
}

both!(
    every_response_carries_the_security_headers,
    security_headers
);
async fn security_headers(db: TestDb) {
    let s = TestServer::start(db).await;
    let mut c = s.client();
    for (method, path) in [
        ("GET", "/"),
        ("GET", "/healthz"),
        ("GET", "/api/me"),
        ("GET", "/no/such/file"),
        ("POST", "/api/session"),
    ] {
        let r = c
            .request(method, path, Some("application/json"), Some(b"{}".to_vec()))
            .await;
        let h = |n: &str| {
            r.headers
                .get(n)
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default()
        };
        let csp = h("content-security-policy");
        for part in [
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "default-src 'self'",
        ] {
            assert!(
                csp.contains(part),
                "{method} {path}: CSP lacks {part}: {csp}"
            );
        }
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(h("referrer-policy"), "no-referrer", "{path}");
    }
}

/// Every input the sync fuzzer kept (`tests/fuzz/corpus`: the deepest it reached) and every input
/// that ever panicked, aborted or ran long (`tests/fuzz/crashes`) goes through the server's whole
/// frame path again (wire decode, precheck, automerge's decode, merge, projection, reply) on the
/// document it was found against: none may panic (issue 26 item 3; `examples/fuzz_sync.rs`), and a
/// crash is refused before automerge merges it.
#[test]
fn the_fuzz_corpus_and_crashes_are_refused_or_merged() {
    use automerge::Automerge;
    use automerge::sync::{self, SyncDoc};
    use mimamori::sync::connection::{Stage, offline_frame};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz");
    let base = Automerge::load(&std::fs::read(dir.join("base.automerge")).unwrap()).unwrap();
    let mut run = 0;
    for (folder, crash) in [("corpus", false), ("crashes", true)] {
        for entry in std::fs::read_dir(dir.join(folder)).into_iter().flatten() {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            let raw = path.to_string_lossy().contains("-message-");
            for mut state in [sync::State::new(), {
                let mut s = sync::State::new();
                let _ = base.clone().generate_sync_message(&mut s);
                s
            }] {
                let stage = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    offline_frame(&base, &mut state, &bytes, raw)
                }))
                .unwrap_or_else(|_| panic!("{} panics", path.display()));
                if crash {
                    assert!(stage <= Stage::Rejected, "{}: {stage:?}", path.display());
                }
            }
            run += 1;
        }
    }
    assert!(run >= 20, "the corpus is there ({run} inputs)");
}
