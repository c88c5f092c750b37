//! The projection: a document's changes as SQL rows (contacts, reviews, profile fields, data
//! problems), written by the committer inside its batch, and the escalation rules' invocation once
//! the batch's rows are written (alerts and the leads' push notices).

use std::collections::HashSet;

use super::committer::BatchMemo;
use super::schema::Projection;
use crate::db::disasters::{self, SafetyIn};
use crate::db::documents::{self, ContactRecord, DataProblem, ReferralRecord, ReviewRecord};
use crate::db::{DbConn, directory, review};
use crate::error::AppError;

/// Only a lead marks reviews (D7): a mark delivered by anyone else is kept out of the review table
/// and recorded as a problem the lead can see. Every path that projects a document a non-lead
/// delivered calls this — a synced change and a resident registered from a tablet alike.
pub fn set_aside_reviews(projection: &mut Projection) {
    for r in projection.reviews.drain(..) {
        projection.problems.push(crate::sync::schema::Problem {
            entry_kind: "review",
            entry_id: r.contact_id,
            problem: "mark: written by someone who is not a lead".into(),
        });
    }
}

/// Writes a document's projection: new rows carry `now` and the delivering user and device. The
/// resident's "last change" is the caller's to set (the committer sets a whole batch's at once), and
/// so is running the escalation rules ([`raise_alerts`]) once the batch's projections are written.
pub fn write_projection(
    conn: &mut DbConn,
    resident_id: &str,
    projection: &Projection,
    user_id: &str,
    device_id: Option<&str>,
    now: i64,
    memo: &mut BatchMemo,
) -> Result<(), AppError> {
    let contacts = projection
        .contacts
        .iter()
        .map(|c| ContactRecord::of(resident_id, c, user_id, device_id, now))
        .collect();
    let reviews = projection
        .reviews
        .iter()
        .map(|r| ReviewRecord {
            resident_id: resident_id.to_string(),
            contact_id: r.contact_id.clone(),
            mark: r.mark.clone(),
            comment: r.comment.clone(),
            by_id: r.by.clone(),
            at: r.at.clone(),
            delivered_by_user_id: user_id.to_string(),
            received_at: now,
            updated_at: now,
        })
        .collect();
    let referrals = projection
        .referrals
        .iter()
        .map(|r| ReferralRecord {
            resident_id: resident_id.to_string(),
            id: r.id.clone(),
            day: r.day.clone(),
            agency: r.agency.clone(),
            field: r.field.clone(),
            outcome: r.outcome.clone(),
            outcome_on: r.outcome_on.clone(),
            alert_id: r.alert_id.clone(),
            author_id: r.author_id.clone(),
            delivered_by_user_id: user_id.to_string(),
            received_at: now,
            updated_at: now,
        })
        .collect();
    // 安否 records, as the server counts them (db::disasters); what is not counted joins the
    // document's problems, and a new 支援が必要 may push the district's leads.
    // 個別避難計画: revisions as their authors delivered them, and 「計画に変更なし」 confirmations.
    let plan_problems =
        crate::db::evacuation::apply_plans(conn, resident_id, &projection.plans, user_id, now)?;
    crate::db::evacuation::apply_confirmations(conn, resident_id, &projection.plan_confirmations)?;
    let safety_problems = write_safety(
        conn,
        resident_id,
        &projection.safety,
        user_id,
        device_id,
        now,
        memo,
    )?;
    let problems = safety_problems
        .into_iter()
        .chain(plan_problems.into_iter().map(|(id, problem)| DataProblem {
            resident_id: resident_id.to_string(),
            entry_kind: "plan".into(),
            entry_id: id,
            problem: problem.into(),
            delivered_by_user_id: user_id.to_string(),
            detected_at: now,
        }))
        .chain(projection.problems.iter().map(|p| DataProblem {
            resident_id: resident_id.to_string(),
            entry_kind: p.entry_kind.to_string(),
            entry_id: p.entry_id.clone(),
            problem: p.problem.clone(),
            delivered_by_user_id: user_id.to_string(),
            detected_at: now,
        }))
        .collect();
    let profile = projection
        .profile
        .as_ref()
        .map(|p| (p.name.as_str(), p.kana.as_str(), p.address.as_str()));
    let rows = documents::ProjectedRows {
        contacts,
        reviews,
        referrals,
        problems,
    };
    documents::apply_projection(conn, resident_id, profile, rows, now)?;
    let earliest = projection
        .contacts
        .iter()
        .filter(|c| crate::domain::alerts::could_fire(c))
        .map(|c| c.occurred_at.as_str())
        .min();
    if let Some(earliest) = earliest {
        let since = memo
            .may_alert
            .entry(resident_id.to_string())
            .or_insert_with(|| earliest.to_string());
        if earliest < since.as_str() {
            *since = earliest.to_string();
        }
    }
    Ok(())
}

/// Writes a resident document's 安否 records (`db::disasters::apply_safety`) and, for each disaster
/// that got a new 支援が必要, pushes the resident's district leads — at most once per 5 minutes per
/// district (`claim_lead_push`), with the disaster's id and fixed words only. Returns the records not
/// counted, as the document's data problems.
fn write_safety(
    conn: &mut DbConn,
    resident_id: &str,
    rows: &[crate::sync::schema::SafetyRow],
    user_id: &str,
    device_id: Option<&str>,
    now: i64,
    memo: &mut BatchMemo,
) -> Result<Vec<DataProblem>, AppError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<SafetyIn> = rows.iter().map(safety_in).collect();
    let (problems, needs_help) =
        disasters::apply_safety(conn, resident_id, &rows, (user_id, device_id), now)?;
    if !needs_help.is_empty() {
        let district = directory::districts_of_residents(conn, &[resident_id.to_string()])?
            .remove(resident_id);
        if let Some(district) = district {
            push_leads_about_help(conn, &needs_help, &district, now, memo)?;
        }
    }
    Ok(problems
        .into_iter()
        .map(|(id, problem)| DataProblem {
            resident_id: resident_id.to_string(),
            entry_kind: "safety".into(),
            entry_id: id,
            problem: problem.into(),
            delivered_by_user_id: user_id.to_string(),
            detected_at: now,
        })
        .collect())
}

fn safety_in(r: &crate::sync::schema::SafetyRow) -> SafetyIn {
    SafetyIn {
        id: r.id.clone(),
        disaster_id: r.disaster_id.clone(),
        status: r.status.clone(),
        at: r.at.clone(),
        author_id: r.author_id.clone(),
    }
}

/// A commissioner's own statuses from their activity log; a new 支援が必要 pushes their district's
/// leads as a resident's does.
pub fn write_self_safety(
    conn: &mut DbConn,
    user_id: &str,
    rows: &[crate::sync::schema::SafetyRow],
    now: i64,
    memo: &mut BatchMemo,
) -> Result<(), AppError> {
    if rows.is_empty() {
        return Ok(());
    }
    let rows: Vec<SafetyIn> = rows.iter().map(safety_in).collect();
    let needs_help = disasters::apply_self_safety(conn, user_id, &rows, now)?;
    if !needs_help.is_empty()
        && let Some(district) =
            crate::db::accounts::user_by_id(conn, user_id)?.and_then(|u| u.district_id)
    {
        push_leads_about_help(conn, &needs_help, &district, now, memo)?;
    }
    Ok(())
}

/// The district's leads' push subscriptions, read once per batch (who hears of a new alert or of
/// someone needing help).
fn lead_subscriptions<'m>(
    conn: &mut DbConn,
    memo: &'m mut BatchMemo,
    district: &str,
) -> Result<&'m [crate::db::notices::Subscription], AppError> {
    if !memo.lead_subscriptions.contains_key(district) {
        let leads = directory::district_leads(conn, district)?;
        let subs = crate::db::notices::subscriptions_of_users(conn, &leads)?;
        memo.lead_subscriptions.insert(district.to_string(), subs);
    }
    Ok(&memo.lead_subscriptions[district])
}

fn push_leads_about_help(
    conn: &mut DbConn,
    disasters_with_help: &[String],
    district: &str,
    now: i64,
    memo: &mut BatchMemo,
) -> Result<(), AppError> {
    for disaster in disasters_with_help {
        if !disasters::claim_lead_push(conn, disaster, district, now)? {
            continue;
        }
        let subs = lead_subscriptions(conn, memo, district)?;
        // Who and where stay out of the push: the lead opens the roll-up to see.
        let payload = serde_json::json!({
            "disaster": disaster,
            "title": "支援が必要な方の報告があります",
            "priority": "urgent",
        });
        crate::push::enqueue_to(conn, subs, None, &payload, true)?;
    }
    Ok(())
}

/// Runs the escalation rules ([`crate::domain::alerts`]) for the residents in `memo.may_alert` and
/// records what they raise (once per rule and contact), for all of them at once: a statement each
/// for their districts, their contacts and the new alerts, however many residents there are (on
/// PostgreSQL each statement is a round trip).
///
/// Every contact is judged in the order things happened, not the order they arrived: each contact
/// from the earliest new one that could set off a rule onwards is evaluated as the newest, with the
/// contacts that happened before it. A 至急 record synced after a newer routine visit, a late
/// 電気 + 応答なし, a batch of an urgent record and its follow-up — each raises what it would have
/// raised arriving in time; a contact that now completes a run (郵便受け twice) with a late one
/// raises too. Re-judging a contact raises nothing twice (one alert per resident, rule and contact).
pub fn raise_alerts(conn: &mut DbConn, now: i64, memo: &mut BatchMemo) -> Result<(), AppError> {
    use crate::domain::alerts::{CONTEXT, evaluate};
    use crate::domain::contact::Contact;
    let may_alert = std::mem::take(&mut memo.may_alert);
    if may_alert.is_empty() {
        return Ok(());
    }
    let mut ids: Vec<String> = may_alert.keys().cloned().collect();
    ids.sort_unstable();
    let districts = directory::districts_of_residents(conn, &ids)?;
    let mut contacts = review::contacts_from(conn, &may_alert, CONTEXT)?;
    let mut candidates = Vec::new();
    for resident_id in &ids {
        let Some(district_id) = districts.get(resident_id) else {
            continue;
        };
        let since = &may_alert[resident_id];
        let newest_first: Vec<Contact> = contacts
            .remove(resident_id)
            .unwrap_or_default()
            .iter()
            // Every row was written from a contact the schema accepted; one that no longer reads
            // is logged and left out of the judging, never a reason to refuse the commit.
            .filter_map(|r| {
                r.contact()
                    .inspect_err(|e| tracing::error!(error = %e, "contact row not judged"))
                    .ok()
            })
            .collect();
        if !memo.snow.contains_key(district_id) {
            let since = crate::domain::Date::today_jst(now - 60 * 86_400_000).to_string();
            let days = review::snowfall_days_since(conn, district_id, &since)?;
            memo.snow.insert(district_id.clone(), days);
        }
        for (i, judged) in newest_first.iter().enumerate() {
            if judged.occurred_at.as_str() < since.as_str() {
                break;
            }
            let context = &newest_first[i..(i + CONTEXT).min(newest_first.len())];
            for (rule, contact_id) in evaluate(context, &memo.snow[district_id]) {
                candidates.push(review::Alert {
                    id: crate::db::new_id(),
                    resident_id: resident_id.clone(),
                    district_id: district_id.clone(),
                    rule: rule.code.to_string(),
                    route: rule.route.code().to_string(),
                    contact_id,
                    status: "open".into(),
                    raised_at: now,
                    acknowledged_by: None,
                    acknowledged_at: None,
                    closed_by: None,
                    closed_at: None,
                    close_note: None,
                });
            }
        }
    }
    if candidates.is_empty() {
        return Ok(());
    }
    let raised: HashSet<String> = review::raise_alerts(conn, &candidates)?
        .into_iter()
        .collect();
    for alert in candidates.iter().filter(|a| raised.contains(&a.id)) {
        tracing::info!(resident = %alert.resident_id, rule = %alert.rule, "alert raised");
        // The district's leads get a push: the alert id and a fixed title saying it is about someone
        // in their district, never who (no name, address or note).
        let subs = lead_subscriptions(conn, memo, &alert.district_id)?;
        let urgent = matches!(alert.route.as_str(), "110" | "119");
        let payload = serde_json::json!({
            "alert": alert.id,
            "title": "見守りの注意：地区の対象者について確認をお願いします",
            "priority": if urgent { "urgent" } else { "important" },
        });
        crate::push::enqueue_to(conn, subs, None, &payload, urgent)?;
    }
    Ok(())
}
