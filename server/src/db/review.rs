//! What district leads review: alerts raised by the escalation rules, snowfall days, overdue
//! residents.

use diesel::prelude::*;

use super::DbConn;
use super::documents::ContactRecord;
use super::schema::{alerts, assignments, contacts, residents, snowfall_days, users};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = alerts)]
pub struct Alert {
    pub id: String,
    pub resident_id: String,
    pub district_id: String,
    pub rule: String,
    pub route: String,
    pub contact_id: String,
    pub status: String,
    pub raised_at: i64,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<i64>,
    pub closed_by: Option<String>,
    pub closed_at: Option<i64>,
    /// The lead's note on closing (may hold personal data: kept here only, never in the audit log).
    pub close_note: Option<String>,
}

/// For each resident → `since` (an `occurred_at`), its contacts that happened at or after `since`
/// and the `before` contacts just before it, newest first, in one statement: what the escalation
/// rules need to judge every contact from `since` on, each with what came before it.
pub fn contacts_from(
    conn: &mut DbConn,
    since: &std::collections::HashMap<String, String>,
    before: usize,
) -> QueryResult<std::collections::HashMap<String, Vec<ContactRecord>>> {
    use diesel::sql_types::{Array, BigInt, Text};
    let (ids, sinces): (Vec<&String>, Vec<&String>) = since.iter().unzip();
    let before = before as i64;
    let rows: Vec<ContactRecord> = match conn {
        DbConn::Postgres(c) => diesel::sql_query(
            "SELECT c.* FROM unnest($1::text[], $2::text[]) AS r(id, since) CROSS JOIN LATERAL \
             ((SELECT * FROM contacts WHERE contacts.resident_id = r.id \
                 AND contacts.occurred_at >= r.since) \
              UNION ALL \
              (SELECT * FROM contacts WHERE contacts.resident_id = r.id \
                 AND contacts.occurred_at < r.since \
               ORDER BY occurred_at DESC, received_at DESC LIMIT $3)) AS c",
        )
        .bind::<Array<Text>, _>(ids)
        .bind::<Array<Text>, _>(sinces)
        .bind::<BigInt, _>(before)
        .load::<ContactRecord>(c)?,
        DbConn::Sqlite(c) => {
            let pairs: Vec<(&String, &String)> = ids.into_iter().zip(sinces).collect();
            diesel::sql_query(
                "SELECT c.* FROM json_each(?1) AS r JOIN contacts AS c \
                   ON c.resident_id = json_extract(r.value, '$[0]') \
                  AND c.occurred_at >= json_extract(r.value, '$[1]') \
                 UNION ALL \
                 SELECT c.* FROM json_each(?1) AS r JOIN contacts AS c \
                   ON (c.resident_id, c.id) IN (SELECT resident_id, id FROM contacts \
                     WHERE resident_id = json_extract(r.value, '$[0]') \
                       AND occurred_at < json_extract(r.value, '$[1]') \
                     ORDER BY occurred_at DESC, received_at DESC LIMIT ?2)",
            )
            .bind::<Text, _>(serde_json::to_string(&pairs).unwrap_or_default())
            .bind::<BigInt, _>(before)
            .load::<ContactRecord>(c)?
        }
    };
    Ok(newest_first_by_resident(rows))
}

/// Groups contacts by resident, newest first (ties: the later received, then by id, so the order
/// is the same on every run).
fn newest_first_by_resident(
    rows: Vec<ContactRecord>,
) -> std::collections::HashMap<String, Vec<ContactRecord>> {
    let mut by_resident: std::collections::HashMap<String, Vec<ContactRecord>> =
        std::collections::HashMap::new();
    for r in rows {
        by_resident
            .entry(r.resident_id.clone())
            .or_default()
            .push(r);
    }
    for list in by_resident.values_mut() {
        list.sort_by(|a, b| {
            (&b.occurred_at, b.received_at, &b.id).cmp(&(&a.occurred_at, a.received_at, &a.id))
        });
    }
    by_resident
}

/// Snowfall days of a district from `since` (`YYYY-MM-DD`) on.
pub fn snowfall_days_since(
    conn: &mut DbConn,
    district_id: &str,
    since: &str,
) -> QueryResult<Vec<String>> {
    snowfall_days::table
        .filter(snowfall_days::district_id.eq(district_id))
        .filter(snowfall_days::day.ge(since))
        .select(snowfall_days::day)
        .load(conn)
}

/// Marks a snowfall day (idempotent).
pub fn mark_snowfall(
    conn: &mut DbConn,
    district_id: &str,
    day: &str,
    by: &str,
    now: i64,
) -> QueryResult<()> {
    let exists = snowfall_days::table
        .find((district_id, day))
        .select(snowfall_days::day)
        .first::<String>(conn)
        .optional()?
        .is_some();
    if !exists {
        diesel::insert_into(snowfall_days::table)
            .values((
                snowfall_days::district_id.eq(district_id),
                snowfall_days::day.eq(day),
                snowfall_days::marked_by.eq(by),
                snowfall_days::marked_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Records the alerts not yet recorded (once per resident, rule and contact), on PostgreSQL in one
/// statement; the ids of those recorded now.
pub fn raise_alerts(conn: &mut DbConn, alerts: &[Alert]) -> QueryResult<Vec<String>> {
    let mut raised = Vec::new();
    match conn {
        // The unique index (resident, rule, contact) keeps a second one out. Diesel writes no
        // multi-row `INSERT … RETURNING` for SQLite; one statement per alert is a local call there.
        DbConn::Sqlite(c) => {
            for alert in alerts {
                let inserted = diesel::insert_into(alerts::table)
                    .values(alert)
                    .on_conflict_do_nothing()
                    .execute(c)?;
                if inserted > 0 {
                    raised.push(alert.id.clone());
                }
            }
        }
        DbConn::Postgres(c) => {
            for part in alerts.chunks(500) {
                raised.extend(
                    diesel::insert_into(alerts::table)
                        .values(part)
                        .on_conflict_do_nothing()
                        .returning(alerts::id)
                        .get_results::<String>(c)?,
                );
            }
        }
    }
    Ok(raised)
}

/// An alert as the lead reads it: with the resident's name and the contact that raised it (when it
/// happened and who delivered it; `None` if that contact is not stored).
#[derive(Debug, Clone)]
pub struct AlertRow {
    pub alert: Alert,
    pub resident_name: String,
    /// The triggering contact's `occurred_at`, as recorded on the tablet.
    pub occurred_at: Option<String>,
    /// Display name of the commissioner who delivered the triggering contact.
    pub recorded_by: Option<String>,
}

/// A district's alerts, newest first; `status` filters, `id` picks one.
fn alert_rows(
    conn: &mut DbConn,
    district_id: &str,
    status: Option<&str>,
    id: Option<&str>,
) -> QueryResult<Vec<AlertRow>> {
    let mut q = alerts::table
        .inner_join(residents::table)
        .left_join(
            contacts::table.on(contacts::resident_id
                .eq(alerts::resident_id)
                .and(contacts::id.eq(alerts::contact_id))),
        )
        .left_join(users::table.on(users::id.eq(contacts::delivered_by_user_id)))
        .filter(alerts::district_id.eq(district_id.to_string()))
        .select((
            Alert::as_select(),
            residents::name,
            contacts::occurred_at.nullable(),
            users::display_name.nullable(),
        ))
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(alerts::status.eq(s.to_string()));
    }
    if let Some(id) = id {
        q = q.filter(alerts::id.eq(id.to_string()));
    }
    Ok(q.order((alerts::raised_at.desc(), alerts::id))
        .load::<(Alert, String, Option<String>, Option<String>)>(conn)?
        .into_iter()
        .map(
            |(alert, resident_name, occurred_at, recorded_by)| AlertRow {
                alert,
                resident_name,
                occurred_at,
                recorded_by,
            },
        )
        .collect())
}

/// A district's alerts, newest first; `status` filters.
pub fn district_alerts(
    conn: &mut DbConn,
    district_id: &str,
    status: Option<&str>,
) -> QueryResult<Vec<AlertRow>> {
    alert_rows(conn, district_id, status, None)
}

/// One alert of a district; `None` when there is none of that id in this district.
pub fn district_alert(
    conn: &mut DbConn,
    district_id: &str,
    id: &str,
) -> QueryResult<Option<AlertRow>> {
    Ok(alert_rows(conn, district_id, None, Some(id))?
        .into_iter()
        .next())
}

/// Alerts not yet closed, each with its district and when its contact happened (the demo settles
/// the older ones).
pub fn open_alerts_with_contacts(conn: &mut DbConn) -> QueryResult<Vec<(String, String, String)>> {
    alerts::table
        .inner_join(
            contacts::table.on(contacts::resident_id
                .eq(alerts::resident_id)
                .and(contacts::id.eq(alerts::contact_id))),
        )
        .filter(alerts::status.ne("closed"))
        .order(alerts::id)
        .select((alerts::id, alerts::district_id, contacts::occurred_at))
        .load(conn)
}

pub fn acknowledge_alert(conn: &mut DbConn, id: &str, by: &str, now: i64) -> QueryResult<()> {
    diesel::update(alerts::table.find(id).filter(alerts::status.eq("open")))
        .set((
            alerts::status.eq("acknowledged"),
            alerts::acknowledged_by.eq(by),
            alerts::acknowledged_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Closes an alert not yet closed, with the lead's note (if any); a closed one stays as it was.
pub fn close_alert(
    conn: &mut DbConn,
    id: &str,
    by: &str,
    now: i64,
    note: Option<&str>,
) -> QueryResult<()> {
    diesel::update(alerts::table.find(id).filter(alerts::status.ne("closed")))
        .set((
            alerts::status.eq("closed"),
            alerts::closed_by.eq(by),
            alerts::closed_at.eq(now),
            alerts::close_note.eq(note),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A record the server could not read (`data_problems`), as the lead sees it: codes, no content.
#[derive(Debug, Clone)]
pub struct ProblemRow {
    pub resident_id: String,
    pub resident_name: String,
    /// `contact`, `review`, `activity` or `profile`.
    pub entry_kind: String,
    /// What was wrong, as a code (`occurredAt: missing`).
    pub problem: String,
    /// Display name of whoever delivered it, if still known.
    pub delivered_by: Option<String>,
    pub detected_at: i64,
}

/// The district's unreadable records, newest first (at most `limit`).
pub fn district_problems(
    conn: &mut DbConn,
    district_id: &str,
    limit: i64,
) -> QueryResult<Vec<ProblemRow>> {
    use super::schema::data_problems;
    Ok(data_problems::table
        .inner_join(residents::table.on(residents::id.eq(data_problems::resident_id)))
        .left_join(users::table.on(users::id.eq(data_problems::delivered_by_user_id)))
        .filter(residents::district_id.eq(district_id))
        .select((
            data_problems::resident_id,
            residents::name,
            data_problems::entry_kind,
            data_problems::problem,
            users::display_name.nullable(),
            data_problems::detected_at,
        ))
        .order((data_problems::detected_at.desc(), data_problems::entry_id))
        .limit(limit)
        .load::<(String, String, String, String, Option<String>, i64)>(conn)?
        .into_iter()
        .map(
            |(resident_id, resident_name, entry_kind, problem, delivered_by, detected_at)| {
                ProblemRow {
                    resident_id,
                    resident_name,
                    entry_kind,
                    problem,
                    delivered_by,
                    detected_at,
                }
            },
        )
        .collect())
}

/// A resident of the district with their current commissioner and last contact.
#[derive(Debug, Clone)]
pub struct ContactStatus {
    pub resident_id: String,
    pub resident_name: String,
    pub contact_interval_days: i32,
    pub commissioner: String,
    /// Day of the last contact (`YYYY-MM-DD`); `None`: never contacted.
    pub last_contact_on: Option<String>,
}

impl ContactStatus {
    /// Days past the contact interval on `today` (0 or less: not due yet); `None` when never
    /// contacted. The one rule for the lead's overdue list and the city's overview.
    pub fn days_overdue(&self, today: &str) -> Option<i64> {
        let last = self.last_contact_on.as_deref()?;
        Some(
            crate::domain::alerts::days_between(last, today)?
                - i64::from(self.contact_interval_days),
        )
    }

    /// Overdue, or never contacted.
    pub fn is_overdue(&self, today: &str) -> bool {
        self.days_overdue(today).is_none_or(|d| d > 0)
    }
}

/// Active residents of a district with their current commissioner(s) and their last contact.
pub fn district_contact_status(
    conn: &mut DbConn,
    district_id: &str,
    today: &str,
) -> QueryResult<Vec<ContactStatus>> {
    let rows: Vec<(String, String, i32, String)> = residents::table
        .inner_join(assignments::table.inner_join(users::table))
        .filter(residents::district_id.eq(district_id))
        .filter(residents::status.ne("archived"))
        .filter(assignments::starts_on.le(today))
        .filter(
            assignments::ends_on
                .is_null()
                .or(assignments::ends_on.ge(today)),
        )
        .select((
            residents::id,
            residents::name,
            residents::contact_interval_days,
            users::display_name,
        ))
        .load(conn)?;
    let last: Vec<(String, Option<String>)> = contacts::table
        .inner_join(residents::table)
        .filter(residents::district_id.eq(district_id))
        .group_by(contacts::resident_id)
        .select((
            contacts::resident_id,
            diesel::dsl::max(contacts::occurred_at),
        ))
        .load(conn)?;
    let last: std::collections::HashMap<String, Option<String>> = last.into_iter().collect();
    Ok(rows
        .into_iter()
        .map(|(id, name, interval, commissioner)| ContactStatus {
            last_contact_on: last
                .get(&id)
                .cloned()
                .flatten()
                .map(|t| t.chars().take(10).collect()),
            resident_id: id,
            resident_name: name,
            contact_interval_days: interval,
            commissioner,
        })
        .collect())
}

/// A contact of a month, as the 活動記録 counts it.
#[derive(Debug, Clone)]
pub struct MonthContact {
    pub delivered_by_user_id: String,
    pub district_id: String,
    pub occurred_at: String,
    pub kind: String,
    /// JSON `{fields, contents}`.
    pub activity: String,
}

/// Contacts whose `occurred_at` falls in `[from, to)` (`YYYY-MM` prefixes compare as dates), in one
/// district or delivered by one user.
pub fn month_contacts(
    conn: &mut DbConn,
    from: &str,
    to: &str,
    district_id: Option<&str>,
    user_id: Option<&str>,
) -> QueryResult<Vec<MonthContact>> {
    let mut q = contacts::table
        .inner_join(residents::table)
        .filter(contacts::occurred_at.ge(from.to_string()))
        .filter(contacts::occurred_at.lt(to.to_string()))
        .select((
            contacts::delivered_by_user_id,
            residents::district_id,
            contacts::occurred_at,
            contacts::kind,
            contacts::activity,
        ))
        .into_boxed();
    if let Some(d) = district_id {
        q = q.filter(residents::district_id.eq(d.to_string()));
    }
    if let Some(u) = user_id {
        q = q.filter(contacts::delivered_by_user_id.eq(u.to_string()));
    }
    Ok(q.load::<(String, String, String, String, String)>(conn)?
        .into_iter()
        .map(|(u, d, o, k, a)| MonthContact {
            delivered_by_user_id: u,
            district_id: d,
            occurred_at: o,
            kind: k,
            activity: a,
        })
        .collect())
}

/// Referrals (つなぎ) made in [from, to) (days, `YYYY-MM…` bounds): (author, the resident's
/// district, day), optionally of one district or one author — what the 活動記録 counts as
/// 連絡調整.
pub fn month_referrals(
    conn: &mut DbConn,
    from: &str,
    to: &str,
    district_id: Option<&str>,
    user_id: Option<&str>,
) -> QueryResult<Vec<(String, String, String)>> {
    use super::schema::referrals;
    let mut q = referrals::table
        .inner_join(residents::table)
        .filter(referrals::day.ge(from.to_string()))
        .filter(referrals::day.lt(to.to_string()))
        .select((referrals::author_id, residents::district_id, referrals::day))
        .into_boxed();
    if let Some(d) = district_id {
        q = q.filter(residents::district_id.eq(d.to_string()));
    }
    if let Some(u) = user_id {
        q = q.filter(referrals::author_id.eq(u.to_string()));
    }
    q.load(conn)
}

/// Per district: referrals made since `from` (a day) and how many of them still wait for an
/// outcome — (district, made, open).
pub fn referrals_by_district(conn: &mut DbConn, from: &str) -> QueryResult<Vec<(String, String)>> {
    use super::schema::referrals;
    referrals::table
        .inner_join(residents::table)
        .filter(referrals::day.ge(from.to_string()))
        .select((residents::district_id, referrals::outcome))
        .load(conn)
}

/// Commissioners and district leads (id, display name, district id), optionally of one district.
pub fn commissioners(
    conn: &mut DbConn,
    district_id: Option<&str>,
) -> QueryResult<Vec<(String, String, Option<String>)>> {
    // A district lead (会長) is a commissioner too, with a 活動記録 of their own.
    let mut q = users::table
        .filter(users::role.eq_any(["commissioner", "district_lead"]))
        .select((users::id, users::display_name, users::district_id))
        .into_boxed();
    if let Some(d) = district_id {
        q = q.filter(users::district_id.eq(d.to_string()));
    }
    q.order(users::login).load(conn)
}

/// Filters of the lead's review list; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct ContactFilter {
    pub commissioner_id: Option<String>,
    pub resident_id: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub from: Option<String>,
    /// `YYYY-MM-DD`: the day after the last one wanted (plain comparison on both backends).
    pub to_exclusive: Option<String>,
    pub kind: Option<String>,
    pub concern: Option<String>,
    /// A check name that must be 気になる (`concern`).
    pub check_concern: Option<String>,
}

/// A contact of the district with its resident's name, the delivering commissioner's name and the
/// lead's mark (if any).
pub type ReviewRow = (ContactRecord, String, String, Option<String>);

/// The district's contacts under `filter`, newest first (at most `limit`).
pub fn district_contacts(
    conn: &mut DbConn,
    district_id: &str,
    filter: &ContactFilter,
    limit: i64,
) -> QueryResult<Vec<ReviewRow>> {
    use super::schema::reviews;
    let mut q = contacts::table
        .inner_join(residents::table)
        .inner_join(users::table.on(users::id.eq(contacts::delivered_by_user_id)))
        .left_join(
            reviews::table.on(reviews::resident_id
                .eq(contacts::resident_id)
                .and(reviews::contact_id.eq(contacts::id))),
        )
        .filter(residents::district_id.eq(district_id.to_string()))
        .select((
            ContactRecord::as_select(),
            residents::name,
            users::display_name,
            reviews::mark.nullable(),
        ))
        .into_boxed();
    if let Some(v) = &filter.commissioner_id {
        q = q.filter(contacts::delivered_by_user_id.eq(v.clone()));
    }
    if let Some(v) = &filter.resident_id {
        q = q.filter(contacts::resident_id.eq(v.clone()));
    }
    if let Some(v) = &filter.from {
        q = q.filter(contacts::occurred_at.ge(v.clone()));
    }
    if let Some(v) = &filter.to_exclusive {
        q = q.filter(contacts::occurred_at.lt(v.clone()));
    }
    if let Some(v) = &filter.kind {
        q = q.filter(contacts::kind.eq(v.clone()));
    }
    if let Some(v) = &filter.concern {
        q = q.filter(contacts::concern.eq(v.clone()));
    }
    if let Some(check) = &filter.check_concern {
        // `checks` is a JSON object written by the projection with sorted keys and no spaces.
        q = q.filter(contacts::checks.like(format!("%\"{check}\":\"concern\"%")));
    }
    q.order((contacts::occurred_at.desc(), contacts::received_at.desc()))
        .limit(limit)
        .load(conn)
}

/// How many contacts fall in each `[from, to)` range of Japan days (`YYYY-MM-DD`), of one district
/// or all: one counting query per range, each an index range (`contacts(occurred_at …)`).
pub fn contacts_in_ranges(
    conn: &mut DbConn,
    ranges: &[(String, String)],
    district_id: Option<&str>,
) -> QueryResult<Vec<i64>> {
    ranges
        .iter()
        .map(|(from, to)| {
            let q = contacts::table
                .filter(contacts::occurred_at.ge(from))
                .filter(contacts::occurred_at.lt(to));
            match district_id {
                None => q.count().get_result(conn),
                Some(d) => q
                    .inner_join(residents::table)
                    .filter(residents::district_id.eq(d))
                    .count()
                    .get_result(conn),
            }
        })
        .collect()
}

/// Alerts not yet closed (open or acknowledged), per district.
pub fn open_alerts_by_district(conn: &mut DbConn) -> QueryResult<Vec<(String, i64)>> {
    alerts::table
        .filter(alerts::status.ne("closed"))
        .group_by(alerts::district_id)
        .select((alerts::district_id, diesel::dsl::count_star()))
        .load(conn)
}
