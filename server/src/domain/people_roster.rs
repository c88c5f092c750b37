//! The city's lists of people (民生委員・会長・職員の名簿) and of assignments (担当の名簿) as CSV
//! files, read as [`super::roster`] reads the residents' (UTF-8 with or without a BOM, or Shift_JIS /
//! CP932; columns found by their heading; each bad cell named by line and column). Pure: bytes in,
//! rows out. What an import does with them is `admin::people_roster`.
//!
//! People, one per row, matched by login name (a file imported again updates instead of adding):
//!
//! | heading (any of) | field | |
//! |---|---|---|
//! | ログイン名, ログインID, login | login name | required, unique in the file |
//! | 氏名, 名前 | display name | required |
//! | 役割, 区分 | 民生委員 / 会長 (地区の会長) / 市の職員 | required; administrators are not imported |
//! | 地区, 地区コード | the district's code or name | required for 民生委員 and 会長, empty for 職員 |
//! | 任期開始, 任期の始まり | first day of the term (2025-12-01 or 2025/12/1) | optional |
//! | 任期終了, 任期の終わり | last day of the term | optional |
//!
//! Assignments, one per row (a resident may have more than one commissioner):
//!
//! | heading (any of) | field | |
//! |---|---|---|
//! | 番号, 管理番号, 外部ID | the resident's number in the city's roster | required |
//! | 民生委員, ログイン名 | the commissioner's login name | required |
//! | 開始日, 担当開始 | first day | required |
//! | 終了日, 担当終了 | last day | optional |

use std::collections::HashMap;

use super::roster::{ColumnSpec, RowProblem, Table, first_of_key, problem, read_table};
use super::{Date, Invalid, Login, Name, Role};

const PEOPLE_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec {
        key: "login",
        headings: &["ログイン名", "ログインID", "login"],
        required: true,
    },
    ColumnSpec {
        key: "name",
        headings: &["氏名", "名前"],
        required: true,
    },
    ColumnSpec {
        key: "role",
        headings: &["役割", "区分"],
        required: true,
    },
    ColumnSpec {
        key: "district",
        headings: &["地区", "地区コード"],
        required: false,
    },
    ColumnSpec {
        key: "term_start",
        headings: &["任期開始", "任期の始まり"],
        required: false,
    },
    ColumnSpec {
        key: "term_end",
        headings: &["任期終了", "任期の終わり"],
        required: false,
    },
];

const ASSIGNMENT_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec {
        key: "external_id",
        headings: &["番号", "管理番号", "外部ID"],
        required: true,
    },
    ColumnSpec {
        key: "login",
        headings: &["民生委員", "ログイン名"],
        required: true,
    },
    ColumnSpec {
        key: "starts_on",
        headings: &["開始日", "担当開始"],
        required: true,
    },
    ColumnSpec {
        key: "ends_on",
        headings: &["終了日", "担当終了"],
        required: false,
    },
];

/// What a file of rows of `R` came to: valid rows, problems, columns not used.
#[derive(Debug)]
pub struct Rows<R> {
    pub rows_read: usize,
    pub rows: Vec<R>,
    pub problems: Vec<RowProblem>,
    pub unused_columns: Vec<String>,
}

impl<R> Rows<R> {
    fn of(table: &mut Table) -> Self {
        Rows {
            rows_read: table.rows_read,
            rows: Vec::new(),
            problems: std::mem::take(&mut table.problems),
            unused_columns: std::mem::take(&mut table.unused_columns),
        }
    }
}

/// One valid row of the people file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRow {
    pub line: usize,
    pub login: Login,
    pub name: Name,
    pub role: Role,
    /// The district's code or name as written (`None` for city staff).
    pub district: Option<String>,
    pub term_starts_on: Option<Date>,
    pub term_ends_on: Option<Date>,
}

/// One valid row of the assignments file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentRow {
    pub line: usize,
    pub external_id: String,
    pub login: String,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
}

/// A day as Excel in a city office writes it: `2025-12-01`, `2025/12/01` or `2025/12/1`.
pub fn office_day(raw: &str) -> Result<Date, Invalid> {
    let parts: Vec<&str> = raw.trim().split(['/', '-']).collect();
    let bad = || {
        Invalid::new(
            "invalid_date",
            "日付は 2025/12/01 か 2025-12-01 の形で入れてください。",
        )
    };
    let [y, m, d] = parts.as_slice() else {
        return Err(bad());
    };
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<u32>(), m.parse::<u32>(), d.parse::<u32>()) else {
        return Err(bad());
    };
    Date::parse(&format!("{y:04}-{m:02}-{d:02}")).map_err(|_| bad())
}

/// The role as the city writes it.
fn role_word(raw: &str) -> Result<Role, Invalid> {
    match raw {
        "民生委員" | "民生委員児童委員" | "委員" | "commissioner" => {
            Ok(Role::Commissioner)
        }
        "会長" | "地区の会長" | "地区会長" | "地区代表" | "district_lead" => {
            Ok(Role::DistrictLead)
        }
        "市の職員" | "市職員" | "職員" | "city_staff" => Ok(Role::CityStaff),
        "管理者" | "admin" => Err(Invalid::new(
            "not_importable",
            "管理者は名簿からは作れません。",
        )),
        _ => Err(Invalid::new(
            "unknown_role",
            "「民生委員」「会長」「市の職員」のどれかを入れてください。",
        )),
    }
}

/// Parses a people file.
pub fn parse_people(bytes: &[u8]) -> Rows<PersonRow> {
    let mut table = read_table(bytes, PEOPLE_COLUMNS);
    let mut out = Rows::of(&mut table);
    let mut seen = HashMap::new();
    for row in &table.rows {
        let line = row.line;
        let mut cells = row.reader();
        let login_cell = cells.required("login");
        let login = login_cell.and_then(|(h, v)| {
            Login::parse(v)
                .map_err(|e| cells.problems.push(problem(line, h, e.code, e.message)))
                .ok()
        });
        let name = cells.parse("name", Name::parse);
        let role = cells.parse("role", role_word);
        let (district_heading, district) = row.cell("district");
        match (role, district) {
            (Some(r), "") if r.needs_district() => cells.problems.push(problem(
                line,
                if district_heading.is_empty() {
                    "地区"
                } else {
                    district_heading
                },
                "required",
                "民生委員と会長には地区が要ります。",
            )),
            (Some(Role::CityStaff), d) if !d.is_empty() => cells.problems.push(problem(
                line,
                district_heading,
                "not_allowed",
                "市の職員には地区を入れません。",
            )),
            _ => {}
        }
        let term_starts_on = cells.optional("term_start", office_day);
        let term_ends_on = cells.optional("term_end", office_day);
        if let (Some(Some(a)), Some(Some(b))) = (term_starts_on, term_ends_on)
            && b < a
        {
            cells.problems.push(problem(
                line,
                row.cell("term_end").0,
                "before_start",
                "任期の終わりが始まりより前です。",
            ));
        }
        let (Some(login), Some(name), Some(role), Some(term_starts_on), Some(term_ends_on), true) = (
            login,
            name,
            role,
            term_starts_on,
            term_ends_on,
            cells.problems.is_empty(),
        ) else {
            out.problems.append(&mut cells.problems);
            continue;
        };
        let heading = login_cell.map_or("", |(h, _)| h);
        if let Some(p) = first_of_key(&mut seen, line, heading, login.as_str(), "ログイン名") {
            out.problems.push(p);
            continue;
        }
        out.rows.push(PersonRow {
            line,
            login,
            name,
            role,
            district: (!district.is_empty()).then(|| district.to_string()),
            term_starts_on,
            term_ends_on,
        });
    }
    out
}

/// Parses an assignments file.
pub fn parse_assignments(bytes: &[u8]) -> Rows<AssignmentRow> {
    let mut table = read_table(bytes, ASSIGNMENT_COLUMNS);
    let mut out = Rows::of(&mut table);
    let mut seen = HashMap::new();
    for row in &table.rows {
        let line = row.line;
        let mut cells = row.reader();
        let external = cells.required("external_id");
        let login = cells.required("login");
        let starts_on = cells.parse("starts_on", office_day);
        let ends_on = cells.optional("ends_on", office_day);
        if let (Some(a), Some(Some(b))) = (starts_on, ends_on)
            && b < a
        {
            cells.problems.push(problem(
                line,
                row.cell("ends_on").0,
                "before_start",
                "終了日が開始日より前です。",
            ));
        }
        let (
            Some((id_heading, external_id)),
            Some((_, login)),
            Some(starts_on),
            Some(ends_on),
            true,
        ) = (
            external,
            login,
            starts_on,
            ends_on,
            cells.problems.is_empty(),
        )
        else {
            out.problems.append(&mut cells.problems);
            continue;
        };
        let key = format!("{external_id}\u{0}{login}");
        if let Some(p) = first_of_key(&mut seen, line, id_heading, &key, "番号と民生委員") {
            out.problems.push(p);
            continue;
        }
        out.rows.push(AssignmentRow {
            line,
            external_id: external_id.to_string(),
            login: login.to_string(),
            starts_on,
            ends_on,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_people_file_in_shift_jis_reads_roles_districts_and_terms_and_names_each_bad_cell() {
        let text = "ログイン名,氏名,役割,地区,任期開始,任期終了,電話\r\n\
            m-sato,佐藤 一郎,民生委員,kaguraoka,2025/12/1,2028/11/30,0166\r\n\
            m-kato,加藤 花子,会長,神楽岡,,,\r\n\
            s-ito,伊藤 次郎,市の職員,,,,\r\n\
            m-bad,,委員長,kaguraoka,2025/13/1,,\r\n\
            s-district,職員 三郎,職員,kaguraoka,,,\r\n\
            m-sato,佐藤 二郎,民生委員,kaguraoka,,,\r\n\
            m-noarea,地区 なし,民生委員,,2025-12-01,2025-11-30,\r\n";
        let (sjis, _, bad) = encoding_rs::SHIFT_JIS.encode(text);
        assert!(!bad);
        let r = parse_people(&sjis);
        let logins: Vec<&str> = r.rows.iter().map(|p| p.login.as_str()).collect();
        assert_eq!(logins, ["m-sato", "m-kato", "s-ito"]);
        assert_eq!(r.rows[0].role, Role::Commissioner);
        assert_eq!(r.rows[0].term_starts_on.unwrap().to_string(), "2025-12-01");
        assert_eq!(r.rows[0].term_ends_on.unwrap().to_string(), "2028-11-30");
        assert_eq!(r.rows[1].role, Role::DistrictLead);
        assert_eq!(r.rows[1].district.as_deref(), Some("神楽岡"));
        assert_eq!(r.rows[2].district, None);
        assert_eq!(r.unused_columns, ["電話"]);
        let found: Vec<(usize, &str, &str)> = r
            .problems
            .iter()
            .map(|p| (p.line, p.column.as_str(), p.code.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (5, "氏名", "required"),
                (5, "役割", "unknown_role"),
                (5, "任期開始", "invalid_date"),
                (6, "地区", "not_allowed"),
                (7, "ログイン名", "duplicate"),
                (8, "地区", "required"),
                (8, "任期終了", "before_start"),
            ]
        );
    }

    #[test]
    fn an_assignments_file_reads_days_as_excel_writes_them() {
        let text = "番号,民生委員,開始日,終了日\n\
            R-1,m-sato,2025/12/1,\n\
            R-2,m-sato,2025-12-01,2026/3/31\n\
            R-3,,2025/12/1,\n\
            R-4,m-kato,12月1日,\n\
            R-1,m-sato,2026/1/1,\n";
        let r = parse_assignments(text.as_bytes());
        assert_eq!(r.rows.len(), 2);
        assert_eq!(r.rows[1].ends_on.unwrap().to_string(), "2026-03-31");
        let found: Vec<(usize, &str, &str)> = r
            .problems
            .iter()
            .map(|p| (p.line, p.column.as_str(), p.code.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (4, "民生委員", "required"),
                (5, "開始日", "invalid_date"),
                (6, "番号", "duplicate"),
            ]
        );
    }

    #[test]
    fn office_days_take_slashes_and_single_digits_and_refuse_impossible_days() {
        assert_eq!(office_day("2025/12/1").unwrap().to_string(), "2025-12-01");
        assert_eq!(
            office_day(" 2026-02-28 ").unwrap().to_string(),
            "2026-02-28"
        );
        assert!(office_day("2026/2/30").is_err());
        assert!(office_day("令和7年12月1日").is_err());
        assert!(office_day("2025/12").is_err());
    }
}
