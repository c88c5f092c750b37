//! Importing the city's list of people (民生委員・会長・市の職員) and of assignments (担当), as
//! [`super::roster`] imports the residents: a preview first ([`plan_people`], [`plan_assignments`]:
//! rows to add, rows to change, rows in error by line and column), then, once confirmed and only
//! if no row is in error, the import, with one audit entry of counts (and each account and
//! assignment audited as when made one by one).
//!
//! People are matched by login name, so next year's list updates names and terms instead of adding
//! anyone twice. A new person gets a temporary password, returned once by the import (to print and
//! hand over at the training session; only its hash is stored) and changed at the first login. A
//! role or district that differs from the account's is an error, not a change: both decide what the
//! person may see. People the list no longer names are listed, not disabled: the office disables them
//! on purpose (after the 改選's hand-over, which needs the outgoing account for the grace).
//!
//! Assignments name the resident by the city's number (as the residents' roster) and the
//! commissioner by login name; one already in force is left as it is.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{Actor, NewUser, assign, create_user, record};
use crate::db::DbConn;
use crate::db::accounts::{self, User};
use crate::db::directory::{self, District};
use crate::domain::Role;
use crate::domain::people_roster::{AssignmentRow, PersonRow, Rows};
use crate::domain::roster::RowProblem;
use crate::error::AppError;

fn row_problem(line: usize, column: &str, code: &str, message: &str) -> RowProblem {
    RowProblem {
        line,
        column: column.into(),
        code: code.into(),
        message: message.into(),
    }
}

fn district_of<'a>(districts: &'a [District], written: &str) -> Option<&'a District> {
    districts
        .iter()
        .find(|d| d.code == written || d.name == written)
}

/// A row that adds a person.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonAdd {
    pub line: usize,
    pub login: String,
    pub name: String,
    #[schema(value_type = Role)]
    pub role: String,
    pub district_code: Option<String>,
}

/// A row that changes a person's name or term.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonChange {
    pub line: usize,
    pub login: String,
    pub user_id: String,
    pub name: String,
    /// display_name, term_starts_on, term_ends_on
    pub fields: Vec<String>,
}

/// A commissioner or lead with an active account whom the list does not name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonMissing {
    pub user_id: String,
    pub login: String,
    pub name: String,
    #[schema(value_type = Role)]
    pub role: String,
}

/// A new person's first password: shown once, in the import's answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FirstPassword {
    pub login: String,
    pub name: String,
    pub temporary_password: String,
}

/// What a people import would do (the preview), or did (`applied`, with the first passwords).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct PeoplePlan {
    pub rows: usize,
    pub add: Vec<PersonAdd>,
    pub change: Vec<PersonChange>,
    pub unchanged: usize,
    pub problems: Vec<RowProblem>,
    pub not_in_file: Vec<PersonMissing>,
    pub unused_columns: Vec<String>,
    pub applied: bool,
    /// Only in the answer of the import itself: each new person's temporary password.
    pub first_passwords: Vec<FirstPassword>,
}

struct PeopleDecided {
    plan: PeoplePlan,
    adds: Vec<(PersonRow, Option<String>)>,
    changes: Vec<(PersonRow, User)>,
}

fn decide_people(conn: &mut DbConn, file: Rows<PersonRow>) -> Result<PeopleDecided, AppError> {
    let districts = directory::list_districts(conn)?;
    let users = accounts::list_users(conn)?;
    let by_login: HashMap<&str, &User> = users.iter().map(|u| (u.login.as_str(), u)).collect();
    let mut plan = PeoplePlan {
        rows: file.rows_read,
        problems: file.problems,
        unused_columns: file.unused_columns,
        ..PeoplePlan::default()
    };
    let listed: HashSet<String> = file
        .rows
        .iter()
        .map(|r| r.login.as_str().to_string())
        .collect();
    let (mut adds, mut changes) = (Vec::new(), Vec::new());
    for row in file.rows {
        let district = match &row.district {
            Some(written) => match district_of(&districts, written) {
                Some(d) => Some(d),
                None => {
                    plan.problems.push(row_problem(
                        row.line,
                        "地区",
                        "unknown_district",
                        "その地区はありません（地区コードか地区名を入れてください）。",
                    ));
                    continue;
                }
            },
            None => None,
        };
        let district_id = district.map(|d| d.id.clone());
        let term = |d: Option<crate::domain::Date>| d.map(|d| d.to_string());
        match by_login.get(row.login.as_str()) {
            None => {
                plan.add.push(PersonAdd {
                    line: row.line,
                    login: row.login.as_str().to_string(),
                    name: row.name.as_str().to_string(),
                    role: row.role.as_str().to_string(),
                    district_code: district.map(|d| d.code.clone()),
                });
                adds.push((row, district_id));
            }
            Some(u) if u.role != row.role.as_str() => plan.problems.push(row_problem(
                row.line,
                "役割",
                "role_differs",
                "登録済みの方と役割が違います（役割は名簿からは変えません）。",
            )),
            Some(u) if u.district_id != district_id => plan.problems.push(row_problem(
                row.line,
                "地区",
                "district_differs",
                "登録済みの方と地区が違います（地区は名簿からは変えません）。",
            )),
            Some(u) => {
                let mut fields = Vec::new();
                if u.display_name != row.name.as_str() {
                    fields.push("display_name".to_string());
                }
                if u.term_starts_on != term(row.term_starts_on) {
                    fields.push("term_starts_on".to_string());
                }
                if u.term_ends_on != term(row.term_ends_on) {
                    fields.push("term_ends_on".to_string());
                }
                if fields.is_empty() {
                    plan.unchanged += 1;
                } else {
                    plan.change.push(PersonChange {
                        line: row.line,
                        login: u.login.clone(),
                        user_id: u.id.clone(),
                        name: row.name.as_str().to_string(),
                        fields,
                    });
                    changes.push((row, (*u).clone()));
                }
            }
        }
    }
    plan.problems.sort_by_key(|p| p.line);
    plan.not_in_file = users
        .iter()
        .filter(|u| u.disabled_at.is_none() && !listed.contains(&u.login))
        .filter(|u| Role::parse(&u.role).is_some_and(Role::needs_district))
        .map(|u| PersonMissing {
            user_id: u.id.clone(),
            login: u.login.clone(),
            name: u.display_name.clone(),
            role: u.role.clone(),
        })
        .collect();
    Ok(PeopleDecided {
        plan,
        adds,
        changes,
    })
}

/// What importing the people file would do; writes nothing.
pub fn plan_people(conn: &mut DbConn, file: Rows<PersonRow>) -> Result<PeoplePlan, AppError> {
    Ok(decide_people(conn, file)?.plan)
}

/// Imports the people file (planned again in this transaction) when no row is in error. `first`
/// holds, per new login, the temporary password and its hash, made before the transaction (hashing
/// is slow); a person added since the preview has none, and the import asks to preview again.
pub fn apply_people(
    conn: &mut DbConn,
    actor: &Actor,
    file: Rows<PersonRow>,
    first: &HashMap<String, (String, String)>,
) -> Result<PeoplePlan, AppError> {
    let PeopleDecided {
        mut plan,
        adds,
        changes,
    } = decide_people(conn, file)?;
    if !plan.problems.is_empty() {
        return Ok(plan);
    }
    for (row, district_id) in adds {
        let Some((shown, hash)) = first.get(row.login.as_str()) else {
            return Err(AppError::Conflict {
                field: "file".into(),
                message: "確かめたあとで名簿が変わりました。もう一度「内容を確かめる」からやり直してください。"
                    .into(),
            });
        };
        let login = row.login.as_str().to_string();
        let name = row.name.as_str().to_string();
        let u = create_user(
            conn,
            actor,
            NewUser {
                login: row.login,
                display_name: row.name,
                role: row.role,
                district_id,
                password_hash: hash.clone(),
            },
        )?;
        // The first password is temporary: the app asks for the person's own at the first login.
        accounts::set_password_hash(conn, &u.id, hash, true)?;
        accounts::set_name_and_term(
            conn,
            &u.id,
            &u.display_name,
            row.term_starts_on.map(|d| d.to_string()).as_deref(),
            row.term_ends_on.map(|d| d.to_string()).as_deref(),
        )?;
        plan.first_passwords.push(FirstPassword {
            login,
            name,
            temporary_password: shown.clone(),
        });
    }
    for (row, u) in changes {
        accounts::set_name_and_term(
            conn,
            &u.id,
            row.name.as_str(),
            row.term_starts_on.map(|d| d.to_string()).as_deref(),
            row.term_ends_on.map(|d| d.to_string()).as_deref(),
        )?;
        record(
            conn,
            actor,
            "user.update",
            "user",
            Some(&u.id),
            json!({ "fields": ["display_name", "term"] }),
        )?;
    }
    // Counts only: names stay out of the audit log.
    record(
        conn,
        actor,
        "roster.people",
        "user",
        None,
        json!({ "rows": plan.rows, "added": plan.add.len(), "changed": plan.change.len(),
                "unchanged": plan.unchanged, "not_in_file": plan.not_in_file.len() }),
    )?;
    plan.applied = true;
    Ok(plan)
}

/// A row that assigns a commissioner to a resident.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssignmentAdd {
    pub line: usize,
    pub external_id: String,
    pub resident_id: String,
    pub resident_name: String,
    pub login: String,
    pub commissioner_name: String,
    pub starts_on: String,
    pub ends_on: Option<String>,
}

/// What an assignments import would do (the preview), or did (`applied`).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct AssignmentsPlan {
    pub rows: usize,
    pub add: Vec<AssignmentAdd>,
    /// Rows whose commissioner already watches the resident from that day on.
    pub unchanged: usize,
    pub problems: Vec<RowProblem>,
    pub unused_columns: Vec<String>,
    pub applied: bool,
}

fn decide_assignments(
    conn: &mut DbConn,
    file: Rows<AssignmentRow>,
) -> Result<(AssignmentsPlan, Vec<AssignmentAdd>), AppError> {
    let residents = directory::list_residents(conn, None)?;
    let by_external: HashMap<&str, &directory::Resident> = residents
        .iter()
        .filter_map(|r| r.external_id.as_deref().map(|e| (e, r)))
        .collect();
    let users = accounts::list_users(conn)?;
    let by_login: HashMap<&str, &User> = users.iter().map(|u| (u.login.as_str(), u)).collect();
    let existing = directory::list_assignments(conn)?;
    let mut plan = AssignmentsPlan {
        rows: file.rows_read,
        problems: file.problems,
        unused_columns: file.unused_columns,
        ..AssignmentsPlan::default()
    };
    for row in file.rows {
        let Some(r) = by_external.get(row.external_id.as_str()) else {
            plan.problems.push(row_problem(
                row.line,
                "番号",
                "unknown_resident",
                "この番号の方は名簿にいません（先に対象者の名簿を取り込んでください）。",
            ));
            continue;
        };
        let Some(u) = by_login.get(row.login.as_str()) else {
            plan.problems.push(row_problem(
                row.line,
                "民生委員",
                "unknown_commissioner",
                "このログイン名の方はいません（先に人の名簿を取り込んでください）。",
            ));
            continue;
        };
        let problem = if u.role != Role::Commissioner.as_str() {
            Some(("not_commissioner", "担当にできるのは民生委員だけです。"))
        } else if u.disabled_at.is_some() {
            Some(("disabled", "この方は利用停止中です。"))
        } else if u.district_id.as_deref() != Some(r.district_id.as_str()) {
            Some(("other_district", "対象者と民生委員の地区が違います。"))
        } else if r.status != "active" {
            Some(("not_active", "この方は見守りを終えています。"))
        } else {
            None
        };
        if let Some((code, message)) = problem {
            plan.problems
                .push(row_problem(row.line, "民生委員", code, message));
            continue;
        }
        let starts = row.starts_on.to_string();
        if existing
            .iter()
            .any(|a| a.resident_id == r.id && a.commissioner_id == u.id && a.covers(&starts))
        {
            plan.unchanged += 1;
            continue;
        }
        plan.add.push(AssignmentAdd {
            line: row.line,
            external_id: row.external_id.clone(),
            resident_id: r.id.clone(),
            resident_name: r.name.clone(),
            login: u.login.clone(),
            commissioner_name: u.display_name.clone(),
            starts_on: starts,
            ends_on: row.ends_on.map(|d| d.to_string()),
        });
    }
    plan.problems.sort_by_key(|p| p.line);
    let adds = plan.add.clone();
    Ok((plan, adds))
}

/// What importing the assignments file would do; writes nothing.
pub fn plan_assignments(
    conn: &mut DbConn,
    file: Rows<AssignmentRow>,
) -> Result<AssignmentsPlan, AppError> {
    Ok(decide_assignments(conn, file)?.0)
}

/// Imports the assignments file (planned again in this transaction) when no row is in error.
pub fn apply_assignments(
    conn: &mut DbConn,
    actor: &Actor,
    file: Rows<AssignmentRow>,
) -> Result<AssignmentsPlan, AppError> {
    let (mut plan, adds) = decide_assignments(conn, file)?;
    if !plan.problems.is_empty() {
        return Ok(plan);
    }
    let users = accounts::list_users(conn)?;
    for a in adds {
        let Some(u) = users.iter().find(|u| u.login == a.login) else {
            continue;
        };
        let day = |d: &str| crate::domain::Date::parse(d).map_err(AppError::internal);
        assign(
            conn,
            actor,
            &a.resident_id,
            &u.id,
            day(&a.starts_on)?,
            a.ends_on.as_deref().map(day).transpose()?,
        )?;
    }
    record(
        conn,
        actor,
        "roster.assignments",
        "assignment",
        None,
        json!({ "rows": plan.rows, "added": plan.add.len(), "unchanged": plan.unchanged }),
    )?;
    plan.applied = true;
    Ok(plan)
}
