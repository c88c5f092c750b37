//! 災害モード's 安否 as the server counts them (issue 23; docs/design/disaster-and-schema-v2.md §3.3,
//! §3.5, §3.6): records resolve to their disaster (one made before the declaration reached anyone is
//! taken in by it), each resident's latest is the latest by the record's own time whatever order
//! they arrive in, only authors' own records count and none is edited; the lead's roll-up shows
//! each commissioner's own status and residents, with take-over; the office's counts and CSV match.

use awc::http::StatusCode;
use mimamori::db::disasters::{self as store, SafetyIn};
use serde_json::{Value, json};

use crate::both;
use crate::support::{TestDb, TestServer};

/// A time `ago_ms` before now, as a tablet writes it (Japan time with offset).
fn jst_ago(ago_ms: i64) -> String {
    let ms = mimamori::db::now_ms() - ago_ms;
    let jst = ms / 1000 + 9 * 3600;
    let day = mimamori::domain::Date::from_epoch_days(jst.div_euclid(86_400));
    let s = jst.rem_euclid(86_400);
    format!(
        "{day}T{:02}:{:02}:{:02}+09:00",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

fn safety(id: &str, disaster: &str, status: &str, at: String, author: &str) -> SafetyIn {
    SafetyIn {
        id: id.into(),
        disaster_id: disaster.into(),
        status: status.into(),
        at,
        author_id: author.into(),
    }
}

const MIN: i64 = 60_000;

both!(safety_records_resolve_count_and_roll_up, safety_roll_up);
async fn safety_roll_up(db: TestDb) {
    let s = TestServer::start(db).await;
    let (a1, a2) = (
        s.fx.resident("rA1").to_string(),
        s.fx.resident("rA2").to_string(),
    );
    let (comm_a, comm_a2) = (
        s.fx.user("comm-a").to_string(),
        s.fx.user("comm-a2").to_string(),
    );
    let apply = |resident: &str, rows: Vec<SafetyIn>, by: &str| {
        let (resident, by) = (resident.to_string(), by.to_string());
        s.db.write_blocking(move |conn| {
            Ok(store::apply_safety(
                conn,
                &resident,
                &rows,
                (&by, None),
                mimamori::db::now_ms(),
            )?)
        })
        .unwrap()
    };

    // comm-a2 records rA2 safe before any declaration reached the tablet: kept, no disaster yet;
    // and their own status, 無事, as well. lead-a's year-old 支援が必要 with no disaster is not
    // today's: the declaration must not take it (the counts below would say 2 支援が必要).
    let (problems, _) = apply(
        &a2,
        vec![safety("s-early", "", "safe", jst_ago(30 * MIN), &comm_a2)],
        &comm_a2,
    );
    assert_eq!(problems, vec![]);
    let comm = comm_a2.clone();
    s.db.write_blocking(move |conn| {
        Ok(store::apply_self_safety(
            conn,
            &comm,
            &[safety("self-early", "", "safe", jst_ago(25 * MIN), &comm)],
            mimamori::db::now_ms(),
        )?)
    })
    .unwrap();
    let lead = s.fx.user("lead-a").to_string();
    s.db.write_blocking(move |conn| {
        Ok(store::apply_self_safety(
            conn,
            &lead,
            &[safety(
                "self-last-year",
                "",
                "needs_help",
                jst_ago(365 * 24 * 60 * MIN),
                &lead,
            )],
            mimamori::db::now_ms(),
        )?)
    })
    .unwrap();

    let mut staff = s.login("staff").await;
    let occurred = mimamori::db::now_ms() - 40 * MIN;
    let (st, d) = staff
        .post(
            "/api/staff/disasters",
            &json!({"kind": "blizzard", "districts": [s.fx.district_a], "occurred_at": occurred}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{d}");
    let id = d["id"].as_str().unwrap().to_string();

    // comm-a: rA1 支援が必要 (newer) arrives before 無事 (older): the latest stays 支援が必要.
    let (problems, needs_help) = apply(
        &a1,
        vec![safety(
            "s-late",
            &id,
            "needs_help",
            jst_ago(5 * MIN),
            &comm_a,
        )],
        &comm_a,
    );
    assert_eq!((problems, needs_help), (vec![], vec![id.clone()]));
    let (problems, _) = apply(
        &a1,
        vec![safety("s-older", "", "safe", jst_ago(20 * MIN), &comm_a)],
        &comm_a,
    );
    assert_eq!(problems, vec![]);
    // Synced again: nothing new, no problem.
    let (problems, needs_help) = apply(
        &a1,
        vec![safety(
            "s-late",
            &id,
            "needs_help",
            jst_ago(5 * MIN),
            &comm_a,
        )],
        &comm_a,
    );
    assert_eq!((problems, needs_help), (vec![], vec![]));
    // Delivered in someone else's name, or an edit of a stored record: not counted.
    let (problems, _) = apply(
        &a1,
        vec![safety("s-forged", &id, "safe", jst_ago(MIN), &comm_a)],
        &comm_a2,
    );
    assert_eq!(problems[0].0, "s-forged");
    let (problems, _) = apply(
        &a1,
        vec![safety("s-late", &id, "safe", jst_ago(5 * MIN), &comm_a)],
        &comm_a,
    );
    assert_eq!(
        problems,
        vec![(
            "s-late".to_string(),
            "edit: records are not edited, not counted"
        )]
    );
    // comm-a's own status: 支援が必要.
    let (comm, day) = (comm_a.clone(), id.clone());
    s.db.write_blocking(move |conn| {
        Ok(store::apply_self_safety(
            conn,
            &comm,
            &[safety(
                "self-1",
                &day,
                "needs_help",
                jst_ago(2 * MIN),
                &comm,
            )],
            mimamori::db::now_ms(),
        )?)
    })
    .unwrap();
    // The leads' push about 支援が必要 at most once per 5 minutes per district.
    let (day, district) = (id.clone(), s.fx.district_a.clone());
    let claims =
        s.db.write_blocking(move |conn| {
            let now = mimamori::db::now_ms();
            Ok((
                store::claim_lead_push(conn, &day, &district, now)?,
                store::claim_lead_push(conn, &day, &district, now + 1000)?,
            ))
        })
        .unwrap();
    assert_eq!(claims, (true, false));

    // The lead's roll-up.
    let mut lead = s.login("lead-a").await;
    let (st, r) = lead.get(&format!("/api/review/disasters/{id}")).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let of = |who: &str| -> Value {
        r["commissioners"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == who)
            .cloned()
            .unwrap()
    };
    let a = of(&comm_a);
    assert_eq!(a["self_status"], "needs_help");
    assert_eq!(a["residents"][0]["resident_id"], a1.as_str());
    assert_eq!(
        a["residents"][0]["status"], "needs_help",
        "the latest by time: {a}"
    );
    let a2v = of(&comm_a2);
    assert_eq!(
        a2v["residents"][0]["status"], "safe",
        "the early record was taken in: {a2v}"
    );
    assert_eq!(
        a2v["self_status"], "safe",
        "the own status made before the declaration was taken in: {a2v}"
    );
    assert_eq!(r["counts"]["needs_help"], 1);
    assert_eq!(r["counts"]["safe"], 1);
    assert_eq!(r["counts"]["self_needs_help"], 1);

    // 代わりに確認する: comm-a2's residents, then released.
    let (st, _) = lead
        .post(
            &format!("/api/review/disasters/{id}/takeovers"),
            &json!({"commissioner_id": comm_a2}),
        )
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (_, r) = lead.get(&format!("/api/review/disasters/{id}")).await;
    let lead_id = s.fx.user("lead-a").to_string();
    assert_eq!(
        r["commissioners"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == comm_a2.as_str())
            .unwrap()["taken_over_by"],
        lead_id.as_str()
    );
    assert_eq!(r["counts"]["taken_over"], 1);
    let (st, _) = lead
        .post(
            &format!("/api/review/disasters/{id}/takeovers"),
            &json!({"commissioner_id": s.fx.user("comm-b")}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "not the lead's district");
    let r = lead
        .request(
            "DELETE",
            &format!("/api/review/disasters/{id}/takeovers/{comm_a2}"),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    // Another district's lead, a commissioner: not theirs.
    let mut lead_b = s.login("lead-b").await;
    let (st, _) = lead_b.get(&format!("/api/review/disasters/{id}")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let mut commissioner = s.login("comm-a").await;
    let (st, _) = commissioner
        .get(&format!("/api/review/disasters/{id}"))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // The office's counts, and the same as CSV (a 合計 row, no names).
    let (st, c) = staff
        .get(&format!("/api/staff/disasters/{id}/counts"))
        .await;
    assert_eq!(st, StatusCode::OK, "{c}");
    let district_a = &c["districts"][0];
    assert_eq!(district_a["district_id"], s.fx.district_a.as_str());
    let residents = district_a["residents"].as_u64().unwrap();
    assert_eq!(district_a["reported"], 2);
    assert_eq!(district_a["not_reported"].as_u64().unwrap(), residents - 2);
    assert_eq!(c["total"]["needs_help"], 1);
    let r = staff
        .request(
            "GET",
            &format!("/api/staff/disasters/{id}/counts.csv"),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let csv = r
        .body
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| r.body.to_string());
    assert!(
        csv.starts_with('\u{feff}') || csv.contains("地区,対象者"),
        "{csv}"
    );
    assert!(
        csv.contains(&format!("神楽岡,{residents},2,1,0,1,0,{}", residents - 2)),
        "{csv}"
    );
    assert!(csv.contains("合計,"), "{csv}");
    assert!(!csv.contains("試験"), "no resident's name: {csv}");
}

// The same through the sync path, with the real automerge-repo client writing as the app does: a
// 安否 record during a declared disaster reaches the lead's roll-up; one written in another
// commissioner's name is set aside as a data problem, not counted; the memo never leaves the
// document.
both!(
    a_safety_record_synced_from_a_tablet_reaches_the_roll_up,
    synced_safety
);
async fn synced_safety(db: TestDb) {
    use crate::support::peers::{plan, tablet};
    let s = TestServer::start(db).await;
    let mut staff = s.login("staff").await;
    let (st, d) = staff
        .post(
            "/api/staff/disasters",
            &json!({"kind": "blizzard", "districts": [s.fx.district_a]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{d}");
    let id = d["id"].as_str().unwrap().to_string();
    let mut comm = s.login("comm-a").await;
    let a1 = s.fx.resident("rA1").to_string();
    let url = format!("automerge:{}", crate::sync::doc_id(&mut comm, &a1).await);
    let record = |author: &str, status: &str| {
        json!({"disasterId": id, "disasterKind": "blizzard", "status": status,
               "memo": "灯油が切れそう（試験）", "at": jst_ago(MIN), "authorId": author})
    };
    let dir = tempfile::tempdir().unwrap();
    tablet(plan(
        &s,
        &comm,
        dir.path(),
        true,
        vec![
            json!({"op": "open", "doc": url}),
            json!({"op": "addSafety", "doc": url, "id": "s-1", "record": record(s.fx.user("comm-a"), "needs_help")}),
            json!({"op": "addSafety", "doc": url, "id": "s-forged", "record": record(s.fx.user("comm-a2"), "safe")}),
            json!({"op": "waitSynced", "doc": url, "timeoutMs": 15000}),
        ],
    ))
    .await
    .expect("the tablet records 安否");
    let mut lead = s.login("lead-a").await;
    let (st, r) = lead.get(&format!("/api/review/disasters/{id}")).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let mine = r["commissioners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == s.fx.user("comm-a"))
        .unwrap();
    assert_eq!(mine["residents"][0]["status"], "needs_help", "{r}");
    assert!(
        !r.to_string().contains("灯油"),
        "the memo stays in the document"
    );
    let problems = {
        let a1 = a1.clone();
        s.db.read(move |conn| Ok(mimamori::db::documents::problems_of(conn, &a1)?))
            .await
            .unwrap()
    };
    assert!(
        problems
            .iter()
            .any(|p| p.entry_kind == "safety" && p.entry_id == "s-forged"),
        "{problems:?}"
    );
}

// 個別避難計画 (issue 23 item 2): the roster marks who needs a plan (避難行動要支援者); a tablet writes
// a revision (through the real client) and a visit confirms it (「計画に変更なし」); a revision in
// another commissioner's name is set aside; the office's overview counts per district against the
// city's target of 500 — needed, made with consent, confirmed within a year, missing — and carries
// none of the plan's contents.
both!(a_plan_counts_as_its_author_wrote_it, plans);
async fn plans(db: TestDb) {
    use crate::support::peers::{plan, tablet};
    let s = TestServer::start(db).await;
    let mut staff = s.login("staff").await;
    let roster = "番号,氏名,ふりがな,住所,地区,避難行動要支援者\r\n\
        P-1,計画 一郎,けいかく いちろう,旭川市神楽岡1条1丁目,kaguraoka,○\r\n\
        P-2,計画 花子,けいかく はなこ,旭川市神楽岡2条2丁目,kaguraoka,×\r\n";
    let r = staff
        .request(
            "POST",
            "/api/admin/roster/residents?confirm=true",
            Some("text/csv"),
            Some(roster.as_bytes().to_vec()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let district_a = |o: &Value| -> Value {
        o["districts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["district_id"] == s.fx.district_a.as_str())
            .unwrap()["plans"]
            .clone()
    };
    let (_, o) = staff.get("/api/staff/overview").await;
    assert_eq!(o["plan_target"], 500);
    assert_eq!(
        district_a(&o),
        json!({"needed": 1, "plans": 0, "declined": 0, "unknown_consent": 0,
               "confirmed_within_year": 0, "missing": 1})
    );

    let mut comm = s.login("comm-a").await;
    let a1 = s.fx.resident("rA1").to_string();
    let url = format!("automerge:{}", crate::sync::doc_id(&mut comm, &a1).await);
    let revision = |author: &str| {
        json!({"consent": "agreed", "consentOn": "2026-12-01", "needs": ["wheelchair", "oxygen"],
               "helpers": [{"name": "近所 一郎", "relation": "neighbour", "phone": "0166-00-0000"}],
               "destination": {"kind": "welfare", "name": "神楽岡福祉センター"},
               "howToReach": "玄関の段差に注意（試験）", "medicalNote": "在宅酸素（試験）", "note": "",
               "at": jst_ago(10 * MIN), "basedOn": "", "authorId": author})
    };
    let visit = json!({"occurredAt": jst_ago(MIN), "kind": "visit", "outcome": "met",
        "checks": {}, "concern": "none", "activity": {"fields": [], "contents": []},
        "note": "", "followUp": false, "authorId": s.fx.user("comm-a"), "planConfirmed": "p-1"});
    let dir = tempfile::tempdir().unwrap();
    tablet(plan(
        &s,
        &comm,
        dir.path(),
        true,
        vec![
            json!({"op": "open", "doc": url}),
            json!({"op": "addPlan", "doc": url, "id": "p-1", "plan": revision(s.fx.user("comm-a"))}),
            json!({"op": "addPlan", "doc": url, "id": "p-forged", "plan": revision(s.fx.user("comm-a2"))}),
            json!({"op": "addContact", "doc": url, "id": "c-confirm", "contact": visit}),
            json!({"op": "waitSynced", "doc": url, "timeoutMs": 15000}),
        ],
    ))
    .await
    .expect("the tablet writes the plan");

    let (_, o) = staff.get("/api/staff/overview").await;
    assert_eq!(
        district_a(&o),
        json!({"needed": 2, "plans": 1, "declined": 0, "unknown_consent": 0,
               "confirmed_within_year": 1, "missing": 1}),
        "rA1 has a consented plan; P-1 needs one"
    );
    let text = o.to_string();
    for private in ["近所 一郎", "在宅酸素", "神楽岡福祉センター", "段差"] {
        assert!(!text.contains(private), "{private} stays in the document");
    }
    let problems = {
        let a1 = a1.clone();
        s.db.read(move |conn| Ok(mimamori::db::documents::problems_of(conn, &a1)?))
            .await
            .unwrap()
    };
    assert!(
        problems
            .iter()
            .any(|p| p.entry_kind == "plan" && p.entry_id == "p-forged"),
        "{problems:?}"
    );
    // The roster changes its mark when its file says so; a file without the column changes nothing.
    let again = "番号,氏名,ふりがな,住所,地区\r\n\
        P-1,計画 一郎,けいかく いちろう,旭川市神楽岡1条1丁目,kaguraoka\r\n\
        P-2,計画 花子,けいかく はなこ,旭川市神楽岡2条2丁目,kaguraoka\r\n";
    let r = staff
        .request(
            "POST",
            "/api/admin/roster/residents?confirm=true",
            Some("text/csv"),
            Some(again.as_bytes().to_vec()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let (_, o) = staff.get("/api/staff/overview").await;
    assert_eq!(district_a(&o)["needed"], 2);
}

// The paper fallback (issue 23 item 5): a district's lead prints the residents who need help to
// evacuate with their plans, read from the documents; outside a disaster only plans with consent,
// during one everyone who needs a plan; city staff only during one; never cached, every print
// audited (counts only).
both!(the_paper_list_follows_consent_and_the_disaster, paper_list);
async fn paper_list(db: TestDb) {
    use crate::support::peers::{plan, tablet};
    let s = TestServer::start(db).await;
    let mut staff = s.login("staff").await;
    let roster = "番号,氏名,ふりがな,住所,地区,避難行動要支援者\r\n\
        P-1,計画 一郎,けいかく いちろう,旭川市神楽岡1条1丁目,kaguraoka,○\r\n";
    let r = staff
        .request(
            "POST",
            "/api/admin/roster/residents?confirm=true",
            Some("text/csv"),
            Some(roster.as_bytes().to_vec()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut comm = s.login("comm-a").await;
    let mut comm2 = s.login("comm-a2").await;
    let revision = |consent: &str, me: &str| {
        json!({"consent": consent, "consentOn": "2026-12-01", "needs": ["bedridden"],
               "helpers": [{"name": "隣の 二郎（試験）", "relation": "neighbour", "phone": "0166-11-1111"}],
               "destination": {"kind": "designated", "name": "神楽岡小学校"}, "howToReach": "",
               "medicalNote": "", "note": "", "at": jst_ago(10 * MIN), "basedOn": "", "authorId": me})
    };
    for (key, consent, login) in [("rA1", "agreed", "comm-a"), ("rA2", "declined", "comm-a2")] {
        let rid = s.fx.resident(key).to_string();
        let c = if login == "comm-a" {
            &mut comm
        } else {
            &mut comm2
        };
        let url = format!("automerge:{}", crate::sync::doc_id(c, &rid).await);
        let dir = tempfile::tempdir().unwrap();
        tablet(plan(&s, c, dir.path(), true, vec![
            json!({"op": "open", "doc": url}),
            json!({"op": "addPlan", "doc": url, "id": format!("p-{key}"), "plan": revision(consent, s.fx.user(login))}),
            json!({"op": "waitSynced", "doc": url, "timeoutMs": 15000}),
        ]))
        .await
        .expect("the plan is written");
    }
    let path = format!("/api/evacuation/districts/{}", s.fx.district_a);
    let names = |v: &Value| -> Vec<String> {
        let mut n: Vec<String> = v["residents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_string())
            .collect();
        n.sort();
        n
    };
    let mut lead = s.login("lead-a").await;
    let r = lead.request("GET", &path, None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers.get("cache-control").unwrap(), "no-store");
    assert_eq!(r.body["during_disaster"], false);
    assert_eq!(
        names(&r.body).len(),
        1,
        "only the plan with consent: {}",
        r.body
    );
    let first = &r.body["residents"][0];
    assert_eq!(first["resident_id"], s.fx.resident("rA1"));
    assert_eq!(first["plan"]["helpers"][0]["phone"], "0166-11-1111");
    assert_eq!(first["plan"]["destination"]["name"], "神楽岡小学校");
    // Not another district's lead; city staff only during a disaster; no commissioner.
    let mut lead_b = s.login("lead-b").await;
    assert_eq!(lead_b.get(&path).await.0, StatusCode::NOT_FOUND);
    let (st, e) = staff.get(&path).await;
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("no_disaster"))
    );
    assert_eq!(comm.get(&path).await.0, StatusCode::FORBIDDEN);

    // A disaster: everyone who needs a plan, the declined one and the roster's without a plan too.
    let (st, _) = staff
        .post(
            "/api/staff/disasters",
            &json!({"kind": "earthquake", "districts": [s.fx.district_a]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, list) = lead.get(&path).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(list["during_disaster"], true);
    assert_eq!(names(&list).len(), 3, "{list}");
    let (st, list) = staff.get(&path).await;
    assert_eq!(st, StatusCode::OK, "{list}");
    let none = list["residents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "計画 一郎")
        .unwrap();
    assert_eq!(none["plan"], Value::Null, "needs a plan, has none");

    // Every print audited, counts only.
    let mut admin = s.login("admin").await;
    let (_, audit) = admin.get("/api/admin/audit?action=evacuation.print").await;
    let prints = audit.as_array().unwrap();
    assert_eq!(prints.len(), 3, "{audit}");
    assert!(!audit.to_string().contains("神楽岡小学校"));
}
