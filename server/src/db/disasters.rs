//! Disasters the city declared (災害モード) and the districts each covers.

use diesel::prelude::*;

use super::DbConn;
use super::schema::{disaster_districts, disasters};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = disasters)]
pub struct Disaster {
    pub id: String,
    /// `domain::disaster::DisasterKind` as written.
    pub kind: String,
    pub title: String,
    pub city_wide: bool,
    pub drill: bool,
    pub occurred_at: i64,
    pub declared_at: i64,
    pub declared_by: String,
    pub ended_at: Option<i64>,
    pub ended_by: Option<String>,
    pub notice_id: Option<String>,
}

/// A disaster with the district ids it covers.
pub type Covering = (Disaster, Vec<String>);

pub fn insert(conn: &mut DbConn, d: &Disaster, district_ids: &[String]) -> QueryResult<()> {
    diesel::insert_into(disasters::table)
        .values(d)
        .execute(conn)?;
    // One row at a time: diesel's multi-backend connection has no batch insert (a city has ~50).
    for id in district_ids {
        diesel::insert_into(disaster_districts::table)
            .values((
                disaster_districts::disaster_id.eq(&d.id),
                disaster_districts::district_id.eq(id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

fn with_districts(conn: &mut DbConn, list: Vec<Disaster>) -> QueryResult<Vec<Covering>> {
    let ids: Vec<&str> = list.iter().map(|d| d.id.as_str()).collect();
    let pairs: Vec<(String, String)> = disaster_districts::table
        .filter(disaster_districts::disaster_id.eq_any(ids))
        .order((
            disaster_districts::disaster_id,
            disaster_districts::district_id,
        ))
        .select((
            disaster_districts::disaster_id,
            disaster_districts::district_id,
        ))
        .load(conn)?;
    Ok(list
        .into_iter()
        .map(|d| {
            let districts = pairs
                .iter()
                .filter(|(id, _)| *id == d.id)
                .map(|(_, district)| district.clone())
                .collect();
            (d, districts)
        })
        .collect())
}

/// Every disaster, the newest first.
pub fn list(conn: &mut DbConn) -> QueryResult<Vec<Covering>> {
    let list = disasters::table
        .order((disasters::declared_at.desc(), disasters::id))
        .select(Disaster::as_select())
        .load(conn)?;
    with_districts(conn, list)
}

pub fn by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<Covering>> {
    let Some(d) = disasters::table
        .find(id)
        .select(Disaster::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    Ok(with_districts(conn, vec![d])?.pop())
}

/// The disasters not ended, covering `district` (every one for `None`: the office), newest first.
pub fn active(conn: &mut DbConn, district: Option<&str>) -> QueryResult<Vec<Covering>> {
    let list = disasters::table
        .filter(disasters::ended_at.is_null())
        .order((disasters::declared_at.desc(), disasters::id))
        .select(Disaster::as_select())
        .load(conn)?;
    let all = with_districts(conn, list)?;
    Ok(match district {
        None => all,
        Some(d) => all
            .into_iter()
            .filter(|(_, ds)| ds.iter().any(|x| x == d))
            .collect(),
    })
}

/// Ends a disaster; false when it had already ended.
pub fn end(conn: &mut DbConn, id: &str, by: &str, now: i64) -> QueryResult<bool> {
    let n = diesel::update(
        disasters::table
            .find(id)
            .filter(disasters::ended_at.is_null()),
    )
    .set((disasters::ended_at.eq(now), disasters::ended_by.eq(by)))
    .execute(conn)?;
    Ok(n == 1)
}

// --- 安否 (safety records), the commissioners' own status, take-overs -----------------------------

use super::schema::{
    disaster_takeovers, residents, safety_latest, safety_records, self_safety, users,
};

/// Records made up to this long before a disaster's occurrence count for it (a commissioner checking
/// in as the snow gets heavy), and up to this long after it ended (a record delivered late).
const BEFORE_MS: i64 = 3_600_000;
const AFTER_END_MS: i64 = 72 * 3_600_000;

/// A 安否 record as the server counted it.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = safety_records)]
pub struct SafetyRecord {
    pub resident_id: String,
    pub id: String,
    /// Resolved by the server (the record's own id when it names one that covers the resident).
    pub disaster_id: Option<String>,
    pub status: String,
    /// Japan time with offset (`normalize_to_jst`): strings compare in time order.
    pub at: String,
    pub author_id: String,
    pub delivered_by_user_id: String,
    pub delivered_by_device_id: Option<String>,
    pub received_at: i64,
}

/// A 安否 record as the projection read it from a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafetyIn {
    pub id: String,
    /// The disaster the tablet knew of ("" when none had reached it).
    pub disaster_id: String,
    pub status: String,
    pub at: String,
    pub author_id: String,
}

/// Milliseconds of a `normalize_to_jst` time (`2026-12-03T06:05:00+09:00`).
pub fn jst_ms(at: &str) -> Option<i64> {
    let day = crate::domain::Date::parse(at.get(..10)?).ok()?;
    let num = |r: std::ops::Range<usize>| at.get(r)?.parse::<i64>().ok();
    let (h, m, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    Some(day.epoch_days() * 86_400_000 + ((h - 9) * 3600 + m * 60 + s) * 1000)
}

/// The disaster a record made at `at` in `district` belongs to: the one it names if that covers the
/// district and the time, else the latest declared one that does; none before any declaration.
fn resolve(
    conn: &mut DbConn,
    district_id: &str,
    named: &str,
    at: &str,
) -> QueryResult<Option<String>> {
    let Some(at) = jst_ms(at) else {
        return Ok(None);
    };
    let candidates: Vec<Disaster> = disasters::table
        .inner_join(disaster_districts::table)
        .filter(disaster_districts::district_id.eq(district_id))
        .filter(disasters::occurred_at.le(at + BEFORE_MS))
        .order(disasters::declared_at.desc())
        .select(Disaster::as_select())
        .load(conn)?;
    let covering: Vec<&Disaster> = candidates
        .iter()
        .filter(|d| d.ended_at.is_none_or(|e| at <= e + AFTER_END_MS))
        .collect();
    Ok(covering
        .iter()
        .find(|d| d.id == named)
        .or(covering.first())
        .map(|d| d.id.clone()))
}

/// Keeps `safety_latest` the latest record per resident and disaster by the record's own time (then
/// id), whatever order records arrive in.
fn upsert_latest(conn: &mut DbConn, disaster_id: &str, r: &SafetyRecord) -> QueryResult<()> {
    let old: Option<(String, String)> = safety_latest::table
        .find((disaster_id, &r.resident_id))
        .select((safety_latest::at, safety_latest::record_id))
        .first(conn)
        .optional()?;
    match old {
        None => {
            diesel::insert_into(safety_latest::table)
                .values((
                    safety_latest::disaster_id.eq(disaster_id),
                    safety_latest::resident_id.eq(&r.resident_id),
                    safety_latest::record_id.eq(&r.id),
                    safety_latest::status.eq(&r.status),
                    safety_latest::at.eq(&r.at),
                    safety_latest::author_id.eq(&r.author_id),
                ))
                .execute(conn)?;
        }
        Some((at, id)) if (r.at.as_str(), r.id.as_str()) > (at.as_str(), id.as_str()) => {
            diesel::update(safety_latest::table.find((disaster_id, &r.resident_id)))
                .set((
                    safety_latest::record_id.eq(&r.id),
                    safety_latest::status.eq(&r.status),
                    safety_latest::at.eq(&r.at),
                    safety_latest::author_id.eq(&r.author_id),
                ))
                .execute(conn)?;
        }
        Some(_) => {}
    }
    Ok(())
}

/// What [`apply_safety`] did: the records not counted (entry id, code), and the disasters that got
/// a new 支援が必要 for the resident.
pub type SafetyApplied = (Vec<(String, &'static str)>, Vec<String>);

/// Writes a document's 安否 records as the server counts them (D7): only as their author delivered
/// them, never edited (a stored id with other content is a problem, the stored row stays), not dated
/// after tomorrow; each resolved to its disaster and folded into `safety_latest`. Returns the
/// problems (entry id, code) and the disasters that got a new 支援が必要 for this resident.
pub fn apply_safety(
    conn: &mut DbConn,
    resident_id: &str,
    rows: &[SafetyIn],
    delivered_by: (&str, Option<&str>),
    now: i64,
) -> QueryResult<SafetyApplied> {
    let mut problems = Vec::new();
    let mut needs_help = Vec::new();
    if rows.is_empty() {
        return Ok((problems, needs_help));
    }
    let district: String = residents::table
        .find(resident_id)
        .select(residents::district_id)
        .first(conn)?;
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let stored: Vec<SafetyRecord> = safety_records::table
        .filter(safety_records::resident_id.eq(resident_id))
        .filter(safety_records::id.eq_any(&ids))
        .select(SafetyRecord::as_select())
        .load(conn)?;
    for r in rows {
        // A record that names no author is its deliverer's (as a referral).
        let r = &SafetyIn {
            author_id: if r.author_id.is_empty() {
                delivered_by.0.to_string()
            } else {
                r.author_id.clone()
            },
            ..r.clone()
        };
        let old = stored.iter().find(|s| s.id == r.id);
        if old.is_some_and(|o| (&o.status, &o.at, &o.author_id) == (&r.status, &r.at, &r.author_id))
        {
            continue; // synced again
        }
        if let Some(code) = crate::db::documents::whole_entry_not_counted(
            &r.at,
            &r.author_id,
            delivered_by.0,
            old.is_some(),
            now,
        ) {
            problems.push((r.id.clone(), code));
            continue;
        }
        let record = SafetyRecord {
            resident_id: resident_id.to_string(),
            id: r.id.clone(),
            disaster_id: resolve(conn, &district, &r.disaster_id, &r.at)?,
            status: r.status.clone(),
            at: r.at.clone(),
            author_id: r.author_id.clone(),
            delivered_by_user_id: delivered_by.0.to_string(),
            delivered_by_device_id: delivered_by.1.map(str::to_string),
            received_at: now,
        };
        diesel::insert_into(safety_records::table)
            .values(&record)
            .execute(conn)?;
        if let Some(d) = &record.disaster_id {
            upsert_latest(conn, d, &record)?;
            if record.status == crate::domain::disaster::SafetyStatus::NeedsHelp.as_str()
                && !needs_help.contains(d)
            {
                needs_help.push(d.clone());
            }
        }
    }
    Ok((problems, needs_help))
}

/// A declaration takes in the records already made for it: the 安否 of its districts' residents and
/// the own statuses of its districts' people with no disaster yet whose time falls in its window
/// (made on a tablet the declaration had not reached: the network goes first). Returns how many
/// 安否 records it took.
pub fn attach_unresolved(
    conn: &mut DbConn,
    d: &Disaster,
    district_ids: &[String],
) -> QueryResult<usize> {
    let pending: Vec<SafetyRecord> = safety_records::table
        .inner_join(residents::table)
        .filter(safety_records::disaster_id.is_null())
        .filter(residents::district_id.eq_any(district_ids))
        .select(SafetyRecord::as_select())
        .load(conn)?;
    let mut n = 0;
    for mut r in pending {
        let Some(at) = jst_ms(&r.at) else { continue };
        if at + BEFORE_MS < d.occurred_at {
            continue;
        }
        diesel::update(safety_records::table.find((&r.resident_id, &r.id)))
            .set(safety_records::disaster_id.eq(&d.id))
            .execute(conn)?;
        r.disaster_id = Some(d.id.clone());
        upsert_latest(conn, &d.id, &r)?;
        n += 1;
    }
    let own: Vec<(String, String, String)> = self_safety::table
        .inner_join(users::table.on(users::id.eq(self_safety::user_id)))
        .filter(self_safety::disaster_id.is_null())
        .filter(users::district_id.eq_any(district_ids))
        .select((self_safety::user_id, self_safety::id, self_safety::at))
        .load(conn)?;
    for (user_id, id, at) in own {
        let Some(at) = jst_ms(&at) else { continue };
        if at + BEFORE_MS < d.occurred_at {
            continue;
        }
        diesel::update(self_safety::table.find((&user_id, &id)))
            .set(self_safety::disaster_id.eq(&d.id))
            .execute(conn)?;
    }
    Ok(n)
}

/// Whether the district's leads may be pushed about someone needing help now (at most once per 5
/// minutes per disaster and district, whichever server process asks: one row updated or none).
pub fn claim_lead_push(
    conn: &mut DbConn,
    disaster_id: &str,
    district_id: &str,
    now: i64,
) -> QueryResult<bool> {
    let n = diesel::update(
        disaster_districts::table
            .filter(disaster_districts::disaster_id.eq(disaster_id))
            .filter(disaster_districts::district_id.eq(district_id))
            .filter(
                disaster_districts::lead_pushed_at
                    .is_null()
                    .or(disaster_districts::lead_pushed_at.lt(now - 300_000)),
            ),
    )
    .set(disaster_districts::lead_pushed_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// A commissioner's own status (本人の安全) as the server counted it.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = self_safety)]
pub struct SelfSafety {
    pub user_id: String,
    pub id: String,
    pub disaster_id: Option<String>,
    pub status: String,
    pub at: String,
    pub received_at: i64,
}

/// Writes the caller's own statuses from their activity log (their own document: no author rule to
/// keep), each resolved to the disaster covering their district; already stored ids are left.
/// Returns the disasters with a new 支援が必要.
pub fn apply_self_safety(
    conn: &mut DbConn,
    user_id: &str,
    rows: &[SafetyIn],
    now: i64,
) -> QueryResult<Vec<String>> {
    let mut needs_help = Vec::new();
    let district: Option<String> = users::table
        .find(user_id)
        .select(users::district_id)
        .first(conn)?;
    for r in rows {
        let stored = self_safety::table
            .find((user_id, &r.id))
            .select(self_safety::id)
            .first::<String>(conn)
            .optional()?;
        if stored.is_some() {
            continue;
        }
        let disaster = match &district {
            Some(d) => resolve(conn, d, &r.disaster_id, &r.at)?,
            None => None,
        };
        diesel::insert_into(self_safety::table)
            .values(&SelfSafety {
                user_id: user_id.to_string(),
                id: r.id.clone(),
                disaster_id: disaster.clone(),
                status: r.status.clone(),
                at: r.at.clone(),
                received_at: now,
            })
            .execute(conn)?;
        if let Some(d) = disaster
            && r.status == crate::domain::disaster::SelfStatus::NeedsHelp.as_str()
            && !needs_help.contains(&d)
        {
            needs_help.push(d);
        }
    }
    Ok(needs_help)
}

/// The latest 安否 of each resident for a disaster: resident → (status, at, author).
pub fn latest_of(
    conn: &mut DbConn,
    disaster_id: &str,
) -> QueryResult<Vec<(String, String, String, String)>> {
    safety_latest::table
        .filter(safety_latest::disaster_id.eq(disaster_id))
        .select((
            safety_latest::resident_id,
            safety_latest::status,
            safety_latest::at,
            safety_latest::author_id,
        ))
        .load(conn)
}

/// Each user's latest own status for a disaster: user → (status, at).
pub fn self_latest_of(
    conn: &mut DbConn,
    disaster_id: &str,
) -> QueryResult<Vec<(String, String, String)>> {
    let mut rows: Vec<(String, String, String, String)> = self_safety::table
        .filter(self_safety::disaster_id.eq(disaster_id))
        .select((
            self_safety::user_id,
            self_safety::status,
            self_safety::at,
            self_safety::id,
        ))
        .load(conn)?;
    rows.sort_by(|a, b| (&a.0, &a.2, &a.3).cmp(&(&b.0, &b.2, &b.3)));
    let mut out: Vec<(String, String, String)> = Vec::new();
    for (user, status, at, _) in rows {
        match out.last_mut() {
            Some(last) if last.0 == user => *last = (user, status, at),
            _ => out.push((user, status, at)),
        }
    }
    Ok(out)
}

/// Ends every take-over `lead_id` holds (their role or district changed): the commissioners'
/// residents are no longer covered by them. Returns how many.
pub fn release_takeovers_by(conn: &mut DbConn, lead_id: &str, now: i64) -> QueryResult<usize> {
    diesel::update(
        disaster_takeovers::table
            .filter(disaster_takeovers::taken_by.eq(lead_id))
            .filter(disaster_takeovers::released_at.is_null()),
    )
    .set(disaster_takeovers::released_at.eq(now))
    .execute(conn)
}

/// Take-overs in force for a disaster: commissioner → the lead who took over.
pub fn takeovers_of(conn: &mut DbConn, disaster_id: &str) -> QueryResult<Vec<(String, String)>> {
    disaster_takeovers::table
        .filter(disaster_takeovers::disaster_id.eq(disaster_id))
        .filter(disaster_takeovers::released_at.is_null())
        .select((
            disaster_takeovers::commissioner_id,
            disaster_takeovers::taken_by,
        ))
        .load(conn)
}

/// A lead takes over a commissioner's residents for the disaster (again, after a release).
pub fn take_over(
    conn: &mut DbConn,
    disaster_id: &str,
    commissioner_id: &str,
    by: &str,
    now: i64,
) -> QueryResult<()> {
    diesel::delete(disaster_takeovers::table.find((disaster_id, commissioner_id))).execute(conn)?;
    diesel::insert_into(disaster_takeovers::table)
        .values((
            disaster_takeovers::disaster_id.eq(disaster_id),
            disaster_takeovers::commissioner_id.eq(commissioner_id),
            disaster_takeovers::taken_by.eq(by),
            disaster_takeovers::taken_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Ends a take-over; false when none was in force.
pub fn release(
    conn: &mut DbConn,
    disaster_id: &str,
    commissioner_id: &str,
    now: i64,
) -> QueryResult<bool> {
    let n = diesel::update(
        disaster_takeovers::table
            .find((disaster_id, commissioner_id))
            .filter(disaster_takeovers::released_at.is_null()),
    )
    .set(disaster_takeovers::released_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// Ends every take-over of a disaster (it ended).
pub fn release_all(conn: &mut DbConn, disaster_id: &str, now: i64) -> QueryResult<usize> {
    diesel::update(
        disaster_takeovers::table
            .filter(disaster_takeovers::disaster_id.eq(disaster_id))
            .filter(disaster_takeovers::released_at.is_null()),
    )
    .set(disaster_takeovers::released_at.eq(now))
    .execute(conn)
}
