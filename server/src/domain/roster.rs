//! The city's roster of watched residents (要援護者名簿) as a CSV file: what Excel in a city office
//! writes (UTF-8 with or without a BOM, or Shift_JIS / CP932), one resident per row, columns found
//! by their heading. Pure: bytes in, rows and the problems of each row out. What an import does with
//! the rows is `admin::roster`.
//!
//! | heading (any of) | field | |
//! |---|---|---|
//! | 番号, 管理番号, 外部ID, ID | the city's own number for the resident | required, unique in the file |
//! | 氏名, 名前 | name | required |
//! | ふりがな, フリガナ, よみがな, カナ | kana (hiragana or katakana) | required |
//! | 住所 | address | required |
//! | 地区, 地区コード | the district's code (or its name) | required |
//! | 見守り間隔, 間隔, 見守り間隔（日） | days between contacts, 1–365 | optional (7) |
//!
//! Other columns are named in the preview as not used.

use super::{Address, Invalid, Kana, Name};

/// Files bigger than this are refused before they are read (a city's whole roster is far smaller).
pub const MAX_BYTES: usize = 8 * 1024 * 1024;
/// Rows in one file at most.
pub const MAX_ROWS: usize = 20_000;

/// One valid row of the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterRow {
    /// The file's line number (the heading is line 1).
    pub line: usize,
    pub external_id: String,
    pub name: Name,
    pub kana: Kana,
    pub address: Address,
    /// The district's code or name, as written.
    pub district: String,
    pub interval_days: Option<i32>,
    /// 避難行動要支援者 (needs an evacuation plan); `None` when the file does not say.
    pub needs_plan: Option<bool>,
}

/// Why a row (or the file) cannot be imported: the line, the column heading, a code and words.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct RowProblem {
    pub line: usize,
    /// The column's heading as the file wrote it (empty for a problem of the whole row or file).
    pub column: String,
    pub code: String,
    pub message: String,
}

/// A parsed roster: its valid rows, the problems of the others, and the columns not used.
#[derive(Debug, Default)]
pub struct Roster {
    /// Data rows read (blank lines left out), valid or not.
    pub rows_read: usize,
    pub rows: Vec<RosterRow>,
    pub problems: Vec<RowProblem>,
    pub unused_columns: Vec<String>,
}

/// A column a file may have: its key, the headings it may go by (the first is the one named when
/// it is missing), and whether it must be there.
pub struct ColumnSpec {
    pub key: &'static str,
    pub headings: &'static [&'static str],
    pub required: bool,
}

const RESIDENT_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec {
        key: "external_id",
        headings: &["番号", "管理番号", "外部ID", "外部id", "ID", "id"],
        required: true,
    },
    ColumnSpec {
        key: "name",
        headings: &["氏名", "名前"],
        required: true,
    },
    ColumnSpec {
        key: "kana",
        headings: &["ふりがな", "フリガナ", "よみがな", "ヨミガナ", "カナ"],
        required: true,
    },
    ColumnSpec {
        key: "address",
        headings: &["住所"],
        required: true,
    },
    ColumnSpec {
        key: "district",
        headings: &["地区", "地区コード"],
        required: true,
    },
    ColumnSpec {
        key: "interval",
        headings: &["見守り間隔", "間隔", "見守り間隔（日）", "見守り間隔(日)"],
        required: false,
    },
    ColumnSpec {
        key: "needs_plan",
        headings: &["避難行動要支援者", "要支援", "個別避難計画"],
        required: false,
    },
];

/// 避難行動要支援者 as a city's file marks it: ○ / 1 / はい / 要 (yes), × / 0 / いいえ / 否 (no).
fn mark(v: &str) -> Result<bool, Invalid> {
    match v {
        "○" | "〇" | "◯" | "1" | "はい" | "要" | "yes" | "true" => Ok(true),
        "×" | "0" | "いいえ" | "否" | "no" | "false" | "-" => Ok(false),
        _ => Err(Invalid::new("unknown_mark", "○ か × で入れてください。")),
    }
}

pub(crate) fn problem(
    line: usize,
    column: &str,
    code: &str,
    message: impl Into<String>,
) -> RowProblem {
    RowProblem {
        line,
        column: column.to_string(),
        code: code.to_string(),
        message: message.into(),
    }
}

/// The file's text: UTF-8 (a BOM is dropped) or else Shift_JIS / CP932.
pub fn decode(bytes: &[u8]) -> Result<String, RowProblem> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_string());
    }
    let (text, _, had_errors) = encoding_rs::SHIFT_JIS.decode(bytes);
    if had_errors {
        return Err(problem(
            0,
            "",
            "unreadable_encoding",
            "文字コードが読めません。UTF-8 か Shift_JIS（Excel の「CSV」）で保存してください。",
        ));
    }
    Ok(text.into_owned())
}

/// A CSV file read as a table: its data rows (blank lines left out), the problems of the file and of
/// rows that could not be read, and the headings of columns not used.
#[derive(Debug, Default)]
pub struct Table {
    pub rows_read: usize,
    pub rows: Vec<TableRow>,
    pub problems: Vec<RowProblem>,
    pub unused_columns: Vec<String>,
}

/// One data row: its line and, per column key, (heading as written, trimmed value).
#[derive(Debug)]
pub struct TableRow {
    pub line: usize,
    cells: Vec<(&'static str, String, String)>,
}

impl TableRow {
    /// The cell of column `key`: (heading, value); ("", "") for an optional column the file lacks.
    pub fn cell(&self, key: &str) -> (&str, &str) {
        self.cells
            .iter()
            .find(|(k, _, _)| *k == key)
            .map_or(("", ""), |(_, h, v)| (h.as_str(), v.as_str()))
    }

    /// The row's cells read one by one, collecting each cell's problem.
    pub fn reader(&self) -> Cells<'_> {
        Cells {
            row: self,
            problems: Vec::new(),
        }
    }
}

/// Reads a row's cells, collecting a problem (line, heading, why) for each bad one.
pub struct Cells<'a> {
    row: &'a TableRow,
    pub problems: Vec<RowProblem>,
}

impl<'a> Cells<'a> {
    /// A required cell: its value, or a problem when empty.
    pub fn required(&mut self, key: &str) -> Option<(&'a str, &'a str)> {
        let (heading, value) = self.row.cell(key);
        if value.is_empty() {
            self.problems
                .push(problem(self.row.line, heading, "required", "空欄です。"));
            return None;
        }
        Some((heading, value))
    }

    /// A required cell parsed by `f`: the value, or the cell's problem.
    pub fn parse<T>(&mut self, key: &str, f: impl FnOnce(&str) -> Result<T, Invalid>) -> Option<T> {
        let (heading, value) = self.required(key)?;
        self.check(heading, f(value))
    }

    /// An optional cell parsed by `f` when not empty: `Some(None)` when empty, `None` when bad.
    pub fn optional<T>(
        &mut self,
        key: &str,
        f: impl FnOnce(&str) -> Result<T, Invalid>,
    ) -> Option<Option<T>> {
        match self.row.cell(key) {
            (_, "") => Some(None),
            (heading, value) => self.check(heading, f(value)).map(Some),
        }
    }

    fn check<T>(&mut self, heading: &str, r: Result<T, Invalid>) -> Option<T> {
        r.map_err(|e| {
            self.problems
                .push(problem(self.row.line, heading, e.code, e.message))
        })
        .ok()
    }
}

/// Reads a CSV file of `columns`. A problem of the whole file (its size or encoding, no heading, a
/// missing column, too many rows) is one problem at line 0 or 1 and no rows.
pub fn read_table(bytes: &[u8], columns: &[ColumnSpec]) -> Table {
    let mut out = Table::default();
    if bytes.len() > MAX_BYTES {
        out.problems.push(problem(
            0,
            "",
            "too_large",
            format!(
                "ファイルが大きすぎます（{} MB まで）。",
                MAX_BYTES / 1024 / 1024
            ),
        ));
        return out;
    }
    let text = match decode(bytes) {
        Ok(t) => t,
        Err(p) => {
            out.problems.push(p);
            return out;
        }
    };
    // Excel ends lines with CRLF; the reader's line numbers count LF only (a record after a CRLF
    // would start on the line before).
    let text = text.replace("\r\n", "\n");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let headings: Vec<String> = match records.next() {
        Some(Ok(h)) => h.iter().map(|s| s.trim().to_string()).collect(),
        _ => {
            out.problems.push(problem(
                1,
                "",
                "no_heading",
                "1行目に見出しの行がありません。",
            ));
            return out;
        }
    };
    let mut found: Vec<Option<&'static str>> = Vec::with_capacity(headings.len());
    for h in &headings {
        let key = columns
            .iter()
            .find(|c| c.headings.contains(&h.as_str()))
            .map(|c| c.key);
        if key.is_none() && !h.is_empty() {
            out.unused_columns.push(h.clone());
        }
        found.push(key);
    }
    let missing: Vec<&str> = columns
        .iter()
        .filter(|c| c.required && !found.contains(&Some(c.key)))
        .map(|c| c.headings[0])
        .collect();
    if !missing.is_empty() {
        out.problems.push(problem(
            1,
            "",
            "missing_columns",
            format!("見出しに「{}」の列がありません。", missing.join("」「")),
        ));
        return out;
    }
    for (i, record) in records.enumerate() {
        let line = record
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map_or(i + 2, |p| p.line() as usize);
        if i >= MAX_ROWS {
            out.problems.push(problem(
                line,
                "",
                "too_many_rows",
                format!("1つのファイルは{MAX_ROWS}行までです。"),
            ));
            out.rows.clear();
            return out;
        }
        let record = match record {
            Ok(r) => r,
            Err(_) => {
                out.problems
                    .push(problem(line, "", "unreadable_row", "この行が読めません。"));
                continue;
            }
        };
        if record.iter().all(|f| f.trim().is_empty()) {
            continue; // a blank line at the end, as Excel leaves
        }
        out.rows_read += 1;
        let cells = found
            .iter()
            .enumerate()
            .filter_map(|(i, key)| {
                let key = (*key)?;
                Some((
                    key,
                    headings[i].clone(),
                    record.get(i).unwrap_or("").trim().to_string(),
                ))
            })
            .collect();
        out.rows.push(TableRow { line, cells });
    }
    out
}

/// Files with one row per thing keyed by a number: a second row with the same key is a problem.
pub(crate) fn first_of_key(
    seen: &mut std::collections::HashMap<String, usize>,
    line: usize,
    heading: &str,
    key: &str,
    what: &str,
) -> Option<RowProblem> {
    let first = seen.insert(key.to_string(), line)?;
    Some(problem(
        line,
        heading,
        "duplicate",
        format!("{first}行目と同じ{what}です。"),
    ))
}

/// Parses a roster file of residents.
pub fn parse(bytes: &[u8]) -> Roster {
    let table = read_table(bytes, RESIDENT_COLUMNS);
    let mut out = Roster {
        rows_read: table.rows_read,
        rows: Vec::new(),
        problems: table.problems,
        unused_columns: table.unused_columns,
    };
    let mut seen = std::collections::HashMap::new();
    for row in &table.rows {
        let line = row.line;
        let mut cells = row.reader();
        let external = cells.required("external_id");
        let name = cells.parse("name", Name::parse);
        let kana = cells.parse("kana", Kana::parse);
        let address = cells.parse("address", Address::parse);
        let district = cells.required("district");
        let interval = cells
            .optional("interval", |v| match v.parse::<i32>() {
                Ok(d) if (1..=365).contains(&d) => Ok(d),
                _ => Err(Invalid::new(
                    "out_of_range",
                    "1〜365の日数で入れてください。",
                )),
            })
            .flatten();
        let needs_plan = cells.optional("needs_plan", mark).flatten();
        if let Some((h, v)) = external
            && v.chars().count() > 64
        {
            cells
                .problems
                .push(problem(line, h, "too_long", "64文字以内にしてください。"));
        }
        let (
            Some(name),
            Some(kana),
            Some(address),
            Some((id_heading, external_id)),
            Some((_, district)),
            true,
        ) = (
            name,
            kana,
            address,
            external,
            district,
            cells.problems.is_empty(),
        )
        else {
            out.problems.append(&mut cells.problems);
            continue;
        };
        if let Some(p) = first_of_key(&mut seen, line, id_heading, external_id, "番号") {
            out.problems.push(p);
            continue;
        }
        out.rows.push(RosterRow {
            line,
            external_id: external_id.to_string(),
            name,
            kana,
            address,
            district: district.to_string(),
            interval_days: interval,
            needs_plan,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "番号,氏名,ふりがな,住所,地区,見守り間隔,備考\n\
        A-001,試験 花子,しけん はなこ,旭川市神楽岡1条1丁目,kaguraoka,7,独居\n\
        A-002,\"見守 太郎\",ミマモリ タロウ,\"旭川市神楽岡2条2丁目, 101\",kaguraoka,,\n";

    #[test]
    fn a_utf8_roster_with_a_bom_reads_every_row_and_names_unused_columns() {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(GOOD.as_bytes());
        let r = parse(&bytes);
        assert_eq!(r.problems, vec![]);
        assert_eq!(r.rows.len(), 2);
        assert_eq!(r.rows[1].line, 3);
        assert_eq!(r.rows[1].name.as_str(), "見守 太郎");
        assert_eq!(r.rows[1].address.as_str(), "旭川市神楽岡2条2丁目, 101");
        assert_eq!(r.rows[0].interval_days, Some(7));
        assert_eq!(r.rows[1].interval_days, None);
        assert_eq!(r.unused_columns, vec!["備考".to_string()]);
    }

    #[test]
    fn a_shift_jis_roster_reads_as_the_same_rows() {
        let (sjis, _, bad) = encoding_rs::SHIFT_JIS.encode(GOOD);
        assert!(!bad);
        assert!(std::str::from_utf8(&sjis).is_err(), "really not UTF-8");
        let r = parse(&sjis);
        assert_eq!(r.problems, vec![]);
        assert_eq!(r.rows, parse(GOOD.as_bytes()).rows);
    }

    #[test]
    fn each_bad_cell_is_named_by_line_and_column_and_its_row_is_left_out() {
        let text = "番号,氏名,ふりがな,住所,地区,見守り間隔\n\
            A-001,試験 花子,しけん,旭川市,kaguraoka,7\n\
            A-002,,しけん,旭川市,kaguraoka,7\n\
            A-003,試験 次郎,Shiken,旭川市,kaguraoka,400\n\
            A-001,試験 三郎,しけん,旭川市,kaguraoka,\n";
        let r = parse(text.as_bytes());
        assert_eq!(r.rows.len(), 1);
        let found: Vec<(usize, &str, &str)> = r
            .problems
            .iter()
            .map(|p| (p.line, p.column.as_str(), p.code.as_str()))
            .collect();
        assert_eq!(
            found,
            vec![
                (3, "氏名", "required"),
                (4, "ふりがな", "invalid_characters"),
                (4, "見守り間隔", "out_of_range"),
                (5, "番号", "duplicate"),
            ]
        );
    }

    #[test]
    fn a_file_without_the_needed_columns_or_in_another_encoding_is_one_problem() {
        let r = parse("番号,氏名\nA-1,試験\n".as_bytes());
        assert_eq!(r.problems.len(), 1);
        assert_eq!(r.problems[0].code, "missing_columns");
        assert!(
            r.problems[0].message.contains("ふりがな"),
            "{:?}",
            r.problems
        );
        let r = parse(&[0x82, 0xa0, 0xff, 0xff, 0x80]);
        assert_eq!(r.problems[0].code, "unreadable_encoding");
    }

    #[test]
    fn lines_count_right_with_excel_line_ends_and_without_optional_columns() {
        let text = "番号,氏名,ふりがな,住所,地区\r\nA,試験,しけん,旭川,k\r\nB,,しけん,旭川,k\r\n";
        let r = parse(text.as_bytes());
        assert_eq!(r.rows.len(), 1);
        assert_eq!(r.rows[0].line, 2);
        assert_eq!(r.rows[0].interval_days, None);
        let found: Vec<(usize, &str)> = r
            .problems
            .iter()
            .map(|p| (p.line, p.column.as_str()))
            .collect();
        assert_eq!(found, vec![(3, "氏名")]);
    }
}
