//! Three months of history for the demo city, so a newcomer sees the product at work rather than
//! empty screens (issue 19): contacts on every resident's document (mostly all-normal visits, calls,
//! greetings and indirect checks; some concerns, a few urgent), the lead's marks (要確認 / 差し戻し,
//! answered and not), referrals (つなぎ) with and without an outcome, the alerts the rules raise
//! from those contacts (the older ones closed with a note), a few residents left overdue, and the
//! city's notices.
//!
//! Everything goes the way a tablet's records do: written into the resident's Automerge document as
//! one change per record (by the commissioner, or the lead for a mark), stored as an increment, and
//! projected by the same code as a synced change ([`write_projection`], [`raise_alerts`]). It is
//! deterministic for a given day: a small generator seeded by the resident's position.

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ROOT, ReadDoc};

use crate::db::{DbConn, directory, documents, notices, review};
use crate::domain::Date;
use crate::error::AppError;
use crate::sync::committer::BatchMemo;
use crate::sync::projection::{raise_alerts, write_projection};
use crate::sync::schema::{self, Projection};

/// Days of history.
const DAYS: i64 = 91;

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, from: &'a [T]) -> &'a T {
        &from[(self.next() % from.len() as u64) as usize]
    }
}

const NOTES_OK: &[&str] = &[
    "お元気そうでした。",
    "玄関先で少し立ち話。変わりなし。",
    "デイサービスの日を確認しました。",
    "娘さんが来ていて、様子を聞きました。",
    "",
    "",
    "",
];
const NOTES_CONCERN: &[&str] = &[
    "郵便受けに新聞がたまっていた。",
    "夜になっても電気がつかない。",
    "玄関前の雪がそのままになっている。",
    "膝が痛くて外に出られないとのこと。",
    "食事をあまりとっていない様子。",
];

/// One resident's part of the demo: who watches them and who leads their district.
pub struct Watched<'a> {
    pub resident: &'a directory::Resident,
    pub commissioner: &'a str,
    pub lead: &'a str,
    /// The resident's position in the city (seeds the generator).
    pub n: usize,
}

/// Writes the history of one resident: contacts, marks and referrals into the document, their
/// projection, and the alerts the rules raise. `now` is the demo's server time.
pub fn resident(conn: &mut DbConn, w: &Watched<'_>, now: i64) -> Result<(), AppError> {
    let internal = AppError::internal;
    let Some(doc_id) = w.resident.doc_id.clone() else {
        return Ok(());
    };
    let chunks = documents::load_chunks(conn, &doc_id)?;
    let mut doc = Automerge::load(&documents::joined(&chunks)).map_err(internal)?;
    let before = doc.get_heads();
    let mut rng = Rng(w.n as u64 * 7919 + 17);
    let today = Date::today_jst(now);
    let interval = i64::from(w.resident.contact_interval_days.max(1));
    // About one resident in twenty has not been contacted for two or three weeks: the overdue list.
    let stop = if rng.chance(5) {
        interval + 8 + (rng.next() % 10) as i64
    } else {
        1
    };
    let contacts = section(&mut doc, "contacts")?;
    let mut concerns = Vec::new();
    let mut day = DAYS;
    let mut k = 0;
    while day >= stop {
        let date = Date::from_epoch_days(today.epoch_days() - day);
        k += 1;
        let id = format!("demo-{}-{k:03}", w.n);
        let kind = *rng.pick(&["visit", "visit", "visit", "phone", "greeting", "indirect"]);
        let outcome = if kind == "indirect" {
            "other"
        } else if rng.chance(88) {
            "met"
        } else {
            *rng.pick(&["absent", "absent", "no_answer"])
        };
        // Concerns are rare, and an urgent one rarer (and recent: the open alerts of the week).
        let (concern, check) = if day < 20 && rng.chance(2) {
            ("urgent", Some(*rng.pick(&["lights", "mailbox"])))
        } else if rng.chance(7) {
            (
                "watch",
                Some(*rng.pick(&["mailbox", "lights", "snow", "garbage"])),
            )
        } else {
            ("none", None)
        };
        let consulted = kind == "visit" && outcome == "met" && rng.chance(25);
        let note = if concern == "none" {
            *rng.pick(NOTES_OK)
        } else {
            *rng.pick(NOTES_CONCERN)
        };
        let hour = 9 + rng.next() % 8;
        let at = format!("{date}T{hour:02}:{:02}:00+09:00", rng.next() % 60);
        let mut tx = doc.transaction();
        let c = tx
            .put_object(&contacts, &id, ObjType::Map)
            .map_err(internal)?;
        for (key, value) in [
            ("id", id.as_str()),
            ("occurredAt", at.as_str()),
            ("authorId", w.commissioner),
            ("kind", kind),
            ("outcome", outcome),
            ("concern", concern),
            ("note", note),
        ] {
            tx.put(&c, key, value).map_err(internal)?;
        }
        tx.put(&c, "followUp", concern != "none")
            .map_err(internal)?;
        let checks = tx
            .put_object(&c, "checks", ObjType::Map)
            .map_err(internal)?;
        if matches!(kind, "visit" | "indirect") {
            for name in ["lights", "mailbox", "garbage", "snow"] {
                let v = if Some(name) == check { "concern" } else { "ok" };
                tx.put(&checks, name, v).map_err(internal)?;
            }
        }
        let activity = tx
            .put_object(&c, "activity", ObjType::Map)
            .map_err(internal)?;
        let fields = tx
            .put_object(&activity, "fields", ObjType::List)
            .map_err(internal)?;
        let items = tx
            .put_object(&activity, "contents", ObjType::List)
            .map_err(internal)?;
        if consulted {
            tx.insert(&fields, 0, "高齢者").map_err(internal)?;
            let content = *rng.pick(&["日常的な支援", "健康・保健医療", "在宅福祉", "介護保険"]);
            tx.insert(&items, 0, content).map_err(internal)?;
        }
        tx.commit();
        if concern != "none" {
            concerns.push((id.clone(), date, concern));
        }
        // The next contact: the resident's interval, give or take a day or two.
        day -= (interval + (rng.next() % 3) as i64 - 1).max(1);
    }

    // The lead's marks, as a lead who keeps up would leave them: concerns older than ten days are
    // all seen — most 確認済み at once, some 要確認 / 差し戻し that the commissioner answered and the
    // lead then closed with 確認済み. Of the last ten days' concerns about half are marked, and a 要確認
    // may still wait for its answer (the lead's 今日の確認 shows those).
    let reviews = section(&mut doc, "reviews")?;
    let mut answers = Vec::new();
    let mut closed_later = Vec::new();
    for (id, date, _) in &concerns {
        let recent = today.epoch_days() - date.epoch_days() <= 10;
        let roll = rng.next() % 100;
        let mark = match (recent, roll) {
            (false, 0..70) => "confirmed",
            (false, 70..85) => "check",
            (false, _) => "return",
            (true, 0..50) => continue,
            (true, 50..75) => "check",
            (true, _) => "confirmed",
        };
        write_mark(&mut doc, &reviews, id, mark, w.lead, date.succ())?;
        if mark != "confirmed" && (!recent || rng.chance(50)) {
            answers.push((id.clone(), date.succ().succ()));
            if !recent {
                closed_later.push((id.clone(), date.succ().succ().succ()));
            }
        }
    }
    for (id, date) in &answers {
        let Some((_, c)) = doc.get(&contacts, id.as_str()).map_err(internal)? else {
            continue;
        };
        let at = format!("{date}T10:00:00+09:00");
        let mut tx = doc.transaction();
        tx.put(&c, "answer", "翌日もう一度訪ねました。元気にしています。")
            .map_err(internal)?;
        tx.put(&c, "answeredAt", at.as_str()).map_err(internal)?;
        tx.commit();
    }
    for (id, day) in &closed_later {
        write_mark(&mut doc, &reviews, id, "confirmed", w.lead, *day)?;
    }
    // A referral (つなぎ) for some residents with a concern: most have heard back.
    if let Some((_, date, _)) = concerns.first().filter(|_| rng.chance(30)) {
        let referrals = section(&mut doc, "referrals")?;
        let id = format!("demo-ref-{}", w.n);
        let to = *rng.pick(&[
            "chiiki_hokatsu",
            "chiiki_hokatsu",
            "shakyo",
            "medical",
            "city",
        ]);
        let outcome = *rng.pick(&["connected", "connected", "open", "declined"]);
        let on = date.to_string();
        let mut tx = doc.transaction();
        let r = tx
            .put_object(&referrals, &id, ObjType::Map)
            .map_err(internal)?;
        for (key, value) in [
            ("id", id.as_str()),
            ("on", on.as_str()),
            ("to", to),
            ("field", "高齢者"),
            ("note", "様子が気になり相談しました。"),
            ("authorId", w.commissioner),
            ("createdAt", format!("{on}T19:00:00+09:00").as_str()),
            ("outcome", outcome),
        ] {
            tx.put(&r, key, value).map_err(internal)?;
        }
        if outcome != "open" {
            let later = Date::from_epoch_days(date.epoch_days() + 7).min(today);
            tx.put(&r, "outcomeOn", later.to_string())
                .map_err(internal)?;
        }
        tx.commit();
    }

    // Stored as a tablet's change would be, and projected the same way: the commissioner's part
    // delivered by the commissioner, the lead's marks by the lead.
    let chunk = doc.save_after(&before);
    documents::insert_chunk(conn, &doc_id, "incremental", &chunk, now)?;
    let all = schema::project(&doc);
    let (mine, leads) = split(all);
    let memo = &mut BatchMemo::default();
    write_projection(conn, &w.resident.id, &mine, w.commissioner, None, now, memo)?;
    write_projection(conn, &w.resident.id, &leads, w.lead, None, now, memo)?;
    raise_alerts(conn, now, memo)?;
    documents::mark_doc_changed(conn, &[&w.resident.id], now)?;
    Ok(())
}

/// The lead's mark on a contact, written on `day` (evening).
fn write_mark(
    doc: &mut Automerge,
    reviews: &automerge::ObjId,
    contact: &str,
    mark: &str,
    lead: &str,
    day: Date,
) -> Result<(), AppError> {
    let internal = AppError::internal;
    let comment = match mark {
        "check" => "その後の様子を教えてください。",
        "return" => "どの確認項目が気になったか書き足してください。",
        _ => "",
    };
    let at = format!("{day}T18:00:00+09:00");
    let mut tx = doc.transaction();
    let r = tx
        .put_object(reviews, contact, ObjType::Map)
        .map_err(internal)?;
    for (key, value) in [
        ("mark", mark),
        ("comment", comment),
        ("by", lead),
        ("at", at.as_str()),
    ] {
        tx.put(&r, key, value).map_err(internal)?;
    }
    tx.commit();
    Ok(())
}

/// The resident document's map `name`, made when missing (the demo writes alone: no conflict).
fn section(doc: &mut Automerge, name: &str) -> Result<automerge::ObjId, AppError> {
    if let Some((_, id)) = doc.get(ROOT, name).map_err(AppError::internal)? {
        return Ok(id);
    }
    let mut tx = doc.transaction();
    let id = tx
        .put_object(ROOT, name, ObjType::Map)
        .map_err(AppError::internal)?;
    tx.commit();
    Ok(id)
}

/// A projection's rows by who delivers them: everything but the marks (the commissioner's), and the
/// marks (the lead's).
fn split(mut p: Projection) -> (Projection, Projection) {
    let leads = Projection {
        reviews: std::mem::take(&mut p.reviews),
        ..Projection::default()
    };
    (p, leads)
}

/// The alerts of the demo: those raised by contacts more than a week old were dealt with — closed,
/// with the lead's note — and about half of the newer ones are 対応中.
pub fn settle_alerts(conn: &mut DbConn, now: i64) -> Result<(), AppError> {
    let week_ago = Date::from_epoch_days(Date::today_jst(now).epoch_days() - 7).to_string();
    let open = review::open_alerts_with_contacts(conn)?;
    for (i, (alert, district, occurred_at)) in open.iter().enumerate() {
        let leads = directory::district_leads(conn, district)?;
        let Some(lead) = leads.first() else { continue };
        if occurred_at.as_str() < week_ago.as_str() {
            review::close_alert(
                conn,
                alert,
                lead,
                now,
                Some("地域包括支援センターに連絡し、翌日訪問してもらいました。"),
            )?;
        } else if i % 2 == 0 {
            review::acknowledge_alert(conn, alert, lead, now)?;
        }
    }
    Ok(())
}

/// The city's notices of the last weeks, sent to everyone.
pub fn notices(conn: &mut DbConn, staff: &str, now: i64) -> Result<(), AppError> {
    let day = 86_400_000;
    for (title, body, priority, days_ago) in [
        (
            "大雪への備えについて",
            "週末にかけて大雪の予報です。除雪が遅れているお宅や、灯油の残りが心配なお宅がないか、見守りの際にご確認ください。",
            "important",
            3,
        ),
        (
            "年末年始の見守りについて",
            "12月29日から1月3日まで市役所は休みです。急ぎの連絡は地域包括支援センターへお願いします。",
            "normal",
            10,
        ),
        (
            "民生委員児童委員 研修会のご案内",
            "1月20日（水）14時から、市民活動交流センターで研修会を行います。",
            "normal",
            24,
        ),
    ] {
        let sent = now - days_ago * day;
        let mut n = notices::Notice::draft(crate::db::new_id(), staff.to_string(), sent);
        n.title = title.into();
        n.body = body.into();
        n.priority = priority.into();
        n.status = "sent".into();
        n.sent_at = Some(sent);
        notices::insert_notice(conn, &n)?;
        let users = notices::audience_users(conn, &n)?;
        notices::insert_recipients(conn, &n.id, &users)?;
    }
    Ok(())
}
