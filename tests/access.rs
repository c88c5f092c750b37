//! Who sees what: the authorization matrix (every endpoint × every role × own/other district) and
//! the residents a commissioner or lead actually gets.

use awc::http::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::support::{Client, TestDb, TestServer};

const ROLES: [&str; 7] = [
    "anon", "comm-a", "comm-b", "lead-a", "lead-b", "staff", "admin",
];

both!(authorization_matrix, matrix);
async fn matrix(db: TestDb) {
    let s = TestServer::start(db).await;
    let mut clients: Vec<Client> = Vec::new();
    for role in ROLES {
        clients.push(if role == "anon" {
            s.client()
        } else {
            s.login(role).await
        });
    }
    let (ra1, rb1) = (
        s.fx.resident("rA1").to_string(),
        s.fx.resident("rB1").to_string(),
    );
    let asg = s.fx.assignment_a1.clone();
    let a = s.fx.district_a.clone();
    let a2 = s.fx.user("comm-a2").to_string();
    let (u, f, nf, ok, cr, nc) = (401u16, 403u16, 404u16, 200u16, 201u16, 204u16);
    let admin_only = |good: u16| [u, f, f, f, f, f, good];
    let staff_only = |good: u16| [u, f, f, f, f, good, good];
    // A notice sent to district A, and a draft.
    let notice = json!({"title": "定例会", "body": "本文", "priority": "normal",
                        "audience": "districts", "districts": [a]});
    let staff = &mut clients[5];
    let (_, na) = staff.post("/api/staff/notices", &notice).await;
    let na = na["id"].as_str().unwrap().to_string();
    staff
        .post(&format!("/api/staff/notices/{na}/send"), &json!({}))
        .await;
    let (_, nd) = staff.post("/api/staff/notices", &notice).await;
    let nd = nd["id"].as_str().unwrap().to_string();
    let not_allowed = json!({"endpoint": "https://evil.example/push/1",
        "keys": {"p256dh": "BAAA", "auth": "AAAA"}});
    // (method, path, body, expected status per role in ROLES order)
    let cases: Vec<(&str, String, Option<Value>, [u16; 7])> = vec![
        ("GET", "/healthz".into(), None, [ok; 7]),
        ("GET", "/api/openapi.json".into(), None, [ok; 7]),
        ("GET", "/api/me".into(), None, [u, ok, ok, ok, ok, ok, ok]),
        (
            "GET",
            "/api/devices/key-share".into(),
            None,
            [u, ok, ok, f, f, f, f],
        ),
        // Only a revoked device may confirm a wipe: 409 for live tablets, 401 without a device.
        (
            "POST",
            "/api/devices/wiped".into(),
            Some(json!({})),
            [u, 409, 409, u, u, u, u],
        ),
        (
            "POST",
            "/api/session".into(),
            Some(json!({"login": "admin", "password": "not the password"})),
            [u; 7],
        ),
        // The device cookie, not the role: only enrolled tablets report lock events.
        (
            "POST",
            "/api/devices/events".into(),
            Some(json!({"events": [{"event": "unlock", "at": 1}]})),
            [u, nc, nc, u, u, u, u],
        ),
        (
            "POST",
            "/api/devices/enrol".into(),
            Some(json!({"code": "AAAA-BBBB-CCCC"})),
            [400; 7],
        ),
        (
            "GET",
            "/api/residents".into(),
            None,
            [u, ok, ok, ok, ok, f, f],
        ),
        (
            "GET",
            format!("/api/residents/{ra1}"),
            None,
            [u, ok, nf, ok, nf, f, f],
        ),
        (
            "GET",
            format!("/api/residents/{rb1}"),
            None,
            [u, nf, ok, nf, ok, f, f],
        ),
        (
            "GET",
            "/api/residents/no-such-id".into(),
            None,
            [u, nf, nf, nf, nf, f, f],
        ),
        (
            "GET",
            format!("/api/residents/{ra1}/document"),
            None,
            [u, ok, nf, ok, nf, f, f],
        ),
        (
            "GET",
            format!("/api/residents/{rb1}/document"),
            None,
            [u, nf, ok, nf, ok, f, f],
        ),
        (
            "GET",
            "/api/documents".into(),
            None,
            [u, ok, ok, ok, ok, f, f],
        ),
        ("GET", "/api/charts".into(), None, [u, f, f, ok, ok, ok, f]),
        (
            "GET",
            "/api/activity-log".into(),
            None,
            [u, ok, ok, ok, ok, f, f],
        ),
        (
            "GET",
            "/api/review/contacts?check=mailbox".into(),
            None,
            [u, f, f, ok, ok, f, f],
        ),
        (
            "GET",
            "/api/reports/activity?month=2026-11".into(),
            None,
            [u, ok, ok, ok, ok, ok, f],
        ),
        (
            "GET",
            "/api/reports/activity.csv?month=2026-11".into(),
            None,
            [u, ok, ok, ok, ok, ok, f],
        ),
        (
            "GET",
            "/api/review/alerts".into(),
            None,
            [u, f, f, ok, ok, f, f],
        ),
        (
            "GET",
            "/api/review/alerts/no-such".into(),
            None,
            [u, f, f, nf, nf, f, f],
        ),
        (
            "GET",
            "/api/review/problems".into(),
            None,
            [u, f, f, ok, ok, f, f],
        ),
        (
            "GET",
            "/api/review/overdue".into(),
            None,
            [u, f, f, ok, ok, f, f],
        ),
        (
            "POST",
            "/api/review/snowfall".into(),
            Some(json!({"day": "2026-11-01"})),
            [u, f, f, nc, nc, f, f],
        ),
        (
            "GET",
            "/api/review/snowfall".into(),
            None,
            [u, f, f, ok, ok, f, f],
        ),
        (
            "POST",
            "/api/staff/snowfall".into(),
            Some(json!({"day": "2026-11-01"})),
            [u, f, f, f, f, ok, f],
        ),
        (
            "POST",
            "/api/review/alerts/no-such/acknowledge".into(),
            Some(json!({})),
            [u, f, f, nf, nf, f, f],
        ),
        (
            "POST",
            "/api/review/alerts/no-such/close".into(),
            Some(json!({})),
            [u, f, f, nf, nf, f, f],
        ),
        // rA1 is active already: its lead gets 409, the other district's lead 404.
        (
            "POST",
            format!("/api/residents/{ra1}/approve"),
            Some(json!({})),
            [u, f, f, 409, nf, f, f],
        ),
        (
            "POST",
            format!("/api/residents/{ra1}/decline"),
            Some(json!({})),
            [u, f, f, 409, nf, f, f],
        ),
        // A plain GET (no upgrade) passes the checks and then is not a WebSocket: 400.
        ("GET", "/sync".into(), None, [u, 400, 400, 400, 400, f, f]),
        (
            "GET",
            "/api/admin/districts".into(),
            None,
            [u, f, f, f, f, ok, ok],
        ),
        (
            "POST",
            "/api/admin/districts".into(),
            Some(json!({"code": "toko", "name": "東光"})),
            admin_only(cr),
        ),
        (
            "GET",
            "/api/admin/users".into(),
            None,
            [u, f, f, f, f, ok, ok],
        ),
        (
            "POST",
            "/api/admin/users".into(),
            Some(
                json!({"login": "matrix-new", "display_name": "新任 委員", "role": "commissioner",
                        "district_id": a, "password": "a long enough password"}),
            ),
            admin_only(cr),
        ),
        (
            "POST",
            format!("/api/admin/users/{a2}/revoke-sessions"),
            Some(json!({})),
            admin_only(ok),
        ),
        (
            "POST",
            format!("/api/admin/users/{a2}/password-reset"),
            Some(json!({})),
            admin_only(ok),
        ),
        (
            "POST",
            format!("/api/admin/users/{a2}/disable"),
            Some(json!({})),
            admin_only(ok),
        ),
        (
            "POST",
            format!("/api/admin/users/{a2}/enable"),
            Some(json!({})),
            admin_only(ok),
        ),
        // The same role and district again: a change that changes nothing.
        (
            "POST",
            format!("/api/admin/users/{a2}/role"),
            Some(json!({"role": "commissioner", "district_id": a})),
            admin_only(ok),
        ),
        (
            "POST",
            "/api/me/password".into(),
            Some(
                json!({"current_password": "not the password", "new_password": "a long enough password"}),
            ),
            [u, 400, 400, 400, 400, 400, 400],
        ),
        (
            "GET",
            "/api/admin/residents".into(),
            None,
            [u, f, f, f, f, ok, ok],
        ),
        (
            "POST",
            "/api/admin/residents".into(),
            Some(
                json!({"district_id": a, "name": "試験 三郎", "kana": "しけん さぶろう", "address": "旭川市（試験）"}),
            ),
            admin_only(cr),
        ),
        // The roster preview (a body that is no roster is one problem in a 200 preview).
        (
            "POST",
            "/api/admin/roster/residents".into(),
            Some(json!({})),
            [u, f, f, f, f, ok, ok],
        ),
        // 災害モード: the office declares, lists and ends (a declaration with no district is a 400).
        (
            "POST",
            "/api/staff/disasters".into(),
            Some(json!({"kind": "blizzard", "districts": []})),
            [u, f, f, f, f, 400, 400],
        ),
        ("GET", "/api/staff/disasters".into(), None, staff_only(ok)),
        (
            "POST",
            "/api/staff/disasters/no-such-disaster/end".into(),
            Some(json!({})),
            [u, f, f, f, f, nf, nf],
        ),
        // 安否: the lead's roll-up and take-overs (own district's disasters), the office's counts.
        (
            "GET",
            "/api/review/disasters/no-such".into(),
            None,
            [u, f, f, nf, nf, f, f],
        ),
        (
            "POST",
            "/api/review/disasters/no-such/takeovers".into(),
            Some(json!({"commissioner_id": a2})),
            [u, f, f, nf, nf, f, f],
        ),
        (
            "DELETE",
            format!("/api/review/disasters/no-such/takeovers/{a2}"),
            None,
            [u, f, f, nf, nf, f, f],
        ),
        (
            "GET",
            "/api/staff/disasters/no-such/counts".into(),
            None,
            [u, f, f, f, f, nf, nf],
        ),
        (
            "GET",
            "/api/staff/disasters/no-such/counts.csv".into(),
            None,
            [u, f, f, f, f, nf, nf],
        ),
        // The paper fallback: the district's lead (city staff only during a disaster).
        (
            "GET",
            format!("/api/evacuation/districts/{a}"),
            None,
            [u, f, f, ok, nf, f, f],
        ),
        // The people and assignment lists make accounts and assignments: the administrator's.
        (
            "POST",
            "/api/admin/roster/people".into(),
            Some(json!({})),
            admin_only(ok),
        ),
        (
            "POST",
            "/api/admin/roster/assignments".into(),
            Some(json!({})),
            admin_only(ok),
        ),
        (
            "GET",
            "/api/staff/overview".into(),
            None,
            [u, f, f, f, f, ok, ok],
        ),
        (
            "POST",
            "/api/admin/handover".into(),
            Some(json!({"on": "2099-01-01", "moves": []})),
            admin_only(ok),
        ),
        (
            "GET",
            "/api/admin/assignments".into(),
            None,
            [u, f, f, f, f, ok, ok],
        ),
        (
            "POST",
            "/api/admin/assignments".into(),
            Some(json!({"resident_id": ra1, "commissioner_id": a2, "starts_on": "2026-01-01"})),
            admin_only(cr),
        ),
        (
            "POST",
            format!("/api/admin/assignments/{asg}/end"),
            Some(json!({"ends_on": "2099-12-31"})),
            admin_only(ok),
        ),
        (
            "GET",
            "/api/admin/devices".into(),
            None,
            [u, f, f, f, f, ok, ok],
        ),
        (
            "POST",
            "/api/admin/devices".into(),
            Some(json!({"label": "予備タブレット"})),
            admin_only(cr),
        ),
        (
            "POST",
            format!("/api/admin/devices/{}/revoke", s.fx.devices["comm-a2"]),
            Some(json!({})),
            admin_only(ok),
        ),
        (
            "GET",
            "/api/admin/audit".into(),
            None,
            [u, f, f, f, f, ok, ok],
        ),
        (
            "GET",
            "/api/districts".into(),
            None,
            [u, ok, ok, ok, ok, ok, ok],
        ),
        (
            "GET",
            "/api/push/key".into(),
            None,
            [u, ok, ok, ok, ok, ok, ok],
        ),
        (
            "POST",
            "/api/push/subscriptions".into(),
            Some(not_allowed.clone()),
            [u, 400, 400, 400, 400, 400, 400],
        ),
        (
            "DELETE",
            "/api/push/subscriptions".into(),
            Some(json!({"endpoint": "https://fcm.googleapis.com/fcm/send/x"})),
            [u, nc, nc, nc, nc, nc, nc],
        ),
        (
            "GET",
            "/api/notices".into(),
            None,
            [u, ok, ok, ok, ok, ok, ok],
        ),
        (
            "POST",
            format!("/api/notices/{na}/read"),
            Some(json!({})),
            [u, nc, nf, nc, nf, nf, nf],
        ),
        (
            "GET",
            format!("/api/notices/{na}/tracking"),
            None,
            [u, f, f, ok, nf, ok, ok],
        ),
        ("GET", "/api/staff/notices".into(), None, staff_only(ok)),
        (
            "POST",
            "/api/staff/notices".into(),
            Some(notice.clone()),
            staff_only(cr),
        ),
        (
            "PUT",
            format!("/api/staff/notices/{nd}"),
            Some(notice.clone()),
            staff_only(ok),
        ),
        // Staff sends it first; for the admin it is then already sent.
        (
            "POST",
            format!("/api/staff/notices/{nd}/send"),
            Some(json!({})),
            [u, f, f, f, f, ok, 409],
        ),
        (
            "POST",
            format!("/api/staff/notices/{na}/withdraw"),
            Some(json!({})),
            [u, f, f, f, f, ok, 409],
        ),
        // Last, since it ends the sessions used above.
        (
            "DELETE",
            "/api/session".into(),
            None,
            [u, nc, nc, nc, nc, nc, nc],
        ),
    ];
    let mut failures = Vec::new();
    let mut n = 0;
    for (method, path, body, expected) in &cases {
        for (i, role) in ROLES.iter().enumerate() {
            let c = &mut clients[i];
            let r = match body {
                Some(b) => {
                    c.request(
                        method,
                        path,
                        Some("application/json"),
                        Some(serde_json::to_vec(b).unwrap()),
                    )
                    .await
                }
                None => c.request(method, path, None, None).await,
            };
            n += 1;
            if r.status.as_u16() != expected[i] {
                failures.push(format!(
                    "{method} {path} as {role}: got {} want {} ({})",
                    r.status, expected[i], r.body
                ));
            }
        }
    }
    // Every API route is in the matrix.
    let (_, spec) = s.client().get("/api/openapi.json").await;
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            let covered = cases
                .iter()
                .any(|(m, p, _, _)| m.eq_ignore_ascii_case(method) && same_route(path, p));
            if !covered {
                failures.push(format!("{method} {path} is not in the matrix"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    println!("authorization matrix: {n} cases passed");
}

/// `/api/residents/{id}` matches `/api/residents/abc`.
fn same_route(template: &str, path: &str) -> bool {
    let path = path.split('?').next().unwrap_or(path);
    let (t, p): (Vec<_>, Vec<_>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len() && t.iter().zip(&p).all(|(a, b)| a.starts_with('{') || a == b)
}

fn ids(list: &Value) -> Vec<String> {
    let mut v: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

both!(residents_follow_assignments_and_districts, residents_scope);
async fn residents_scope(db: TestDb) {
    let s = TestServer::start(db).await;
    let r = |k: &str| s.fx.resident(k).to_string();
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let mut comm_a = s.login("comm-a").await;
    let mut lead_a = s.login("lead-a").await;
    let mut lead_b = s.login("lead-b").await;
    let (_, list) = comm_a.get("/api/residents").await;
    assert_eq!(
        ids(&list),
        vec![r("rA1")],
        "a commissioner sees only assigned residents"
    );
    assert_eq!(list[0]["name"], "試験 花子");
    assert_eq!(
        ids(&lead_a.get("/api/residents").await.1),
        sorted(vec![r("rA1"), r("rA2")])
    );
    assert_eq!(ids(&lead_b.get("/api/residents").await.1), vec![r("rB1")]);

    // Hand-over: the assignment ended yesterday, so today the resident is gone from the tablet.
    let yesterday =
        mimamori::domain::Date::today_jst(mimamori::db::now_ms() - 86_400_000).to_string();
    let mut admin = s.login("admin").await;
    let (st, body) = admin
        .post(
            &format!("/api/admin/assignments/{}/end", s.fx.assignment_a1),
            &json!({"ends_on": yesterday}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(
        ids(&comm_a.get("/api/residents").await.1),
        Vec::<String>::new()
    );
    assert_eq!(
        comm_a.get(&format!("/api/residents/{}", r("rA1"))).await.0,
        StatusCode::NOT_FOUND
    );
    // The lead still sees the resident: the history stays with the district.
    assert_eq!(
        lead_a.get(&format!("/api/residents/{}", r("rA1"))).await.0,
        StatusCode::OK
    );
}

/// The app's response types are generated from `web/openapi.json` (`npm run api-types` in web/):
/// that file is the server's description as it is, so the app cannot drift from the server
/// unseen. After changing a route or a response, write it with `MIMAMORI_BLESS=1 cargo test
/// --test main -- access::the_apps_copy`, then run `npm run api-types` in web/.
#[test]
fn the_apps_copy_of_the_api_description_is_current() {
    use utoipa::OpenApi;
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web/openapi.json");
    let now = serde_json::to_string_pretty(&mimamori::api::ApiDoc::openapi()).unwrap() + "\n";
    if std::env::var_os("MIMAMORI_BLESS").is_some() {
        std::fs::write(&file, &now).unwrap();
        return;
    }
    let copy = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        copy == now,
        "web/openapi.json is not the server's API description: write it with \
         MIMAMORI_BLESS=1 cargo test --test main -- access::the_apps_copy, then run \
         `npm run api-types` in web/ and commit both"
    );
}
