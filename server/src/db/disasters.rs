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
