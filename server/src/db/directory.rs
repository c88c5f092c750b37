//! Districts (地区), residents (見守り対象者) and assignments (担当).

use diesel::prelude::*;

use super::DbConn;
use super::schema::{assignments, districts, residents, settings, users};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = districts)]
pub struct District {
    pub id: String,
    pub code: String,
    pub name: String,
    pub created_at: i64,
}

/// A resident row. `name`, `kana` and `address` are personal data: they go to authorized callers in
/// JSON and nowhere else (no logs, no errors, no audit detail).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = residents)]
pub struct Resident {
    pub id: String,
    pub district_id: String,
    pub name: String,
    pub kana: String,
    pub address: String,
    pub status: String,
    pub contact_interval_days: i32,
    pub created_at: i64,
    /// The resident's Automerge document (`sync::DocumentId` text).
    pub doc_id: Option<String>,
    pub doc_changed_at: Option<i64>,
    /// The city's own number for the resident (its roster's id), when it was imported.
    pub external_id: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = assignments)]
pub struct Assignment {
    pub id: String,
    pub resident_id: String,
    pub commissioner_id: String,
    pub starts_on: String,
    pub ends_on: Option<String>,
    pub created_at: i64,
}

impl Assignment {
    /// Whether the commissioner watches the resident on `day` (`YYYY-MM-DD`, the end day included),
    /// as the SQL of `residents_of` says it.
    pub fn covers(&self, day: &str) -> bool {
        self.starts_on.as_str() <= day && self.ends_on.as_deref().is_none_or(|e| e >= day)
    }
}

pub fn insert_district(conn: &mut DbConn, d: &District) -> QueryResult<()> {
    diesel::insert_into(districts::table)
        .values(d)
        .execute(conn)
        .map(|_| ())
}

pub fn list_districts(conn: &mut DbConn) -> QueryResult<Vec<District>> {
    districts::table
        .order(districts::code)
        .select(District::as_select())
        .load(conn)
}

pub fn district_by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<District>> {
    districts::table
        .find(id)
        .select(District::as_select())
        .first(conn)
        .optional()
}

pub fn district_by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<District>> {
    districts::table
        .filter(districts::code.eq(code))
        .select(District::as_select())
        .first(conn)
        .optional()
}

pub fn insert_resident(conn: &mut DbConn, r: &Resident) -> QueryResult<()> {
    diesel::insert_into(residents::table)
        .values(r)
        .execute(conn)
        .map(|_| ())
}

pub fn resident_by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<Resident>> {
    residents::table
        .find(id)
        .select(Resident::as_select())
        .first(conn)
        .optional()
}

/// The districts of the residents `ids` (resident → district), in one query.
pub fn districts_of_residents(
    conn: &mut DbConn,
    ids: &[String],
) -> QueryResult<std::collections::HashMap<String, String>> {
    let mut found = std::collections::HashMap::new();
    for part in ids.chunks(500) {
        let rows: Vec<(String, String)> = residents::table
            .filter(residents::id.eq_any(part))
            .select((residents::id, residents::district_id))
            .load(conn)?;
        found.extend(rows);
    }
    Ok(found)
}

pub fn list_residents(conn: &mut DbConn, district_id: Option<&str>) -> QueryResult<Vec<Resident>> {
    let mut q = residents::table.select(Resident::as_select()).into_boxed();
    if let Some(d) = district_id {
        q = q.filter(residents::district_id.eq(d.to_string()));
    }
    q.order((residents::kana, residents::id)).load(conn)
}

/// Residents a commissioner is assigned to on `today` (`YYYY-MM-DD`, inclusive end dates).
pub fn residents_assigned_to(
    conn: &mut DbConn,
    commissioner_id: &str,
    today: &str,
) -> QueryResult<Vec<Resident>> {
    residents::table
        .inner_join(assignments::table)
        .filter(assignments::commissioner_id.eq(commissioner_id))
        .filter(assignments::starts_on.le(today))
        .filter(
            assignments::ends_on
                .is_null()
                .or(assignments::ends_on.ge(today)),
        )
        // An archived resident (declined by the lead) is nobody's to watch, assignment or not.
        .filter(residents::status.ne("archived"))
        .select(Resident::as_select())
        .distinct()
        .order((residents::kana, residents::id))
        .load(conn)
}

/// How many residents are assigned to a commissioner on `today` (`YYYY-MM-DD`) or from a later
/// day (a successor named ahead of the hand-over).
pub fn residents_assigned_from(
    conn: &mut DbConn,
    commissioner_id: &str,
    today: &str,
) -> QueryResult<i64> {
    assignments::table
        .filter(assignments::commissioner_id.eq(commissioner_id))
        .filter(
            assignments::ends_on
                .is_null()
                .or(assignments::ends_on.ge(today)),
        )
        .select(diesel::dsl::count_distinct(assignments::resident_id))
        .first(conn)
}

/// Residents whose assignment to `commissioner_id` ended on a day in `[since, today)`.
pub fn residents_assigned_until(
    conn: &mut DbConn,
    commissioner_id: &str,
    since: &str,
    today: &str,
) -> QueryResult<Vec<Resident>> {
    residents::table
        .inner_join(assignments::table)
        .filter(assignments::commissioner_id.eq(commissioner_id))
        .filter(assignments::ends_on.ge(since))
        .filter(assignments::ends_on.lt(today))
        .filter(residents::status.ne("archived"))
        .select(Resident::as_select())
        .distinct()
        .order((residents::kana, residents::id))
        .load(conn)
}

/// Residents awaiting the lead's approval that are assigned to `commissioner_id` (registered from
/// their tablets).
pub fn pending_residents_of(conn: &mut DbConn, commissioner_id: &str) -> QueryResult<i64> {
    residents::table
        .inner_join(assignments::table)
        .filter(assignments::commissioner_id.eq(commissioner_id))
        .filter(residents::status.eq("pending"))
        .select(diesel::dsl::count_distinct(residents::id))
        .first(conn)
}

/// Whether `commissioner_id` holds an assignment for `resident_id` on `today`.
pub fn is_assigned(
    conn: &mut DbConn,
    resident_id: &str,
    commissioner_id: &str,
    today: &str,
) -> QueryResult<bool> {
    let n: i64 = assignments::table
        .filter(assignments::resident_id.eq(resident_id))
        .filter(assignments::commissioner_id.eq(commissioner_id))
        .filter(assignments::starts_on.le(today))
        .filter(
            assignments::ends_on
                .is_null()
                .or(assignments::ends_on.ge(today)),
        )
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn insert_assignment(conn: &mut DbConn, a: &Assignment) -> QueryResult<()> {
    diesel::insert_into(assignments::table)
        .values(a)
        .execute(conn)
        .map(|_| ())
}

pub fn assignment_by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<Assignment>> {
    assignments::table
        .find(id)
        .select(Assignment::as_select())
        .first(conn)
        .optional()
}

pub fn list_assignments(conn: &mut DbConn) -> QueryResult<Vec<Assignment>> {
    assignments::table
        .order((assignments::resident_id, assignments::starts_on))
        .select(Assignment::as_select())
        .load(conn)
}

pub fn set_assignment_end(conn: &mut DbConn, id: &str, ends_on: &str) -> QueryResult<()> {
    diesel::update(assignments::table.find(id))
        .set(assignments::ends_on.eq(ends_on))
        .execute(conn)
        .map(|_| ())
}

/// The active district leads of a district (user ids).
pub fn district_leads(conn: &mut DbConn, district_id: &str) -> QueryResult<Vec<String>> {
    users::table
        .filter(users::district_id.eq(district_id))
        .filter(users::role.eq("district_lead"))
        .filter(users::disabled_at.is_null())
        .select(users::id)
        .load(conn)
}

pub fn get_setting(conn: &mut DbConn, key: &str) -> QueryResult<Option<String>> {
    settings::table
        .find(key)
        .select(settings::value)
        .first(conn)
        .optional()
}

pub fn put_setting(conn: &mut DbConn, key: &str, value: &str) -> QueryResult<()> {
    diesel::delete(settings::table.find(key)).execute(conn)?;
    diesel::insert_into(settings::table)
        .values((settings::key.eq(key), settings::value.eq(value)))
        .execute(conn)
        .map(|_| ())
}

pub fn resident_by_doc_id(conn: &mut DbConn, doc_id: &str) -> QueryResult<Option<Resident>> {
    residents::table
        .filter(residents::doc_id.eq(doc_id))
        .select(Resident::as_select())
        .first(conn)
        .optional()
}

/// The city's number for a resident (set by a roster import).
pub fn set_resident_external_id(conn: &mut DbConn, id: &str, external_id: &str) -> QueryResult<()> {
    diesel::update(residents::table.find(id))
        .set(residents::external_id.eq(external_id))
        .execute(conn)
        .map(|_| ())
}

pub fn set_resident_interval(conn: &mut DbConn, id: &str, days: i32) -> QueryResult<()> {
    diesel::update(residents::table.find(id))
        .set(residents::contact_interval_days.eq(days))
        .execute(conn)
        .map(|_| ())
}

/// Residents the city's roster marks as needing an evacuation plan (避難行動要支援者).
pub fn residents_needing_plans(
    conn: &mut DbConn,
) -> QueryResult<std::collections::HashSet<String>> {
    Ok(residents::table
        .filter(residents::needs_evacuation_plan.eq(true))
        .select(residents::id)
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

pub fn set_needs_plan(conn: &mut DbConn, id: &str, needs: bool) -> QueryResult<()> {
    diesel::update(residents::table.find(id))
        .set(residents::needs_evacuation_plan.eq(needs))
        .execute(conn)
        .map(|_| ())
}

pub fn set_resident_status(conn: &mut DbConn, id: &str, status: &str) -> QueryResult<()> {
    diesel::update(residents::table.find(id))
        .set(residents::status.eq(status))
        .execute(conn)
        .map(|_| ())
}
