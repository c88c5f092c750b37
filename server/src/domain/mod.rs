//! The field's vocabulary as plain Rust: roles, validated values, dates. No actix, no diesel.
//!
//! Request types deserialize into these newtypes, so a handler never sees an unvalidated login,
//! name or date. Each `parse` returns [`Invalid`] saying what is wrong; the API layer adds the field
//! name.

pub mod activity;
pub mod alerts;
pub mod contact;
pub mod demo_names;
pub mod disaster;
pub mod evacuation;
pub mod notice;
pub mod people_roster;
pub mod roster;

use serde::{Deserialize, Serialize};

/// What is wrong with a value (the API layer adds which field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub code: &'static str,
    pub message: String,
}

impl Invalid {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Self {
        Invalid {
            code,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Invalid {}

/// A user's role. 民生委員児童委員 (commissioner), 地区民児協会長 etc. (district lead),
/// 福祉保険課 (city staff), administrator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Commissioner,
    DistrictLead,
    CityStaff,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Commissioner,
        Role::DistrictLead,
        Role::CityStaff,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Commissioner => "commissioner",
            Role::DistrictLead => "district_lead",
            Role::CityStaff => "city_staff",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Commissioners and leads belong to a district; staff and admins to none.
    pub fn needs_district(self) -> bool {
        matches!(self, Role::Commissioner | Role::DistrictLead)
    }
}

/// A trimmed, non-empty text of at most `max` characters without control characters.
fn bounded_text(raw: &str, max: usize) -> Result<String, Invalid> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(Invalid::new("required", "入力してください。"));
    }
    if t.chars().count() > max {
        return Err(Invalid::new(
            "too_long",
            format!("{max}文字以内で入力してください。"),
        ));
    }
    // Control characters, and the bidirectional overrides and isolates that can make a name read
    // backwards on screen (U+202A–U+202E, U+2066–U+2069).
    if t.chars().any(|c| {
        c.is_control()
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    }) {
        return Err(Invalid::new(
            "invalid_characters",
            "使えない文字が含まれています。",
        ));
    }
    Ok(t.to_string())
}

macro_rules! text_newtype {
    ($(#[$doc:meta])* $name:ident, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            pub fn parse(raw: &str) -> Result<Self, Invalid> {
                bounded_text(raw, $max).map($name)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_inner(self) -> String {
                self.0
            }
        }
    };
}

text_newtype!(
    /// A person's or place's name as shown on screen (users, residents, districts, devices).
    Name,
    100
);
text_newtype!(
    /// A resident's address (住所).
    Address,
    200
);

/// A login id: 3–64 of `a-z 0-9 . _ -`, lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login(String);

impl Login {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let t = raw.trim().to_ascii_lowercase();
        if !(3..=64).contains(&t.len()) {
            return Err(Invalid::new(
                "invalid_length",
                "3〜64文字で入力してください。",
            ));
        }
        if !t
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        {
            return Err(Invalid::new(
                "invalid_characters",
                "半角英数字と . _ - だけが使えます。",
            ));
        }
        Ok(Login(t))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A district code such as `kaguraoka`: 2–32 of `a-z 0-9 -`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistrictCode(String);

impl DistrictCode {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let t = raw.trim().to_ascii_lowercase();
        if !(2..=32).contains(&t.len())
            || !t
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(Invalid::new(
                "invalid_format",
                "2〜32文字の半角英小文字・数字・ハイフンで入力してください。",
            ));
        }
        Ok(DistrictCode(t))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: 10–256 characters. Never logged, never stored except as an argon2 hash.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

impl Password {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let n = raw.chars().count();
        if !(10..=256).contains(&n) {
            return Err(Invalid::new(
                "invalid_length",
                "パスワードは10〜256文字にしてください。",
            ));
        }
        Ok(Password(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Kana reading of a name (ふりがな): hiragana/katakana, spaces and the long-vowel mark, ≤ 100.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kana(String);

impl Kana {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let t = bounded_text(raw, 100)?;
        let ok = t.chars().all(
            |c| matches!(c, '\u{3041}'..='\u{309F}' | '\u{30A0}'..='\u{30FF}' | ' ' | '\u{3000}'),
        );
        if !ok {
            return Err(Invalid::new(
                "invalid_characters",
                "ふりがなはひらがなかカタカナで入力してください。",
            ));
        }
        Ok(Kana(t))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A calendar date `YYYY-MM-DD` (Japan time). Stored as that text, which sorts as dates do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let bad = || Invalid::new("invalid_date", "日付は YYYY-MM-DD の形で入力してください。");
        let b = raw.trim().as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad());
        }
        let num = |s: &[u8]| -> Option<u32> {
            s.iter().try_fold(0u32, |acc, &c| {
                c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
            })
        };
        let (y, m, d) = (num(&b[0..4]), num(&b[5..7]), num(&b[8..10]));
        let (Some(y), Some(m), Some(d)) = (y, m, d) else {
            return Err(bad());
        };
        let date = Date {
            year: y as i32,
            month: m,
            day: d,
        };
        if !(2000..=2999).contains(&y)
            || !(1..=12).contains(&m)
            || d < 1
            || d > days_in_month(date.year, m)
        {
            return Err(bad());
        }
        Ok(date)
    }

    /// The civil date of a Unix-epoch day count.
    pub fn from_epoch_days(days: i64) -> Date {
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// Days since the Unix epoch (inverse of [`Date::from_epoch_days`]).
    pub fn epoch_days(self) -> i64 {
        let (y, m) = if self.month <= 2 {
            (i64::from(self.year) - 1, i64::from(self.month) + 9)
        } else {
            (i64::from(self.year), i64::from(self.month) - 3)
        };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * m + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The day before.
    pub fn pred(self) -> Date {
        Date::from_epoch_days(self.epoch_days() - 1)
    }

    /// The next day.
    pub fn succ(self) -> Date {
        Date::from_epoch_days(self.epoch_days() + 1)
    }

    /// Today in Japan (UTC+9, no daylight saving) for a server clock in Unix milliseconds.
    pub fn today_jst(now_ms: i64) -> Date {
        Date::from_epoch_days((now_ms + 9 * 3_600_000).div_euclid(86_400_000))
    }
}

/// An ISO 8601 date-time with an offset (`2026-11-20T10:00:00+09:00`, `2026-11-20T01:00:00.000Z`),
/// rewritten in Japan time with seconds (`2026-11-20T10:00:00+09:00`), so that recorded times from
/// clients that write UTC and clients that write JST sort and group by month as one. `None` when it
/// is not such a date-time.
pub fn normalize_to_jst(value: &str) -> Option<String> {
    let b = value.as_bytes();
    if b.len() < 16 || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    let date = Date::parse(&value[..10]).ok()?;
    let two = |i: usize| -> Option<i64> {
        let s = b.get(i..i + 2)?;
        s.iter()
            .all(u8::is_ascii_digit)
            .then(|| i64::from(s[0] - b'0') * 10 + i64::from(s[1] - b'0'))
    };
    let (hour, minute) = (two(11)?, two(14)?);
    let mut rest = 16;
    let mut second = 0;
    if b.get(rest) == Some(&b':') {
        second = two(rest + 1)?;
        rest += 3;
        if b.get(rest) == Some(&b'.') {
            rest += 1;
            let digits = b[rest..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                return None;
            }
            rest += digits;
        }
    }
    let offset_min = match &b[rest..] {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (h, m) = (two(rest + 1)?, two(rest + 4)?);
            if h > 14 || m > 59 {
                return None;
            }
            (h * 60 + m) * if *sign == b'-' { -1 } else { 1 }
        }
        _ => return None,
    };
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let jst = date.epoch_days() * 86_400 + hour * 3_600 + minute * 60 + second - offset_min * 60
        + 9 * 3_600;
    let day = Date::from_epoch_days(jst.div_euclid(86_400));
    let secs = jst.rem_euclid(86_400);
    Some(format!(
        "{day}T{:02}:{:02}:{:02}+09:00",
        secs / 3_600,
        secs % 3_600 / 60,
        secs % 60
    ))
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// Whether an assignment running `starts_on ..= ends_on` (inclusive; open-ended when `None`) gives
/// access on `today`. The end date is the last day of the term or hand-over.
pub fn assignment_active(starts_on: &str, ends_on: Option<&str>, today: Date) -> bool {
    let today = today.to_string();
    starts_on <= today.as_str() && ends_on.is_none_or(|e| today.as_str() <= e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_strictly_and_follow_jst() {
        assert_eq!(Date::parse("2026-02-29").unwrap_err().code, "invalid_date");
        assert!(Date::parse("2028-02-29").is_ok());
        assert!(Date::parse("2026-13-01").is_err());
        assert!(Date::parse("26-1-1").is_err());
        // 2026-11-23 15:30 UTC is already the 24th in Japan.
        let ms = 1_795_447_800_000; // 2026-11-23T15:30:00Z
        assert_eq!(Date::today_jst(ms).to_string(), "2026-11-24");
        assert_eq!(Date::from_epoch_days(0).to_string(), "1970-01-01");
        let d = Date::parse("2028-02-28").unwrap();
        assert_eq!(d.succ().to_string(), "2028-02-29");
        assert_eq!(
            Date::parse("2026-12-31").unwrap().succ().to_string(),
            "2027-01-01"
        );
        assert_eq!(Date::from_epoch_days(d.epoch_days()), d);
    }

    #[test]
    fn recorded_times_become_japan_time() {
        let n = |s| normalize_to_jst(s);
        assert_eq!(
            n("2026-11-20T10:00:00+09:00").as_deref(),
            Some("2026-11-20T10:00:00+09:00")
        );
        // A UTC evening is the next morning in Japan, and the next month at a month's end.
        assert_eq!(
            n("2026-11-30T23:30:00.123Z").as_deref(),
            Some("2026-12-01T08:30:00+09:00")
        );
        assert_eq!(
            n("2026-11-20T10:00+09:00").as_deref(),
            Some("2026-11-20T10:00:00+09:00")
        );
        assert_eq!(
            n("2026-01-01T00:00:00-05:00").as_deref(),
            Some("2026-01-01T14:00:00+09:00")
        );
        for bad in [
            "2026-11-20",
            "2026-11-20T10:00:00",
            "2026-11-20T25:00:00Z",
            "2026-02-30T10:00:00Z",
            "2026-11-20T10:00:00.Z",
            "2026-11-20T10:00:00+9:00",
            "yesterday at ten o'clock",
        ] {
            assert_eq!(n(bad), None, "{bad}");
        }
    }

    #[test]
    fn assignments_end_inclusively() {
        let d = Date::parse("2026-11-30").unwrap();
        assert!(assignment_active("2025-12-01", Some("2026-11-30"), d));
        assert!(!assignment_active("2025-12-01", Some("2026-11-29"), d));
        assert!(!assignment_active("2026-12-01", None, d));
    }

    #[test]
    fn values_are_validated_at_the_edge() {
        assert!(Login::parse("Tanaka.Hanako").is_ok());
        assert_eq!(
            Login::parse("x' OR 1=1 --").unwrap_err().code,
            "invalid_characters"
        );
        assert_eq!(Name::parse(&"あ".repeat(101)).unwrap_err().code, "too_long");
        assert_eq!(Name::parse("  ").unwrap_err().code, "required");
        assert!(Kana::parse("たなか はなこ").is_ok());
        assert!(Kana::parse("田中").is_err());
        assert!(format!("{:?}", Password::parse("correct horse").unwrap()).contains("***"));
    }
}
