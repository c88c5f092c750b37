//! Importing the city's roster (要援護者名簿) of residents: a preview first ([`plan`]: rows to add,
//! rows to change — matched by the city's number, so next month's file updates instead of
//! duplicating — rows in error, and residents the file no longer lists), then, once confirmed and
//! only if no row is in error, [`apply`] writes it with one audit entry of counts.
//!
//! A resident the file no longer lists is not deleted: it is listed, for the staff to end its
//! assignments on purpose. A row naming a resident of another district is an error: moving a
//! resident between districts changes who may see them, and is done through its assignments.
//!
//! The name, kana and address of a changed resident live in its document: [`apply`] returns them
//! for the caller to write there (`Hub::server_change`), and the projection updates the row.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{Actor, NewResident, create_resident, record};
use crate::db::DbConn;
use crate::db::directory::{self, Resident};
use crate::domain::roster::{Roster, RosterRow, RowProblem};
use crate::error::AppError;

/// A row that adds a resident.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RosterAdd {
    pub line: usize,
    pub external_id: String,
    pub name: String,
    pub district_code: String,
}

/// A row that changes a resident already imported: which fields.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RosterChange {
    pub line: usize,
    pub external_id: String,
    pub resident_id: String,
    pub name: String,
    /// name, kana, address, contact_interval_days
    pub fields: Vec<String>,
}

/// A resident imported before whom this file does not list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RosterMissing {
    pub resident_id: String,
    pub external_id: String,
    pub name: String,
}

/// What an import would do (the preview), or did (`applied`).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct RosterPlan {
    pub rows: usize,
    pub add: Vec<RosterAdd>,
    pub change: Vec<RosterChange>,
    pub unchanged: usize,
    pub problems: Vec<RowProblem>,
    pub not_in_file: Vec<RosterMissing>,
    /// Headings of columns the import does not use.
    pub unused_columns: Vec<String>,
    pub applied: bool,
}

/// A changed resident's profile, for its document.
#[derive(Debug, Clone)]
pub struct ProfileUpdate {
    pub resident_id: String,
    pub doc_id: String,
    pub name: String,
    pub kana: String,
    pub address: String,
}

struct Decided {
    plan: RosterPlan,
    adds: Vec<(RosterRow, String)>,
    changes: Vec<(RosterRow, Resident)>,
}

fn decide(conn: &mut DbConn, roster: Roster) -> Result<Decided, AppError> {
    let districts = directory::list_districts(conn)?;
    let district_of = |written: &str| {
        districts
            .iter()
            .find(|d| d.code == written || d.name == written)
    };
    let residents = directory::list_residents(conn, None)?;
    let flagged = directory::residents_needing_plans(conn)?;
    let by_external: HashMap<&str, &Resident> = residents
        .iter()
        .filter_map(|r| r.external_id.as_deref().map(|e| (e, r)))
        .collect();
    let mut plan = RosterPlan {
        rows: roster.rows_read,
        problems: roster.problems,
        unused_columns: roster.unused_columns,
        ..RosterPlan::default()
    };
    let mut adds = Vec::new();
    let mut changes = Vec::new();
    let listed: HashSet<String> = roster.rows.iter().map(|r| r.external_id.clone()).collect();
    for row in roster.rows {
        let Some(district) = district_of(&row.district) else {
            plan.problems.push(RowProblem {
                line: row.line,
                column: "地区".into(),
                code: "unknown_district".into(),
                message: "その地区はありません（地区コードか地区名を入れてください）。".into(),
            });
            continue;
        };
        match by_external.get(row.external_id.as_str()) {
            None => {
                plan.add.push(RosterAdd {
                    line: row.line,
                    external_id: row.external_id.clone(),
                    name: row.name.as_str().to_string(),
                    district_code: district.code.clone(),
                });
                adds.push((row, district.id.clone()));
            }
            Some(existing) if existing.district_id != district.id => {
                plan.problems.push(RowProblem {
                    line: row.line,
                    column: "地区".into(),
                    code: "district_differs".into(),
                    message: "登録済みの方と地区が違います。地区を移すときは担当の割り当てから行ってください。"
                        .into(),
                });
            }
            Some(existing) => {
                let mut fields = Vec::new();
                if existing.name != row.name.as_str() {
                    fields.push("name".to_string());
                }
                if existing.kana != row.kana.as_str() {
                    fields.push("kana".to_string());
                }
                if existing.address != row.address.as_str() {
                    fields.push("address".to_string());
                }
                if row
                    .interval_days
                    .is_some_and(|d| d != existing.contact_interval_days)
                {
                    fields.push("contact_interval_days".to_string());
                }
                if row
                    .needs_plan
                    .is_some_and(|n| n != flagged.contains(&existing.id))
                {
                    fields.push("needs_evacuation_plan".to_string());
                }
                if fields.is_empty() {
                    plan.unchanged += 1;
                } else {
                    plan.change.push(RosterChange {
                        line: row.line,
                        external_id: row.external_id.clone(),
                        resident_id: existing.id.clone(),
                        name: row.name.as_str().to_string(),
                        fields,
                    });
                    changes.push((row, (*existing).clone()));
                }
            }
        }
    }
    plan.problems.sort_by_key(|p| p.line);
    plan.not_in_file = residents
        .iter()
        .filter(|r| r.status == "active")
        .filter_map(|r| {
            let e = r.external_id.as_deref()?;
            (!listed.contains(e)).then(|| RosterMissing {
                resident_id: r.id.clone(),
                external_id: e.to_string(),
                name: r.name.clone(),
            })
        })
        .collect();
    Ok(Decided {
        plan,
        adds,
        changes,
    })
}

/// What importing `roster` would do; writes nothing.
pub fn plan(conn: &mut DbConn, roster: Roster) -> Result<RosterPlan, AppError> {
    Ok(decide(conn, roster)?.plan)
}

/// Imports `roster` (planned again inside this transaction) when no row is in error: adds the new
/// residents with their documents, sets changed contact intervals, and records one audit entry of
/// counts. Returns the plan (`applied` when written) and the profile changes for the documents.
pub fn apply(
    conn: &mut DbConn,
    actor: &Actor,
    roster: Roster,
) -> Result<(RosterPlan, Vec<ProfileUpdate>), AppError> {
    let Decided {
        mut plan,
        adds,
        changes,
    } = decide(conn, roster)?;
    if !plan.problems.is_empty() {
        return Ok((plan, Vec::new()));
    }
    for (row, district_id) in adds {
        let r = create_resident(
            conn,
            actor,
            NewResident {
                district_id,
                name: row.name,
                kana: row.kana,
                address: row.address,
                contact_interval_days: row.interval_days,
            },
        )?;
        directory::set_resident_external_id(conn, &r.id, &row.external_id)?;
        if row.needs_plan == Some(true) {
            directory::set_needs_plan(conn, &r.id, true)?;
        }
    }
    let mut profiles = Vec::new();
    for (row, existing) in changes {
        if let Some(days) = row.interval_days
            && days != existing.contact_interval_days
        {
            directory::set_resident_interval(conn, &existing.id, days)?;
        }
        // Set or cleared only where the file says (a file without the column changes nothing).
        if let Some(needs) = row.needs_plan {
            directory::set_needs_plan(conn, &existing.id, needs)?;
        }
        let profile_changed = existing.name != row.name.as_str()
            || existing.kana != row.kana.as_str()
            || existing.address != row.address.as_str();
        if let (true, Some(doc_id)) = (profile_changed, existing.doc_id) {
            profiles.push(ProfileUpdate {
                resident_id: existing.id,
                doc_id,
                name: row.name.into_inner(),
                kana: row.kana.as_str().to_string(),
                address: row.address.into_inner(),
            });
        }
    }
    // Counts only: names and addresses stay out of the audit log.
    record(
        conn,
        actor,
        "roster.import",
        "resident",
        None,
        json!({
            "rows": plan.rows,
            "added": plan.add.len(),
            "changed": plan.change.len(),
            "unchanged": plan.unchanged,
            "not_in_file": plan.not_in_file.len(),
        }),
    )?;
    plan.applied = true;
    Ok((plan, profiles))
}
