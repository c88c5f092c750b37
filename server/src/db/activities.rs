//! The commissioner's own activity log: which document is whose, and its entries projected for the
//! 活動記録 counts (day and kind only; notes stay in the document).

use diesel::prelude::*;

use super::DbConn;
use super::schema::{activities, activity_logs, users};

/// One projected entry of a commissioner's activity log.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = activities)]
pub struct ActivityRecord {
    pub user_id: String,
    pub id: String,
    /// `YYYY-MM-DD` (Japan).
    pub day: String,
    /// One of `sync::schema::ACTIVITY_KINDS`.
    pub kind: String,
    pub district_id: Option<String>,
    pub received_at: i64,
    pub updated_at: i64,
}

/// The document id of a user's activity log, if it has been made.
pub fn log_of(conn: &mut DbConn, user_id: &str) -> QueryResult<Option<String>> {
    activity_logs::table
        .find(user_id)
        .select(activity_logs::doc_id)
        .first(conn)
        .optional()
}

/// Whether `doc_id` is somebody's activity log (so no tablet may offer it as a new resident).
pub fn is_log(conn: &mut DbConn, doc_id: &str) -> QueryResult<bool> {
    activity_logs::table
        .filter(activity_logs::doc_id.eq(doc_id))
        .count()
        .get_result::<i64>(conn)
        .map(|n| n > 0)
}

/// Records `doc_id` as the user's activity log unless one exists (two tablets asking at once):
/// whether this one was recorded. The caller stores the document's first chunk only then.
pub fn claim_log(conn: &mut DbConn, user_id: &str, doc_id: &str, now: i64) -> QueryResult<bool> {
    if log_of(conn, user_id)?.is_some() {
        return Ok(false);
    }
    diesel::insert_into(activity_logs::table)
        .values((
            activity_logs::user_id.eq(user_id),
            activity_logs::doc_id.eq(doc_id),
            activity_logs::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Writes entries that are new or changed (day or kind); new ones get `now` as receipt time and
/// the user's current district.
pub fn apply(
    conn: &mut DbConn,
    user_id: &str,
    rows: &[(String, String, String)],
    now: i64,
) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let district: Option<String> = users::table
        .find(user_id)
        .select(users::district_id)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten();
    for (id, day, kind) in rows {
        let found: Option<(String, String)> = activities::table
            .find((user_id, id.as_str()))
            .select((activities::day, activities::kind))
            .first(conn)
            .optional()?;
        match found {
            None => {
                diesel::insert_into(activities::table)
                    .values(ActivityRecord {
                        user_id: user_id.to_string(),
                        id: id.clone(),
                        day: day.clone(),
                        kind: kind.clone(),
                        district_id: district.clone(),
                        received_at: now,
                        updated_at: now,
                    })
                    .execute(conn)?;
            }
            Some((d, k)) if (&d, &k) != (day, kind) => {
                diesel::update(activities::table.find((user_id, id.as_str())))
                    .set((
                        activities::day.eq(day),
                        activities::kind.eq(kind),
                        activities::updated_at.eq(now),
                    ))
                    .execute(conn)?;
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Deletes entries taken back in the document.
pub fn remove(conn: &mut DbConn, user_id: &str, ids: &[String]) -> QueryResult<()> {
    for id in ids {
        diesel::delete(activities::table.find((user_id, id.as_str()))).execute(conn)?;
    }
    Ok(())
}

/// Entries of days in `[from, to)` (`YYYY-MM` or `YYYY-MM-DD` bounds compare as text), of one user,
/// of one district, or of everyone.
pub fn in_range(
    conn: &mut DbConn,
    from: &str,
    to: &str,
    district_id: Option<&str>,
    user_id: Option<&str>,
) -> QueryResult<Vec<ActivityRecord>> {
    let mut q = activities::table
        .filter(activities::day.ge(from))
        .filter(activities::day.lt(to))
        .into_boxed();
    if let Some(d) = district_id {
        q = q.filter(activities::district_id.eq(d));
    }
    if let Some(u) = user_id {
        q = q.filter(activities::user_id.eq(u));
    }
    q.select(ActivityRecord::as_select()).load(conn)
}
