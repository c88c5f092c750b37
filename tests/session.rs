//! Login, sessions, devices and throttling, as a user meets them.

use awc::http::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::support::{Client, PASSWORD, TestDb, TestServer, code};

both!(login_sets_a_strict_cookie_and_logout_ends_it, login_logout);
async fn login_logout(db: TestDb) {
    let s = TestServer::start(db).await;
    let mut c = s.client();
    let r = c
        .request(
            "POST",
            "/api/session",
            Some("application/json"),
            Some(serde_json::to_vec(&json!({"login": "Lead-A", "password": PASSWORD})).unwrap()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["role"], "district_lead");
    assert_eq!(r.body["district"]["name"], "神楽岡");
    let set_cookie = r
        .headers
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    assert!(
        !set_cookie.contains("Secure"),
        "plain http origin: no Secure flag: {set_cookie}"
    );

    let (st, me) = c.get("/api/me").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(me["login"], "lead-a");

    let (st, _) = c.delete("/api/session").await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    assert!(
        !c.cookies.contains_key("mimamori_session"),
        "logout clears the session cookie"
    );
    // The known-browser cookie stays: it opens nothing, it only keeps this browser's own count of
    // failed logins (see an_attacker_cannot_lock_a_lead_out_of_their_own_browser).
    assert!(c.cookies.contains_key("mimamori_browser"));

    // The old token is dead even if a copy of it is replayed.
    let (st, body) = c
        .post(
            "/api/session",
            &json!({"login": "lead-a", "password": "wrong password!"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&body), "bad_credentials");
    let (st, body) = c.get("/api/me").await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&body), "unauthorized");
}

both!(a_replayed_token_after_logout_is_refused, replayed_token);
async fn replayed_token(db: TestDb) {
    let s = TestServer::start(db).await;
    let mut c = s.login("staff").await;
    let stolen = c.cookies.clone();
    c.delete("/api/session").await;
    let mut thief = s.client();
    thief.cookies = stolen;
    let (st, _) = thief.get("/api/me").await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
}

both!(commissioners_log_in_only_on_an_enrolled_tablet, enrolment);
async fn enrolment(db: TestDb) {
    let s = TestServer::start(db).await;
    let mut c = s.client();
    let (st, body) = c
        .post(
            "/api/session",
            &json!({"login": "comm-a", "password": PASSWORD}),
        )
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&body), "device_required");
    // The same answer for a wrong password: it must not tell a guesser the password was right.
    let (st, body) = c
        .post(
            "/api/session",
            &json!({"login": "comm-a", "password": "not the password"}),
        )
        .await;
    assert_eq!(
        (st, code(&body)),
        (StatusCode::UNAUTHORIZED, "device_required")
    );

    // The code is typed by hand: lower case and spaces are fine.
    let typed = s.fx.codes["comm-a"].to_lowercase().replace('-', " ");
    let (st, body) = c.post("/api/devices/enrol", &json!({"code": typed})).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let device_id = body["device_id"].as_str().unwrap().to_string();
    let (st, me) = c
        .post(
            "/api/session",
            &json!({"login": "comm-a", "password": PASSWORD}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(me["device_id"], device_id.as_str());

    // A code works once.
    let mut other = s.client();
    let (st, body) = other
        .post("/api/devices/enrol", &json!({"code": s.fx.codes["comm-a"]}))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["field"], "code");

    // The admin revokes the tablet: refused at once, and it cannot log in again.
    let mut admin = s.login("admin").await;
    let (st, body) = admin
        .post(
            &format!("/api/admin/devices/{device_id}/revoke"),
            &json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["state"], "revoked");
    let (st, body) = c.get("/api/residents").await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&body), "device_revoked");
    let (st, body) = c
        .post(
            "/api/session",
            &json!({"login": "comm-a", "password": PASSWORD}),
        )
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&body), "device_revoked");
    // Even with no session at all (logged out, expired), the device cookie alone hears it — and
    // the lock events it reports still reach the audit log.
    c.cookies.remove(mimamori::auth::SESSION_COOKIE);
    let (st, body) = c
        .post(
            "/api/devices/events",
            &json!({"events": [{"event": "erase", "reason": "wrong_pins", "at": 1}]}),
        )
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&body), "device_revoked");
    let (st, body) = c
        .post(
            "/api/devices/events",
            &json!({"events": [{"event": "erase", "reason": "bored", "at": 1}]}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["field"], "events");

    let (_, audit) = admin.get("/api/admin/audit").await;
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "device.enrol",
        "device.revoke",
        "session.login",
        "device.erase",
    ] {
        assert!(actions.contains(&a), "audit has {a}: {actions:?}");
    }
}

both!(an_admin_ends_all_sessions_of_a_user, revoke_sessions);
async fn revoke_sessions(db: TestDb) {
    let s = TestServer::start(db).await;
    let mut lead1 = s.login("lead-a").await;
    let mut lead2 = s.login("lead-a").await;
    let mut admin = s.login("admin").await;
    let (st, body) = admin
        .post(
            &format!("/api/admin/users/{}/revoke-sessions", s.fx.user("lead-a")),
            &json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(body["sessions"], 2);
    assert_eq!(lead1.get("/api/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(lead2.get("/api/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        admin.get("/api/me").await.0,
        StatusCode::OK,
        "others keep their sessions"
    );
}

// A leaked password can be stopped (issue 18): an admin's reset gives a temporary password shown
// once and ends every session; the user must choose their own, which ends their other sessions;
// disabling ends sessions and open sync sockets at once and refuses the right password; enabling
// restores the account. Every step is audited without any password in it.
// A role or district changed on purpose (issue 22: the roster import refuses to): a lead moved to
// another district sees that district at once, with the session they have; a commissioner who
// becomes the district's 会長 opens the lead's screens without logging in again; nobody leaves the
// field with residents still assigned, an administrator cannot drop their own role, a field role
// needs a district. Each change is one audit entry of ids and roles.
both!(a_role_or_district_changes_at_once, role_change);
async fn role_change(db: TestDb) {
    let s = TestServer::start(db).await;
    let mut admin = s.login("admin").await;
    let mut lead_b = s.login("lead-b").await;
    let mut comm_a2 = s.login("comm-a2").await;
    let ra1 = s.fx.resident("rA1").to_string();
    let document = format!("/api/residents/{ra1}/document");
    let change = |who: &str, role: &str, district: Option<&str>| {
        (
            format!("/api/admin/users/{}/role", s.fx.user(who)),
            match district {
                Some(d) => json!({ "role": role, "district_id": d }),
                None => json!({ "role": role }),
            },
        )
    };

    assert_eq!(lead_b.get(&document).await.0, StatusCode::NOT_FOUND);
    let (path, body) = change("lead-b", "district_lead", Some(&s.fx.district_a));
    let (st, out) = admin.post(&path, &body).await;
    assert_eq!(st, StatusCode::OK, "{out}");
    assert_eq!(out["district_id"], s.fx.district_a.as_str());
    assert_eq!(
        lead_b.get(&document).await.0,
        StatusCode::OK,
        "the moved lead sees the new district with the same session"
    );

    // A commissioner with residents assigned stays their district's commissioner until they are
    // handed over: not 会長, not in another district, not city staff (access follows the
    // assignment: they would be watched from outside the district, or by nobody).
    for (role, district) in [
        ("district_lead", Some(s.fx.district_a.as_str())),
        ("commissioner", Some(s.fx.district_b.as_str())),
        ("city_staff", None),
    ] {
        let (path, body) = change("comm-a2", role, district);
        let (st, out) = admin.post(&path, &body).await;
        assert_eq!(st, StatusCode::CONFLICT, "{role}: {out}");
        assert!(
            out["error"]["message"]
                .as_str()
                .unwrap()
                .contains("担当の方が1人"),
            "{out}"
        );
    }
    // Handed over (from today, to comm-a), comm-a2 becomes 会長 and opens the lead's screens on
    // the tablet already logged in.
    let today = mimamori::domain::Date::today_jst(mimamori::db::now_ms()).to_string();
    let (st, done) = admin
        .post(
            "/api/admin/handover",
            &json!({"on": today, "moves": [{"from": s.fx.user("comm-a2"), "to": s.fx.user("comm-a")}]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{done}");
    assert_eq!(
        comm_a2.get("/api/review/alerts").await.0,
        StatusCode::FORBIDDEN
    );
    let (path, body) = change("comm-a2", "district_lead", Some(&s.fx.district_a));
    let (st, out) = admin.post(&path, &body).await;
    assert_eq!(st, StatusCode::OK, "{out}");
    assert_eq!(
        comm_a2.get("/api/review/alerts").await.0,
        StatusCode::OK,
        "会長 now, on the tablet already logged in"
    );
    // Made a commissioner again: the tablet's session stays, a browser session without an
    // enrolled tablet ends (a commissioner's records live only on tablets that can be wiped).
    let mut browser = s.client();
    let (st, _) = browser
        .post(
            "/api/session",
            &json!({"login": "comm-a2", "password": PASSWORD}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "a lead logs in from a browser");
    let (path, body) = change("comm-a2", "commissioner", Some(&s.fx.district_a));
    let (st, out) = admin.post(&path, &body).await;
    assert_eq!(st, StatusCode::OK, "{out}");
    assert_eq!(browser.get("/api/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(comm_a2.get("/api/me").await.0, StatusCode::OK);

    // Other refusals: each says why, and nothing changes.
    let (path, body) = change("admin", "city_staff", None);
    let (st, out) = admin.post(&path, &body).await;
    assert_eq!(st, StatusCode::CONFLICT, "{out}");
    let (path, body) = change("comm-a", "commissioner", None);
    let (st, out) = admin.post(&path, &body).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{out}");
    assert_eq!(out["error"]["field"], "district_id", "{out}");
    let mut staff = s.login("staff").await;
    let (path, body) = change("lead-a", "commissioner", Some(&s.fx.district_a));
    assert_eq!(staff.post(&path, &body).await.0, StatusCode::FORBIDDEN);

    let (st, audit) = admin.get("/api/admin/audit?action=user.change_role").await;
    assert_eq!(st, StatusCode::OK, "{audit}");
    let entries = audit.as_array().unwrap();
    assert_eq!(entries.len(), 3, "{audit}");
    let text = audit.to_string();
    assert!(!text.contains("試験"), "ids and roles only: {text}");
}

both!(a_leaked_password_can_be_stopped, leaked_password);
async fn leaked_password(db: TestDb) {
    let s = TestServer::start(db).await;
    let lead = s.fx.user("lead-a").to_string();
    let mut thief = s.login("lead-a").await;
    let mut admin = s.login("admin").await;
    let log_in = |password: &str| {
        let mut c = s.client();
        let body = json!({ "login": "lead-a", "password": password });
        async move {
            let (st, me) = c.post("/api/session", &body).await;
            (st, me, c)
        }
    };

    // Reset: the temporary password is shown once; the leaked one and its session stop working.
    let (st, reset) = admin
        .post(
            &format!("/api/admin/users/{lead}/password-reset"),
            &json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{reset}");
    assert_eq!(reset["sessions"], 1);
    let temporary = reset["temporary_password"].as_str().unwrap().to_string();
    assert_eq!(temporary.len(), 19, "four groups of four digits");
    assert_eq!(thief.get("/api/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(log_in(PASSWORD).await.0, StatusCode::UNAUTHORIZED);
    let (st, me, mut owner) = log_in(&temporary).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        me["must_change_password"], true,
        "the app asks for a new one"
    );
    let (_, _, mut other) = log_in(&temporary).await;

    // The owner's own change: a wrong current password is a field error; the right one ends the
    // other session and keeps this one.
    let change =
        |current: &str, new: &str| json!({ "current_password": current, "new_password": new });
    let (st, body) = owner
        .post(
            "/api/me/password",
            &change("0000-0000-0000-0000", "my own new password"),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["field"], "current_password", "{body}");
    let (st, body) = owner
        .post("/api/me/password", &change(&temporary, "short"))
        .await;
    assert_eq!(body["error"]["field"], "new_password", "{st} {body}");
    let (st, _) = owner
        .post(
            "/api/me/password",
            &change(&temporary, "my own new password"),
        )
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    assert_eq!(other.get("/api/me").await.0, StatusCode::UNAUTHORIZED);
    let (st, me) = owner.get("/api/me").await;
    assert_eq!(
        (st, &me["must_change_password"]),
        (StatusCode::OK, &json!(false))
    );
    assert_eq!(log_in(&temporary).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(log_in("my own new password").await.0, StatusCode::OK);

    // Disable: sessions end, the right password is refused, an open sync socket closes at once.
    let comm = s.login("comm-a").await;
    let mut socket = crate::support::peers::RawPeer::joined(&s, &comm, "peer-disabled").await;
    for login in ["lead-a", "comm-a"] {
        let (st, body) = admin
            .post(
                &format!("/api/admin/users/{}/disable", s.fx.user(login)),
                &json!({}),
            )
            .await;
        assert_eq!(
            (st, &body["disabled"]),
            (StatusCode::OK, &json!(true)),
            "{body}"
        );
    }
    assert!(
        matches!(
            socket.recv(std::time::Duration::from_secs(3)).await,
            crate::support::peers::Got::Closed(_)
        ),
        "the disabled commissioner's sync socket is closed"
    );
    assert_eq!(owner.get("/api/me").await.0, StatusCode::UNAUTHORIZED);
    let (st, body, _) = log_in("my own new password").await;
    assert_eq!(
        (st, code(&body)),
        (StatusCode::UNAUTHORIZED, "bad_credentials")
    );

    // An admin cannot lock the city out: not themselves, not the last admin.
    let (st, _) = admin
        .post(
            &format!("/api/admin/users/{}/disable", s.fx.user("admin")),
            &json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    // Other roles cannot reset or disable anyone.
    let mut staff = s.login("staff").await;
    for action in ["password-reset", "disable", "enable"] {
        let (st, _) = staff
            .post(&format!("/api/admin/users/{lead}/{action}"), &json!({}))
            .await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{action}");
    }

    // Enable: the same password works again.
    let (st, _) = admin
        .post(&format!("/api/admin/users/{lead}/enable"), &json!({}))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(log_in("my own new password").await.0, StatusCode::OK);

    let (_, audit) = admin.get("/api/admin/audit").await;
    let text = audit.to_string();
    for action in [
        "user.password_reset",
        "user.password_change",
        "user.disable",
        "user.enable",
    ] {
        assert!(text.contains(action), "audit has {action}");
    }
    for secret in [temporary.as_str(), "my own new password"] {
        assert!(!text.contains(secret), "no password in the audit log");
    }
}

// Leads, staff and the admin have no tablet: before, ten wrong passwords from anywhere locked them
// out, and fifty from one address (a city's proxy) locked out everyone. A browser where the account
// logged in before is known to it (a signed cookie) and keeps its own count, so an attacker
// guessing at the same time — same address included — locks out only unknown browsers.
/// One login attempt; its status.
async fn attempt(c: &mut Client, login: &str, password: &str) -> StatusCode {
    let body = json!({ "login": login, "password": password });
    c.post("/api/session", &body).await.0
}

both!(
    an_attacker_cannot_lock_a_lead_out_of_their_own_browser,
    known_browser
);
async fn known_browser(db: TestDb) {
    let s = TestServer::start(db).await;
    let mut office_pc = s.login("lead-a").await;
    assert!(
        office_pc.cookies.contains_key("mimamori_browser"),
        "the lead's browser is remembered at login"
    );
    // A forged cookie is no better than none.
    let mut forger = s.client();
    forger
        .cookies
        .insert("mimamori_browser".into(), "bm9uY2U.bm90LWEtbWFj".into());

    let mut attacker = s.client();
    for i in 0..10 {
        let st = attempt(&mut attacker, "lead-a", &format!("guess {i}")).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
    }
    // Password spraying from the same address as the lead (one proxy in front of the city).
    for i in 0..45 {
        attempt(&mut attacker, &format!("nobody-{i}"), "wrong password").await;
    }
    assert_eq!(
        attempt(&mut attacker, "lead-a", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        attempt(&mut forger, "lead-a", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "a made-up browser cookie counts as unknown"
    );
    assert_eq!(
        attempt(&mut s.client(), "staff", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "past the address limit, unknown browsers wait"
    );
    // The lead at their own PC logs in, during the attack, from the same address.
    assert_eq!(
        attempt(&mut office_pc, "lead-a", PASSWORD).await,
        StatusCode::OK
    );
    // The cookie is bound to the account: it does not unlock another one.
    assert_eq!(
        attempt(&mut office_pc, "staff", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

both!(
    guessing_is_throttled_but_the_owner_keeps_their_tablet,
    throttling
);
async fn throttling(db: TestDb) {
    let s = TestServer::start(db).await;
    // The commissioner's own tablet, enrolled before the attack.
    let mut tablet = s.client();
    let (st, _) = tablet
        .post("/api/devices/enrol", &json!({"code": s.fx.codes["comm-a"]}))
        .await;
    assert_eq!(st, StatusCode::OK);

    let mut attacker = s.client();
    for i in 0..10 {
        let (st, _) = attacker
            .post(
                "/api/session",
                &json!({"login": "comm-a", "password": format!("guess number {i}")}),
            )
            .await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
    }
    let r = attacker
        .request(
            "POST",
            "/api/session",
            Some("application/json"),
            Some(serde_json::to_vec(&json!({"login": "comm-a", "password": PASSWORD})).unwrap()),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "11th try is refused even with the right password"
    );
    let retry: u64 = r
        .headers
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 15 * 60, "retry-after {retry}");

    // The real commissioner on the enrolled tablet is not locked out.
    let (st, body) = tablet
        .post(
            "/api/session",
            &json!({"login": "comm-a", "password": PASSWORD}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
}

both!(
    parallel_guesses_get_no_more_tries_than_one_at_a_time,
    parallel_guessing
);
async fn parallel_guessing(db: TestDb) {
    let s = TestServer::start(db).await;
    // 40 guesses at once from unknown browsers (the shared bucket): only 10 get a password check.
    let guesses = (0..40).map(|i| {
        let mut attacker = s.client();
        async move {
            attacker
                .post(
                    "/api/session",
                    &json!({"login": "lead-a", "password": format!("parallel guess {i}")}),
                )
                .await
                .0
        }
    });
    let answers = futures_util::future::join_all(guesses).await;
    let checked = answers
        .iter()
        .filter(|st| **st == StatusCode::UNAUTHORIZED)
        .count();
    let refused = answers
        .iter()
        .filter(|st| **st == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((checked, refused), (10, 30), "{answers:?}");
    // The right password now waits for the window too; a success is no failure.
    assert_eq!(
        s.client()
            .post(
                "/api/session",
                &json!({"login": "lead-a", "password": PASSWORD})
            )
            .await
            .0,
        StatusCode::TOO_MANY_REQUESTS
    );
    let mut lead_b = s.client();
    for _ in 0..12 {
        let (st, body) = lead_b
            .post(
                "/api/session",
                &json!({"login": "lead-b", "password": PASSWORD}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{body}");
    }
}

both!(
    a_revoked_tablet_is_told_to_wipe_and_confirms_it,
    remote_wipe
);
async fn remote_wipe(db: TestDb) {
    let s = TestServer::start(db).await;
    let mut tablet = s.login("comm-a").await;
    // Check-in: the key share, kept out of caches, the same each time; the version is recorded.
    let r = tablet
        .request("GET", "/api/devices/key-share", None, None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers.get("cache-control").unwrap(), "no-store");
    let share = r.body["key_share"].as_str().unwrap().to_string();
    assert_eq!(share.len(), 43, "256 bits, base64url");
    assert_eq!(r.body["offline_expiry_days"], 14);
    assert_eq!(
        tablet.get("/api/devices/key-share").await.1["key_share"],
        share.as_str()
    );
    // Another tablet has another share.
    let other = s.login("comm-b").await;
    let mut other = other;
    assert_ne!(
        other.get("/api/devices/key-share").await.1["key_share"],
        share.as_str()
    );
    // A PC session (no device) gets none.
    let mut lead = s.login("lead-a").await;
    assert_eq!(
        code(&lead.get("/api/devices/key-share").await.1),
        "device_required"
    );

    // Revoked: the next contact says so (the signal to erase), the share is no longer handed out.
    let device = r.body["device_id"].as_str().unwrap().to_string();
    let mut admin = s.login("admin").await;
    admin
        .post(&format!("/api/admin/devices/{device}/revoke"), &json!({}))
        .await;
    let (st, body) = tablet.get("/api/devices/key-share").await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&body), "device_revoked");
    // A revoked device writes nothing more to the audit log (before: every request recorded up to
    // 100 made-up events, then refused).
    let audit_len = |audit: &serde_json::Value| audit.as_array().unwrap().len();
    let before = audit_len(&admin.get("/api/admin/audit").await.1);
    let forged: Vec<_> = (0..100)
        .map(|i| json!({"event": "unlock", "at": 1_000_000_000_000_i64 + i}))
        .collect();
    for _ in 0..3 {
        let (st, body) = tablet
            .post("/api/devices/events", &json!({ "events": forged }))
            .await;
        assert_eq!(
            (st, code(&body)),
            (StatusCode::UNAUTHORIZED, "device_revoked")
        );
    }
    assert_eq!(audit_len(&admin.get("/api/admin/audit").await.1), before);
    // The tablet confirms the erase; the admin sees it and the audit log has it.
    let (st, _) = tablet.post("/api/devices/wiped", &json!({})).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    assert!(tablet.cookies.is_empty(), "its cookies are cleared");
    let (_, devices) = admin.get("/api/admin/devices").await;
    let d = devices
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == device.as_str())
        .unwrap()
        .clone();
    assert_eq!(d["state"], "wiped");
    assert!(d["wiped_at"].as_i64().is_some());
    let (_, audit) = admin.get("/api/admin/audit").await;
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "device.wiped" && e["target_id"] == device.as_str())
    );
}

/// A JSON body that trickles in (one byte, then nothing) is cut off after the body deadline with a
/// clear 400, and the connection is closed: before, it was held for ever, and 20,000 of them held
/// every file descriptor (issue 18).
#[actix_web::test]
async fn a_body_that_never_finishes_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = crate::support::TestServer::start(crate::support::TestDb::sqlite()).await;
    let addr = s.origin.trim_start_matches("http://").to_string();
    let mut sock = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /api/session HTTP/1.1\r\nHost: {addr}\r\nOrigin: {}\r\n\
         Content-Type: application/json\r\nContent-Length: 60000\r\n\r\n{{",
        s.origin
    );
    sock.write_all(head.as_bytes()).await.unwrap();
    let started = std::time::Instant::now();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        mimamori::api::json::BODY_DEADLINE + std::time::Duration::from_secs(10),
        sock.read_to_end(&mut answer),
    )
    .await;
    assert!(
        read.is_ok(),
        "the server answered and closed the connection"
    );
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("body_timeout"), "{answer}");
    assert!(
        started.elapsed() >= mimamori::api::json::BODY_DEADLINE - std::time::Duration::from_secs(1)
    );
}

// The oldest app the server accepts (issue 23 item 1): the app learns it from /api/me; a tablet
// whose app is older is told at its check-in to update (its records still accepted), and the
// office's タブレットの管理 marks it 「更新が必要」; the current app is not.
both!(
    an_old_app_is_asked_to_update_and_the_office_sees_it,
    app_versions
);
async fn app_versions(db: TestDb) {
    let s = TestServer::start(db).await;
    let mut tablet = s.login("comm-a").await;
    let (_, me) = tablet.get("/api/me").await;
    assert_eq!(me["min_app_version"], mimamori::version::MIN_APP_VERSION);
    tablet.app_version = Some(format!("{}+v0-1-gabc", mimamori::version::VERSION));
    let (st, k) = tablet.get("/api/devices/key-share").await;
    assert_eq!(st, StatusCode::OK, "{k}");
    assert_eq!(k["update_required"], false, "this build's own app");
    let mut admin = s.login("admin").await;
    let device = |list: &Value| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == s.fx.devices["comm-a"].as_str())
            .cloned()
            .unwrap()
    };
    let (_, list) = admin.get("/api/admin/devices").await;
    assert_eq!(device(&list)["update_required"], false);
    tablet.app_version = Some("0.0.9".into());
    let (_, k) = tablet.get("/api/devices/key-share").await;
    assert_eq!(k["update_required"], true, "an older app: {k}");
    assert!(k["key_share"].as_str().is_some(), "still opens its store");
    let (_, list) = admin.get("/api/admin/devices").await;
    assert_eq!(device(&list)["update_required"], true);
    assert_eq!(device(&list)["app_version"], "0.0.9");
}
