//! What the district lead acts on: alerts raised by the escalation rules as visits sync in, and
//! overdue residents — on both backends.

use automerge::sync;
use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ROOT, ReadDoc};
use awc::http::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::support::peers::RawPeer;
use crate::support::{Client, TestDb, TestServer};

/// A tablet that holds one resident's document and records visits into it.
struct Recorder {
    peer: RawPeer,
    doc_id: String,
    doc: Automerge,
    state: sync::State,
}

impl Recorder {
    async fn open(s: &TestServer, client: &mut Client, resident: &str) -> Recorder {
        let (_, docs) = client.get("/api/documents").await;
        let url = docs
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["resident_id"] == resident)
            .unwrap()["document_url"]
            .as_str()
            .unwrap()
            .to_string();
        Recorder::open_url(s, client, &url).await
    }

    /// The caller's own activity log (定例会, 研修, 連絡調整 …).
    async fn open_activity_log(s: &TestServer, client: &mut Client) -> Recorder {
        let (st, log) = client.get("/api/activity-log").await;
        assert_eq!(st, StatusCode::OK, "{log}");
        let url = log["document_url"].as_str().unwrap().to_string();
        Recorder::open_url(s, client, &url).await
    }

    async fn open_url(s: &TestServer, client: &mut Client, url: &str) -> Recorder {
        let mut peer = RawPeer::connect(s, Some(client), Some(&s.origin))
            .await
            .unwrap();
        peer.join(&format!("peer-{}", uuid::Uuid::new_v4().simple()))
            .await;
        let mut r = Recorder {
            peer,
            doc_id: url.trim_start_matches("automerge:").to_string(),
            doc: Automerge::new(),
            state: sync::State::new(),
        };
        r.peer
            .sync_doc(&r.doc_id, &mut r.doc, &mut r.state)
            .await
            .unwrap();
        r
    }

    /// Records a contact with its 活動記録 categories and waits for the acknowledgement.
    async fn record(
        &mut self,
        id: &str,
        day: &str,
        kind: &str,
        fields: &[&str],
        contents: &[&str],
    ) {
        self.write_contact(id, day, kind, "met", "none", &[], fields, contents);
        self.send().await;
    }

    /// Writes a referral (つなぎ) into the resident's document, as `author`, and waits for the
    /// acknowledgement.
    async fn referral(&mut self, id: &str, day: &str, to: &str, author: &str) {
        let fields = [
            ("id", id),
            ("on", day),
            ("to", to),
            ("field", "高齢者"),
            ("note", "包括に相談、訪問の予定"),
            ("authorId", author),
            ("outcome", "open"),
        ];
        crate::support::peers::add_entry(&mut self.doc, "referrals", id, &fields);
        self.send().await;
    }

    /// Writes an entry into the document's `activities` (the activity log's section) and waits for
    /// the acknowledgement.
    async fn activity(&mut self, id: &str, day: &str, kind: &str) {
        let activities = match self.doc.get(ROOT, "activities").unwrap() {
            Some((_, obj)) => obj,
            None => {
                self.doc
                    .transact(|tx| tx.put_object(ROOT, "activities", ObjType::Map))
                    .unwrap()
                    .result
            }
        };
        let mut tx = self.doc.transaction();
        let a = tx.put_object(&activities, id, ObjType::Map).unwrap();
        for (k, v) in [
            ("id", id),
            ("date", day),
            ("kind", kind),
            ("note", "民生委員協議会の定例会"),
        ] {
            tx.put(&a, k, v).unwrap();
        }
        tx.commit();
        self.peer
            .sync_doc(&self.doc_id, &mut self.doc, &mut self.state)
            .await
            .unwrap();
    }

    /// Deletes an entry of the document's `activities` (a mistaken tap taken back) and syncs.
    async fn take_back(&mut self, id: &str) {
        let activities = self.doc.get(ROOT, "activities").unwrap().unwrap().1;
        let mut tx = self.doc.transaction();
        tx.delete(&activities, id).unwrap();
        tx.commit();
        self.peer
            .sync_doc(&self.doc_id, &mut self.doc, &mut self.state)
            .await
            .unwrap();
    }

    /// Writes a review mark into the document (only a lead's count).
    async fn mark(&mut self, contact: &str, mark: &str) {
        let reviews = self.doc.get(ROOT, "reviews").unwrap().unwrap().1;
        let mut tx = self.doc.transaction();
        let r = tx.put_object(&reviews, contact, ObjType::Map).unwrap();
        for (k, v) in [
            ("mark", mark),
            ("comment", ""),
            ("by", "someone"),
            ("at", "2026-11-20T12:00:00+09:00"),
        ] {
            tx.put(&r, k, v).unwrap();
        }
        tx.commit();
        self.peer
            .sync_doc(&self.doc_id, &mut self.doc, &mut self.state)
            .await
            .unwrap();
    }

    /// Records a visit and waits until the server acknowledged it.
    async fn visit(
        &mut self,
        id: &str,
        day: &str,
        outcome: &str,
        concern: &str,
        checks: &[(&str, &str)],
    ) {
        self.write_contact(id, day, "visit", outcome, concern, checks, &[], &[]);
        self.send().await;
    }

    /// Writes a contact into the tablet's copy only (offline): [`Recorder::send`] sends it.
    #[expect(
        clippy::too_many_arguments,
        reason = "one contact's fields, spelled out in the tests"
    )]
    fn write_contact(
        &mut self,
        id: &str,
        day: &str,
        kind: &str,
        outcome: &str,
        concern: &str,
        checks: &[(&str, &str)],
        fields: &[&str],
        contents: &[&str],
    ) {
        let contacts = self.doc.get(ROOT, "contacts").unwrap().unwrap().1;
        let mut tx = self.doc.transaction();
        let c = tx.put_object(&contacts, id, ObjType::Map).unwrap();
        let at = format!("{day}T10:00:00+09:00");
        for (k, v) in [
            ("id", id),
            ("kind", kind),
            ("outcome", outcome),
            ("concern", concern),
            ("occurredAt", at.as_str()),
        ] {
            tx.put(&c, k, v).unwrap();
        }
        let ch = tx.put_object(&c, "checks", ObjType::Map).unwrap();
        for (k, v) in checks {
            tx.put(&ch, *k, *v).unwrap();
        }
        let a = tx.put_object(&c, "activity", ObjType::Map).unwrap();
        for (k, vals) in [("fields", fields), ("contents", contents)] {
            let list = tx.put_object(&a, k, ObjType::List).unwrap();
            for (i, v) in vals.iter().enumerate() {
                tx.insert(&list, i, *v).unwrap();
            }
        }
        tx.commit();
    }

    /// Syncs what this tablet holds and waits until the server acknowledged it.
    async fn send(&mut self) {
        self.peer
            .sync_doc(&self.doc_id, &mut self.doc, &mut self.state)
            .await
            .unwrap();
        assert_eq!(
            self.state.their_heads.as_ref(),
            Some(&self.doc.get_heads()),
            "acknowledged"
        );
    }

    /// Records a visit on the tablet only (offline): [`Recorder::send`] sends it later.
    fn visit_offline(
        &mut self,
        id: &str,
        day: &str,
        outcome: &str,
        concern: &str,
        checks: &[(&str, &str)],
    ) {
        self.write_contact(id, day, "visit", outcome, concern, checks, &[], &[]);
    }
}

fn rules(list: &Value) -> Vec<String> {
    let mut v: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["rule"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

both!(sync_raises_alerts_and_the_lead_handles_them, alerts_flow);
async fn alerts_flow(db: TestDb) {
    let s = TestServer::start(db).await;
    let ra1 = s.fx.resident("rA1").to_string();
    let mut comm = s.login("comm-a").await;
    let mut lead = s.login("lead-a").await;
    let mut other_lead = s.login("lead-b").await;
    let mut tablet = Recorder::open(&s, &mut comm, &ra1).await;

    // One mailbox concern: nothing yet. A second in a row: an alert for the lead.
    tablet
        .visit(
            "v1",
            "2026-11-10",
            "absent",
            "none",
            &[("mailbox", "concern")],
        )
        .await;
    assert_eq!(
        rules(&lead.get("/api/review/alerts").await.1),
        Vec::<String>::new()
    );
    tablet
        .visit(
            "v2",
            "2026-11-17",
            "absent",
            "none",
            &[("mailbox", "concern")],
        )
        .await;
    // Lights on and no answer: another, routed to the police for a welfare check.
    tablet
        .visit(
            "v3",
            "2026-11-18",
            "no_answer",
            "watch",
            &[("lights", "concern")],
        )
        .await;
    let (st, list) = lead.get("/api/review/alerts?status=open").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(rules(&list), vec!["lights_no_answer", "mailbox_twice"]);
    let lights = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["rule"] == "lights_no_answer")
        .unwrap()
        .clone();
    assert_eq!(lights["route"], "110");
    assert_eq!(lights["resident_name"], "試験 花子");
    assert_eq!(lights["contact_id"], "v3");
    // Another district's lead sees none of it.
    assert_eq!(other_lead.get("/api/review/alerts").await.1, json!([]));
    let id = lights["id"].as_str().unwrap();
    assert_eq!(
        other_lead
            .post(&format!("/api/review/alerts/{id}/close"), &json!({}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    // Snow: only after a snowfall day the lead marked.
    tablet
        .visit("v4", "2026-11-19", "met", "none", &[("snow", "concern")])
        .await;
    assert!(
        !rules(&lead.get("/api/review/alerts").await.1)
            .contains(&"snow_after_snowfall".to_string())
    );
    assert_eq!(
        lead.post("/api/review/snowfall", &json!({"day": "2026-11-20"}))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    tablet
        .visit("v5", "2026-11-21", "met", "none", &[("snow", "concern")])
        .await;
    assert!(
        rules(&lead.get("/api/review/alerts").await.1).contains(&"snow_after_snowfall".to_string())
    );

    // The lifecycle: acknowledged, then closed, each with who and when.
    let (st, a) = lead
        .post(&format!("/api/review/alerts/{id}/acknowledge"), &json!({}))
        .await;
    assert_eq!(st, StatusCode::OK, "{a}");
    assert_eq!(a["status"], "acknowledged");
    assert_eq!(a["acknowledged_by"], s.fx.user("lead-a"));
    let (_, a) = lead
        .post(&format!("/api/review/alerts/{id}/close"), &json!({}))
        .await;
    assert_eq!(a["status"], "closed");
    assert!(a["closed_at"].as_i64().unwrap() >= a["acknowledged_at"].as_i64().unwrap());
    let (_, open) = lead.get("/api/review/alerts?status=open").await;
    assert!(!rules(&open).contains(&"lights_no_answer".to_string()));
    // Syncing the same visits again raises nothing twice.
    tablet
        .peer
        .sync_doc(&tablet.doc_id, &mut tablet.doc, &mut tablet.state)
        .await
        .unwrap();
    let (_, all) = lead.get("/api/review/alerts").await;
    assert_eq!(all.as_array().unwrap().len(), 3);
}

both!(
    a_lead_opens_one_alert_and_closes_it_with_a_note,
    alert_detail_and_close
);
async fn alert_detail_and_close(db: TestDb) {
    let s = TestServer::start_with(db, |c| {
        c.route_phones = [("chiiki_hokatsu".to_string(), "0166-23-4567".to_string())].into();
    })
    .await;
    let ra1 = s.fx.resident("rA1").to_string();
    let mut comm = s.login("comm-a").await;
    let mut lead = s.login("lead-a").await;
    let mut other_lead = s.login("lead-b").await;
    let mut tablet = Recorder::open(&s, &mut comm, &ra1).await;
    for (id, day) in [("m1", "2026-11-10"), ("m2", "2026-11-17")] {
        tablet
            .visit(id, day, "absent", "none", &[("mailbox", "concern")])
            .await;
    }
    let (_, list) = lead.get("/api/review/alerts?status=open").await;
    let id = list[0]["id"].as_str().unwrap().to_string();
    let path = format!("/api/review/alerts/{id}");

    // Opening it shows who, what, when, by whom, and whom to call.
    let (st, a) = lead.get(&path).await;
    assert_eq!(st, StatusCode::OK, "{a}");
    assert_eq!(a["resident_name"], "試験 花子");
    assert_eq!(a["title"], "郵便受けが2回続けて気になる状態です");
    assert_eq!(a["route_label"], "地域包括支援センター");
    assert_eq!(a["route_phone"], "0166-23-4567");
    assert_eq!(a["contact_id"], "m2");
    assert_eq!(a["occurred_at"], "2026-11-17T10:00:00+09:00");
    assert_eq!(a["occurred_on"], "2026-11-17");
    assert_eq!(a["recorded_by"], "comm-a さん");
    assert_eq!(a["status"], "open");
    assert_eq!(
        list[0]["recorded_by"], "comm-a さん",
        "the list says it too"
    );

    // Another district's lead: no such alert; a commissioner: not theirs to handle.
    assert_eq!(other_lead.get(&path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        other_lead
            .post(&format!("{path}/close"), &json!({"note": "x"}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(comm.get(&path).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        comm.post(&format!("{path}/close"), &json!({})).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        lead.get("/api/review/alerts/no-such-alert").await.0,
        StatusCode::NOT_FOUND
    );

    // 対応中, then 対応済み with a note; a note too long is refused on its field, nothing changed.
    let (st, a) = lead.post(&format!("{path}/acknowledge"), &json!({})).await;
    assert_eq!(
        (st, a["status"].as_str()),
        (StatusCode::OK, Some("acknowledged"))
    );
    let (st, err) = lead
        .post(
            &format!("{path}/close"),
            &json!({"note": "あ".repeat(1001)}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(err["error"]["field"], "note", "{err}");
    assert_eq!(lead.get(&path).await.1["status"], "acknowledged");
    let note = "長女さんに電話し、入院中と確認しました";
    let (st, a) = lead
        .post(
            &format!("{path}/close"),
            &json!({"note": format!("  {note} ")}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{a}");
    assert_eq!(a["status"], "closed");
    assert_eq!(a["close_note"], note);
    assert_eq!(a["closed_by"], s.fx.user("lead-a"));
    let (_, a) = lead.get(&path).await;
    assert_eq!(
        (a["status"].as_str(), a["close_note"].as_str()),
        (Some("closed"), Some(note))
    );
    // It leaves the open list.
    let (_, open) = lead.get("/api/review/alerts?status=open").await;
    assert!(
        open.as_array()
            .unwrap()
            .iter()
            .all(|x| x["id"] != id.as_str()),
        "{open}"
    );

    // The audit log says it was closed with a note, never what the note says.
    let mut admin = s.login("admin").await;
    let (_, audit) = admin.get("/api/admin/audit").await;
    let text = audit.to_string();
    assert!(text.contains("alert.close"), "{text}");
    assert!(
        !text.contains("長女"),
        "the note is in the audit log: {text}"
    );
}

both!(
    records_the_server_could_not_read_are_listed_for_the_lead,
    data_problems
);
async fn data_problems(db: TestDb) {
    let s = TestServer::start(db).await;
    let (ra1, rb1) = (
        s.fx.resident("rA1").to_string(),
        s.fx.resident("rB1").to_string(),
    );
    let mut lead = s.login("lead-a").await;
    assert_eq!(lead.get("/api/review/problems").await.1, json!([]));
    // A tablet writes a contact of a kind the server does not know (a broken tablet).
    let mut comm = s.login("comm-a").await;
    let mut tablet = Recorder::open(&s, &mut comm, &ra1).await;
    tablet.write_contact(
        "broken-entry",
        "2026-11-18",
        "teleport",
        "met",
        "none",
        &[],
        &[],
        &[],
    );
    tablet.send().await;
    tablet.visit("fine", "2026-11-19", "met", "none", &[]).await;
    let mut comm_b = s.login("comm-b").await;
    let mut tablet_b = Recorder::open(&s, &mut comm_b, &rb1).await;
    tablet_b.write_contact(
        "b-broken",
        "2026-11-18",
        "visit",
        "lost",
        "none",
        &[],
        &[],
        &[],
    );
    tablet_b.send().await;

    let (st, list) = lead.get("/api/review/problems").await;
    assert_eq!(st, StatusCode::OK, "{list}");
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "district A's only: {list:?}");
    let p = &list[0];
    assert_eq!(p["resident_id"], ra1.as_str());
    assert_eq!(p["resident_name"], "試験 花子");
    assert_eq!(p["entry_kind"], "contact");
    assert_eq!(p["problem"], "kind: unknown value");
    assert_eq!(p["commissioner"], "comm-a さん");
    let today = mimamori::domain::Date::today_jst(mimamori::db::now_ms()).to_string();
    assert_eq!(p["detected_on"], today.as_str());
    assert!(!p.to_string().contains("teleport"), "codes only: {p}");
    let (_, b) = s.login("lead-b").await.get("/api/review/problems").await;
    assert_eq!(b.as_array().unwrap().len(), 1, "{b}");
    assert_eq!(b[0]["problem"], "outcome: unknown value");
    assert_eq!(
        comm.get("/api/review/problems").await.0,
        StatusCode::FORBIDDEN
    );
}

/// (rule, contact) of every alert on one resident, sorted.
async fn alerts_on(lead: &mut Client, resident: &str) -> Vec<(String, String)> {
    let (st, list) = lead.get("/api/review/alerts").await;
    assert_eq!(st, StatusCode::OK, "{list}");
    let mut v: Vec<(String, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["resident_id"] == resident)
        .map(|a| {
            (
                a["rule"].as_str().unwrap().to_string(),
                a["contact_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

// Alerts judge every contact in the order things happened, not the order they arrived: the same
// contacts raise the same alerts whether they reach the server in time (one resident) or late,
// out of order and in batches from an offline tablet (another).
both!(
    late_out_of_order_and_batched_contacts_raise_the_alerts_they_would_in_time,
    late_alerts
);
async fn late_alerts(db: TestDb) {
    let s = TestServer::start(db).await;
    let (late, in_time) = (
        s.fx.resident("rA1").to_string(),
        s.fx.resident("rA2").to_string(),
    );
    let mut comm = s.login("comm-a").await;
    let mut comm2 = s.login("comm-a2").await;
    let mut lead = s.login("lead-a").await;

    // In time: one tablet (rA2's commissioner), each contact sent as it is made.
    let mut t = Recorder::open(&s, &mut comm2, &in_time).await;
    t.visit("u1", "2026-11-02", "met", "urgent", &[]).await;
    t.visit("r1", "2026-11-03", "met", "none", &[]).await;
    t.visit(
        "l1",
        "2026-11-05",
        "no_answer",
        "none",
        &[("lights", "concern")],
    )
    .await;
    t.visit("r2", "2026-11-06", "met", "none", &[]).await;
    t.visit("u2", "2026-11-08", "met", "urgent", &[]).await;
    t.visit("r3", "2026-11-09", "met", "none", &[]).await;
    t.visit(
        "m1",
        "2026-11-12",
        "absent",
        "none",
        &[("mailbox", "concern")],
    )
    .await;
    t.visit(
        "m2",
        "2026-11-14",
        "absent",
        "none",
        &[("mailbox", "concern")],
    )
    .await;
    let expected: Vec<(String, String)> = [
        ("lights_no_answer", "l1"),
        ("mailbox_twice", "m2"),
        ("urgent", "u1"),
        ("urgent", "u2"),
    ]
    .iter()
    .map(|(r, c)| (r.to_string(), c.to_string()))
    .collect();
    assert_eq!(alerts_on(&mut lead, &in_time).await, expected);

    // Late: the offline tablet (a) recorded the urgent, lights and first mailbox contacts; a second
    // tablet (b), online, recorded the newer ones first.
    let mut a = Recorder::open(&s, &mut comm, &late).await;
    let mut b = Recorder::open(&s, &mut comm, &late).await;
    // 1. A 至急 record synced after a newer routine visit by another tablet.
    b.visit("r1", "2026-11-03", "met", "none", &[]).await;
    a.visit_offline("u1", "2026-11-02", "met", "urgent", &[]);
    a.send().await;
    assert_eq!(
        alerts_on(&mut lead, &late).await,
        vec![("urgent".to_string(), "u1".to_string())],
        "a late 至急 record raises its alert"
    );
    // 2. 電気 気になる + 応答なし arriving after a newer visit.
    b.visit("r2", "2026-11-06", "met", "none", &[]).await;
    a.visit_offline(
        "l1",
        "2026-11-05",
        "no_answer",
        "none",
        &[("lights", "concern")],
    );
    a.send().await;
    // 3. An urgent record and a later follow-up sent together.
    a.visit_offline("u2", "2026-11-08", "met", "urgent", &[]);
    a.visit_offline("r3", "2026-11-09", "met", "none", &[]);
    a.send().await;
    // 4. The second mailbox concern arrives first, the first one later.
    b.visit(
        "m2",
        "2026-11-14",
        "absent",
        "none",
        &[("mailbox", "concern")],
    )
    .await;
    a.visit_offline(
        "m1",
        "2026-11-12",
        "absent",
        "none",
        &[("mailbox", "concern")],
    );
    a.send().await;
    assert_eq!(alerts_on(&mut lead, &late).await, expected);

    // Sent again, by either tablet: nothing is raised twice.
    a.send().await;
    b.send().await;
    assert_eq!(alerts_on(&mut lead, &late).await, expected);
}

both!(the_lead_sees_overdue_residents_worst_first, overdue);
async fn overdue(db: TestDb) {
    let s = TestServer::start(db).await;
    let (ra1, ra2) = (
        s.fx.resident("rA1").to_string(),
        s.fx.resident("rA2").to_string(),
    );
    let mut lead = s.login("lead-a").await;
    let ids = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r["resident_id"].as_str().unwrap().to_string())
            .collect()
    };
    let (st, list) = lead.get("/api/review/overdue").await;
    assert_eq!(st, StatusCode::OK);
    let mut got = ids(&list);
    got.sort();
    let mut want = vec![ra1.clone(), ra2.clone()];
    want.sort();
    assert_eq!(
        got, want,
        "never contacted: both overdue, nobody from district B"
    );
    // A visit today takes rA1 off the list; a visit 20 days ago leaves rA2 on it, 13 days over.
    let today = mimamori::domain::Date::today_jst(mimamori::db::now_ms()).to_string();
    let old =
        mimamori::domain::Date::today_jst(mimamori::db::now_ms() - 20 * 86_400_000).to_string();
    let mut c1 = s.login("comm-a").await;
    Recorder::open(&s, &mut c1, &ra1)
        .await
        .visit("t1", &today, "met", "none", &[])
        .await;
    let mut c2 = s.login("comm-a2").await;
    Recorder::open(&s, &mut c2, &ra2)
        .await
        .visit("t2", &old, "met", "none", &[])
        .await;
    let (_, list) = lead.get("/api/review/overdue").await;
    assert_eq!(ids(&list), vec![ra2.clone()]);
    assert_eq!(list[0]["days_overdue"], 13);
    assert_eq!(list[0]["last_contact_on"], old.as_str());
    assert_eq!(list[0]["commissioner"], "comm-a2 さん");
}

both!(
    the_monthly_activity_record_counts_what_was_logged,
    activity_report
);
async fn activity_report(db: TestDb) {
    let s = TestServer::start(db).await;
    let (ra1, ra2) = (
        s.fx.resident("rA1").to_string(),
        s.fx.resident("rA2").to_string(),
    );
    let mut c1 = s.login("comm-a").await;
    let mut t1 = Recorder::open(&s, &mut c1, &ra1).await;
    t1.record("k1", "2026-11-02", "visit", &["高齢者"], &["日常的な支援"])
        .await;
    t1.record(
        "k2",
        "2026-11-02",
        "phone",
        &["高齢者", "障害者"],
        &["介護保険"],
    )
    .await;
    t1.record("k3", "2026-11-20", "greeting", &[], &[]).await;
    t1.record("k0", "2026-10-31", "visit", &["高齢者"], &[])
        .await; // another month
    let mut c2 = s.login("comm-a2").await;
    Recorder::open(&s, &mut c2, &ra2)
        .await
        .record(
            "k4",
            "2026-11-05",
            "visit",
            &["子ども"],
            &["子育て・母子保健"],
        )
        .await;

    // comm-a's own activity log: a meeting on a day with contacts, liaison and a certificate on
    // two more days, one of another month, one of a kind the form does not know.
    let mut log = Recorder::open_activity_log(&s, &mut c1).await;
    log.activity("a1", "2026-11-02", "council").await;
    log.activity("a2", "2026-11-05", "liaison").await;
    log.activity("a3", "2026-11-06", "certificate").await;
    log.activity("a4", "2026-10-30", "council").await;
    log.activity("a5", "2026-11-07", "party").await;
    // A mistaken entry, synced, then taken back: it counts for nothing (no 行事, no day).
    log.activity("a6", "2026-11-08", "event").await;
    log.take_back("a6").await;
    // An activities section written into a resident's document counts for nothing.
    t1.activity("x1", "2026-11-09", "liaison").await;
    // A referral (つなぎ) is a 連絡調整 of its author, on its day (the 10th: a fifth day); one of
    // another month counts in that month.
    let comm_a = s.fx.user("comm-a").to_string();
    t1.referral("j1", "2026-11-10", "chiiki_hokatsu", &comm_a)
        .await;
    t1.referral("j0", "2026-10-29", "shakyo", &comm_a).await;

    // Hand-counted: comm-a 3 contacts on 2 days (02, 20), 2 of them consultations (the greeting
    // recorded no 分野: a contact, not a 相談・支援), 1 visit, and from the log 研修 1, 証明事務 1,
    // 連絡調整 1 on 02, 05, 06, and a つなぎ (連絡調整) on the 10th: 5 active days; comm-a2 1
    // consultation, 1 visit, 1 day.
    let (st, mine) = c1.get("/api/reports/activity?month=2026-11").await;
    assert_eq!(st, StatusCode::OK, "{mine}");
    assert_eq!(
        mine["rows"].as_array().unwrap().len(),
        1,
        "a commissioner sees their own row"
    );
    let t = &mine["rows"][0]["totals"];
    assert_eq!(
        (
            t["consultations"].as_i64(),
            t["visits"].as_i64(),
            t["active_days"].as_i64()
        ),
        (Some(2), Some(1), Some(5))
    );
    assert_eq!(t["other_activities"]["民児協運営・研修"], 1);
    assert_eq!(t["other_activities"]["証明事務"], 1);
    assert_eq!(t["other_activities"]["行事・事業・会議への参加協力"], 0);
    assert_eq!(
        t["liaison"], 2,
        "the log's liaison and the referral; the resident document's activities entry is not counted"
    );
    assert_eq!(t["by_field"]["高齢者"], 2);
    assert_eq!(t["by_field"]["障害者"], 1);
    assert_eq!(
        t["by_field"]["その他"], 0,
        "a contact without a 分野 is no consultation"
    );
    assert_eq!(t["by_content"]["日常的な支援"], 1);
    assert_eq!(t["by_content"]["介護保険"], 1);

    let mut lead = s.login("lead-a").await;
    let (_, district) = lead.get("/api/reports/activity?month=2026-11").await;
    assert_eq!(
        district["rows"].as_array().unwrap().len(),
        3,
        "both commissioners, and the lead (a commissioner too): {district}"
    );
    let total = &district["total"];
    assert_eq!(
        (
            total["consultations"].as_i64(),
            total["visits"].as_i64(),
            total["active_days"].as_i64()
        ),
        (Some(3), Some(2), Some(6))
    );
    assert_eq!(total["liaison"], 2);
    assert_eq!(total["other_activities"]["証明事務"], 1);
    assert_eq!(total["by_content"]["子育て・母子保健"], 1);
    let mut other = s.login("lead-b").await;
    assert_eq!(
        other.get("/api/reports/activity?month=2026-11").await.1["total"]["consultations"],
        0
    );

    // City staff: one row per district, counts only.
    let mut staff = s.login("staff").await;
    let (_, city) = staff.get("/api/reports/activity?month=2026-11").await;
    let text = city.to_string();
    assert!(
        !text.contains("試験") && !text.contains("さん"),
        "no resident or commissioner names: {text}"
    );
    let kagura = city["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["district"] == "神楽岡")
        .unwrap();
    assert_eq!(kagura["totals"]["consultations"], 3);
    assert_eq!(
        kagura["totals"]["active_days"], district["total"]["active_days"],
        "the city's district row counts commissioner-days, as the lead's total does"
    );
    assert_eq!(kagura["totals"]["liaison"], 2);
    assert_eq!(kagura["totals"]["other_activities"]["民児協運営・研修"], 1);
    assert!(
        !text.contains("定例会"),
        "an activity's note never leaves the log: {text}"
    );
    assert_eq!(city["total"]["visits"], 2);

    // CSV for Excel: BOM, CRLF, the form's columns.
    let r = lead
        .request("GET", "/api/reports/activity.csv?month=2026-11", None, None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let body = r.body.as_str().unwrap().to_string();
    assert!(body.starts_with('\u{feff}'), "BOM");
    let lines: Vec<&str> = body
        .trim_start_matches('\u{feff}')
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(
        lines.len(),
        5,
        "header, two commissioners and the lead, total: {lines:?}"
    );
    assert!(lines[0].contains("訪問回数") && lines[0].contains("内容:日常的な支援"));
    assert!(lines[4].starts_with("合計,,3,"), "{}", lines[4]);

    let (st, bad) = lead.get("/api/reports/activity?month=2026-13").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(bad["error"]["field"], "month");
}

both!(the_lead_filters_the_merged_log, review_list);
async fn review_list(db: TestDb) {
    let s = TestServer::start(db).await;
    let ra1 = s.fx.resident("rA1").to_string();
    let mut comm = s.login("comm-a").await;
    let mut tablet = Recorder::open(&s, &mut comm, &ra1).await;
    tablet
        .visit(
            "m1",
            "2026-11-10",
            "absent",
            "none",
            &[("mailbox", "concern")],
        )
        .await;
    tablet
        .visit("w1", "2026-11-12", "met", "watch", &[("lights", "ok")])
        .await;
    tablet
        .visit("n1", "2026-11-14", "met", "none", &[("mailbox", "ok")])
        .await;
    let mut lead = s.login("lead-a").await;
    let ids = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|c| c["contact_id"].as_str().unwrap().to_string())
            .collect()
    };

    // Concerns first, then the rest newest first; receipt time beside the recorded time.
    let (st, all) = lead.get("/api/review/contacts").await;
    assert_eq!(st, StatusCode::OK, "{all}");
    assert_eq!(ids(&all), vec!["w1", "n1", "m1"]);
    assert!(all[0]["received_at"].as_i64().unwrap() > 0);
    assert_eq!(all[0]["occurred_at"], "2026-11-12T10:00:00+09:00");
    assert_eq!(all[0]["resident_name"], "試験 花子");
    assert_eq!(
        ids(&lead.get("/api/review/contacts?check=mailbox").await.1),
        vec!["m1"]
    );
    assert_eq!(
        ids(&lead.get("/api/review/contacts?concern=watch").await.1),
        vec!["w1"]
    );
    assert_eq!(
        ids(&lead
            .get("/api/review/contacts?from=2026-11-11&to=2026-11-12")
            .await
            .1),
        vec!["w1"]
    );
    let me = s.fx.user("comm-a");
    assert_eq!(
        lead.get(&format!(
            "/api/review/contacts?commissioner_id={me}&kind=visit"
        ))
        .await
        .1
        .as_array()
        .unwrap()
        .len(),
        3
    );
    let (st, bad) = lead.get("/api/review/contacts?kind=teleport").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(bad["error"]["field"], "kind");
    // The other district's lead sees nothing of it.
    let mut other = s.login("lead-b").await;
    assert_eq!(other.get("/api/review/contacts").await.1, json!([]));

    // A commissioner cannot mark their own entries as reviewed; the lead can.
    tablet.mark("w1", "confirmed").await;
    let (_, all) = lead.get("/api/review/contacts").await;
    assert_eq!(all[0]["contact_id"], "w1");
    assert!(
        all[0]["review_mark"].is_null(),
        "a commissioner's mark is not a review: {}",
        all[0]
    );
    let mut lead_tablet = Recorder::open(&s, &mut lead, &ra1).await;
    lead_tablet.mark("m1", "check").await;
    let (_, all) = lead.get("/api/review/contacts").await;
    let m1 = all
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["contact_id"] == "m1")
        .unwrap();
    assert_eq!(m1["review_mark"], "check");
}

both!(
    an_alert_is_pushed_to_the_district_lead_without_resident_data,
    alert_push
);
async fn alert_push(db: TestDb) {
    let rx = crate::support::push::PushReceiver::start().await;
    let allowed = rx.origin.clone();
    let s = TestServer::start_with(db, |c| c.push_services = vec![allowed]).await;
    let ra1 = s.fx.resident("rA1").to_string();
    let mut lead_a = s.login("lead-a").await;
    let mut lead_b = s.login("lead-b").await;
    for (c, name) in [(&mut lead_a, "lead-a"), (&mut lead_b, "lead-b")] {
        let sub = rx.subscription("ok", name);
        let (st, body) = c.post("/api/push/subscriptions", &sub.json()).await;
        assert_eq!(st, StatusCode::NO_CONTENT, "{body}");
    }
    let mut comm = s.login("comm-a").await;
    let mut tablet = Recorder::open(&s, &mut comm, &ra1).await;
    tablet
        .visit(
            "u1",
            "2026-11-20",
            "met",
            "urgent",
            &[("lights", "concern")],
        )
        .await;

    let got = rx
        .wait("the alert push to district A's lead", |r| {
            r.iter().any(|m| m.name == "lead-a")
        })
        .await;
    let m = got.iter().find(|m| m.name == "lead-a").unwrap();
    let payload = m.payload.clone().unwrap();
    let (_, alerts) = lead_a.get("/api/review/alerts").await;
    let alert_id = alerts
        .as_array()
        .or_else(|| alerts["items"].as_array())
        .unwrap()[0]["id"]
        .clone();
    assert_eq!(payload["alert"], alert_id, "{payload}");
    let keys: Vec<&String> = payload.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["alert", "priority", "title"],
        "ids and a fixed title only"
    );
    // It says what it is about (a 見守りの注意 about someone in the lead's district), not who.
    let title = payload["title"].as_str().unwrap();
    assert!(
        title.contains("見守りの注意") && title.contains("地区の対象者"),
        "{title}"
    );
    let text = payload.to_string();
    for private in ["試験", "花子", "旭川市", &ra1] {
        assert!(!text.contains(private), "{private} in the push: {text}");
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(
        rx.received_by("lead-b").is_empty(),
        "another district's lead"
    );
}

both!(
    an_activity_log_is_its_commissioners_alone,
    activity_log_access
);
async fn activity_log_access(db: TestDb) {
    let s = TestServer::start(db).await;
    let mut c1 = s.login("comm-a").await;
    let (_, first) = c1.get("/api/activity-log").await;
    let (_, again) = c1.get("/api/activity-log").await;
    assert_eq!(
        first["document_url"], again["document_url"],
        "one log per commissioner"
    );
    let url = first["document_url"].as_str().unwrap().to_string();
    let doc_id = url.trim_start_matches("automerge:").to_string();
    let mut mine = Recorder::open_url(&s, &mut c1, &url).await;
    assert_eq!(
        mine.doc
            .get(ROOT, "type")
            .unwrap()
            .map(|(v, _)| v.to_string()),
        Some("\"activity_log\"".to_string()),
        "the server's log reached its commissioner"
    );
    mine.activity("a1", "2026-11-05", "liaison").await;
    // A log made after the tablet's connection loaded its documents is still its own to sync.
    let mut cb = s.login("comm-b").await;
    let mut early = Recorder::open(&s, &mut cb, s.fx.resident("rB1")).await;
    let (_, late) = cb.get("/api/activity-log").await;
    let late_id = late["document_url"]
        .as_str()
        .unwrap()
        .trim_start_matches("automerge:")
        .to_string();
    let (mut doc, mut state) = (Automerge::new(), sync::State::new());
    let seen = early
        .peer
        .sync_doc(&late_id, &mut doc, &mut state)
        .await
        .unwrap();
    assert!(
        doc.get(ROOT, "activities").unwrap().is_some(),
        "the late log synced on the open connection: {seen:?}"
    );
    let others = vec![
        ("comm-a2", s.login("comm-a2").await),
        ("lead-a", s.login("lead-a").await),
        ("comm-b", cb),
    ];
    for (who, mut c) in others {
        let (_, theirs) = c.get("/api/activity-log").await;
        assert_ne!(theirs["document_url"], first["document_url"], "{who}");
        let peer_id = format!("peer-{}", uuid::Uuid::new_v4().simple());
        let mut peer = RawPeer::joined(&s, &c, &peer_id).await;
        let (mut doc, mut state) = (Automerge::new(), sync::State::new());
        let seen = peer.sync_doc(&doc_id, &mut doc, &mut state).await.unwrap();
        assert_eq!(seen, vec!["doc-unavailable"], "{who}");
        assert!(
            doc.get(ROOT, "activities").unwrap().is_none(),
            "{who} got nothing of it"
        );
    }
    for who in ["staff", "admin"] {
        let (st, _) = s.login(who).await.get("/api/activity-log").await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{who}");
    }
}

both!(after_a_snowfall_the_unseen_come_first, snowfall_overdue);
async fn snowfall_overdue(db: TestDb) {
    let s = TestServer::start(db).await;
    let (ra1, ra2) = (
        s.fx.resident("rA1").to_string(),
        s.fx.resident("rA2").to_string(),
    );
    let day = |back: i64| {
        mimamori::domain::Date::today_jst(mimamori::db::now_ms() - back * 86_400_000).to_string()
    };
    // rA1 visited two days ago (not overdue: weekly), rA2 today.
    let mut c1 = s.login("comm-a").await;
    Recorder::open(&s, &mut c1, &ra1)
        .await
        .visit("s1", &day(2), "met", "none", &[])
        .await;
    let mut c2 = s.login("comm-a2").await;
    Recorder::open(&s, &mut c2, &ra2)
        .await
        .visit("s2", &day(0), "met", "none", &[])
        .await;
    let mut lead = s.login("lead-a").await;
    assert_eq!(
        lead.get("/api/review/overdue").await.1,
        json!([]),
        "nobody overdue"
    );
    // Snow yesterday: rA1, not seen since, is listed (not overdue, but unseen since the snow).
    assert_eq!(
        lead.post("/api/review/snowfall", &json!({"day": day(1)}))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let (_, list) = lead.get("/api/review/overdue").await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["resident_id"], ra1.as_str());
    assert_eq!(list[0]["not_seen_since_snowfall"], day(1).as_str());
    assert_eq!(list[0]["days_overdue"], -5);
    assert_eq!(lead.get("/api/review/snowfall").await.1, json!([day(1)]));
    // A snowfall day in the future is refused, with the field named.
    let (st, bad) = lead
        .post("/api/review/snowfall", &json!({"day": day(-1)}))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(bad["error"]["field"], "day");

    // City staff mark a snowfall for every district: district B's lead sees it.
    let mut staff = s.login("staff").await;
    let (st, marked) = staff
        .post("/api/staff/snowfall", &json!({"day": day(3)}))
        .await;
    assert_eq!(st, StatusCode::OK, "{marked}");
    assert_eq!(marked["districts"], 2);
    let mut lead_b = s.login("lead-b").await;
    assert_eq!(lead_b.get("/api/review/snowfall").await.1, json!([day(3)]));
    let (st, bad) = staff
        .post(
            "/api/staff/snowfall",
            &json!({"day": day(0), "districts": ["no-such"]}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(bad["error"]["field"], "districts");
    let (_, audit) = s.login("admin").await.get("/api/admin/audit").await;
    let marks = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "snowfall.mark")
        .count();
    assert_eq!(
        marks, 3,
        "the lead's mark and the city's two, in the audit log"
    );
}

both!(charts_count_weeks_and_open_concerns, charts);
async fn charts(db: TestDb) {
    let s = TestServer::start(db).await;
    let ra1 = s.fx.resident("rA1").to_string();
    let day = |back: i64| {
        mimamori::domain::Date::today_jst(mimamori::db::now_ms() - back * 86_400_000).to_string()
    };
    let mut c1 = s.login("comm-a").await;
    let mut t = Recorder::open(&s, &mut c1, &ra1).await;
    t.visit("w1", &day(100), "met", "none", &[]).await; // before the 12 weeks
    t.visit("w2", &day(7), "met", "none", &[]).await;
    t.visit("w3", &day(7), "absent", "none", &[]).await;
    t.visit("w4", &day(0), "met", "none", &[]).await;
    t.visit("w5", &day(0), "met", "urgent", &[]).await; // 至急: an alert at once
    let mut lead = s.login("lead-a").await;
    let (st, c) = lead.get("/api/charts").await;
    assert_eq!(st, StatusCode::OK, "{c}");
    let counts: Vec<i64> = c["weeks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["contacts"].as_i64().unwrap())
        .collect();
    assert_eq!(counts.len(), 12);
    assert_eq!(counts[11], 2, "this week: {counts:?}");
    assert_eq!(
        counts[10], 2,
        "last week (a week ago to the day): {counts:?}"
    );
    assert_eq!(
        counts.iter().sum::<i64>(),
        4,
        "100 days ago is off the chart"
    );
    assert_eq!(
        c["districts"],
        json!([{"district": "神楽岡", "open_concerns": 1}])
    );
    let mut lead_b = s.login("lead-b").await;
    let (_, b) = lead_b.get("/api/charts").await;
    assert_eq!(
        b["districts"],
        json!([{"district": "永山", "open_concerns": 0}])
    );
    assert!(
        b["weeks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["contacts"] == 0),
        "district B sees none of A's contacts: {b}"
    );
    let mut staff = s.login("staff").await;
    let (_, city) = staff.get("/api/charts").await;
    assert!(!city.to_string().contains("試験"), "counts only: {city}");
    assert_eq!(city["districts"].as_array().unwrap().len(), 2);
    assert_eq!(city["weeks"][11]["contacts"], 2);
    // Closed, the concern leaves the chart.
    let (_, alerts) = lead.get("/api/review/alerts").await;
    let id = alerts[0]["id"].as_str().unwrap().to_string();
    lead.post(&format!("/api/review/alerts/{id}/close"), &json!({}))
        .await;
    assert_eq!(
        lead.get("/api/charts").await.1["districts"][0]["open_concerns"],
        0
    );
}
