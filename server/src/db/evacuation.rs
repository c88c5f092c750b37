//! 個別避難計画 as the server counted them: each revision (words and days only) and the contacts that
//! confirmed one; the counts per district against the city's target (`domain::evacuation`).

use std::collections::HashMap;

use diesel::prelude::*;

use super::DbConn;
use super::schema::{evacuation_plans, plan_confirmations, residents};
use crate::domain::evacuation::{Consent, Revision, current};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = evacuation_plans)]
pub struct PlanRecord {
    pub resident_id: String,
    pub id: String,
    pub based_on: String,
    pub at: String,
    pub consent: String,
    pub consent_on: Option<String>,
    pub author_id: String,
    pub delivered_by_user_id: String,
    pub received_at: i64,
}

/// Writes a document's plan revisions as the server counts them (D7): only as their author delivered
/// them (one naming no author is its deliverer's), never edited, not dated after tomorrow. Returns the
/// revisions not counted (id, code).
pub fn apply_plans(
    conn: &mut DbConn,
    resident_id: &str,
    rows: &[crate::sync::schema::PlanRow],
    delivered_by: &str,
    now: i64,
) -> QueryResult<Vec<(String, &'static str)>> {
    let mut problems = Vec::new();
    if rows.is_empty() {
        return Ok(problems);
    }
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let stored: Vec<PlanRecord> = evacuation_plans::table
        .filter(evacuation_plans::resident_id.eq(resident_id))
        .filter(evacuation_plans::id.eq_any(&ids))
        .select(PlanRecord::as_select())
        .load(conn)?;
    for r in rows {
        let author = if r.author_id.is_empty() {
            delivered_by
        } else {
            r.author_id.as_str()
        };
        let old = stored.iter().find(|s| s.id == r.id);
        if old.is_some_and(|o| {
            (
                &o.based_on,
                &o.at,
                &o.consent,
                &o.consent_on,
                o.author_id.as_str(),
            ) == (&r.based_on, &r.at, &r.consent, &r.consent_on, author)
        }) {
            continue;
        }
        let problem = crate::db::documents::whole_entry_not_counted(
            &r.at,
            author,
            delivered_by,
            old.is_some(),
            now,
        );
        if let Some(p) = problem {
            problems.push((r.id.clone(), p));
            continue;
        }
        diesel::insert_into(evacuation_plans::table)
            .values(&PlanRecord {
                resident_id: resident_id.to_string(),
                id: r.id.clone(),
                based_on: r.based_on.clone(),
                at: r.at.clone(),
                consent: r.consent.clone(),
                consent_on: r.consent_on.clone(),
                author_id: author.to_string(),
                delivered_by_user_id: delivered_by.to_string(),
                received_at: now,
            })
            .execute(conn)?;
    }
    Ok(problems)
}

/// Records the contacts that confirmed a revision (「計画に変更なし」); a contact confirms once.
pub fn apply_confirmations(
    conn: &mut DbConn,
    resident_id: &str,
    rows: &[crate::sync::schema::PlanConfirmation],
) -> QueryResult<()> {
    for c in rows {
        let known = plan_confirmations::table
            .find((resident_id, &c.contact_id))
            .select(plan_confirmations::contact_id)
            .first::<String>(conn)
            .optional()?;
        if known.is_none() {
            diesel::insert_into(plan_confirmations::table)
                .values((
                    plan_confirmations::resident_id.eq(resident_id),
                    plan_confirmations::contact_id.eq(&c.contact_id),
                    plan_confirmations::revision_id.eq(&c.revision_id),
                    plan_confirmations::day.eq(&c.day),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Plan counts of one district (or the city).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct PlanCounts {
    /// Residents who need a plan: the roster says so (避難行動要支援者), or one was begun.
    pub needed: usize,
    /// Plans made with the resident's consent (同意): the city's 計画作成数.
    pub plans: usize,
    pub declined: usize,
    pub unknown_consent: usize,
    /// Of the consented plans, confirmed (made or 「変更なし」) within the last 365 days.
    pub confirmed_within_year: usize,
    /// Residents who need a plan and have none with consent.
    pub missing: usize,
}

/// Per district, the plan counts of its active residents, as of `today` (`YYYY-MM-DD`).
pub fn counts_by_district(
    conn: &mut DbConn,
    today: &str,
) -> QueryResult<HashMap<String, PlanCounts>> {
    let people: Vec<(String, String, bool)> = residents::table
        .filter(residents::status.eq("active"))
        .select((
            residents::id,
            residents::district_id,
            residents::needs_evacuation_plan,
        ))
        .load(conn)?;
    let revisions: Vec<PlanRecord> = evacuation_plans::table
        .select(PlanRecord::as_select())
        .load(conn)?;
    let confirmations: Vec<(String, String, String)> = plan_confirmations::table
        .select((
            plan_confirmations::resident_id,
            plan_confirmations::revision_id,
            plan_confirmations::day,
        ))
        .load(conn)?;
    let mut by_resident: HashMap<&str, Vec<Revision>> = HashMap::new();
    for r in &revisions {
        by_resident
            .entry(r.resident_id.as_str())
            .or_default()
            .push(Revision {
                id: r.id.clone(),
                based_on: r.based_on.clone(),
                at: r.at.clone(),
                consent: Consent::parse(&r.consent).unwrap_or(Consent::Unknown),
            });
    }
    let year_ago = crate::domain::Date::parse(today)
        .map(|d| crate::domain::Date::from_epoch_days(d.epoch_days() - 365).to_string())
        .unwrap_or_default();
    let mut out: HashMap<String, PlanCounts> = HashMap::new();
    for (id, district, flagged) in people {
        let c = out.entry(district).or_default();
        let revs = by_resident.get(id.as_str());
        if !flagged && revs.is_none() {
            continue;
        }
        c.needed += 1;
        let Some((plan, _)) = revs.and_then(|r| current(r)) else {
            c.missing += 1;
            continue;
        };
        match plan.consent {
            Consent::Agreed => {
                c.plans += 1;
                let confirmed = confirmations
                    .iter()
                    .filter(|(r, rev, _)| *r == id && *rev == plan.id)
                    .map(|(_, _, day)| day.as_str())
                    .chain(plan.at.get(..10))
                    .max()
                    .unwrap_or("");
                if confirmed >= year_ago.as_str() {
                    c.confirmed_within_year += 1;
                }
            }
            Consent::Declined => {
                c.declined += 1;
                c.missing += 1;
            }
            Consent::Unknown => {
                c.unknown_consent += 1;
                c.missing += 1;
            }
        }
    }
    Ok(out)
}
