//! お知らせ (notices from the city office): their vocabulary and the rules a composed notice must
//! keep. `api::notices` parses the request into [`compose`]'s arguments, checks that chosen
//! districts exist (the one rule that needs the database), and stores the result; the database
//! row keeps the words as strings, read back with `parse`.

use super::contact::vocabulary;
use super::{Date, Invalid, Role};

vocabulary! {
    /// How a notice is shown and pushed.
    Priority {
        /// 通常
        Normal = "normal",
        /// 重要
        Important = "important",
        /// 緊急: pushed at once (and counted while unread on the office's overview)
        Urgent = "urgent",
    }
}

impl Priority {
    /// Order on a tablet's list: 緊急 first, then 重要, then 通常.
    pub fn rank(self) -> u8 {
        match self {
            Priority::Urgent => 0,
            Priority::Important => 1,
            Priority::Normal => 2,
        }
    }
}

vocabulary! {
    /// Where a notice is in its life: composed, sent (fixed, on tablets), or taken back.
    NoticeStatus {
        Draft = "draft",
        Sent = "sent",
        Withdrawn = "withdrawn",
    }
}

vocabulary! {
    /// Who a notice goes to, as the request and the database name it ([`Audience`] holds the rest).
    AudienceKind {
        /// 全員: every active commissioner and district lead
        All = "all",
        /// 地区: the people of chosen districts
        Districts = "districts",
        /// 役割: every district lead, or every commissioner
        Role = "role",
    }
}

/// Who a notice goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    All,
    /// District ids (at least one).
    Districts(Vec<String>),
    /// [`Role::DistrictLead`] or [`Role::Commissioner`].
    Role(Role),
}

impl Audience {
    pub fn kind(&self) -> AudienceKind {
        match self {
            Audience::All => AudienceKind::All,
            Audience::Districts(_) => AudienceKind::Districts,
            Audience::Role(_) => AudienceKind::Role,
        }
    }
}

pub const MAX_TITLE: usize = 100;
pub const MAX_BODY: usize = 5000;

/// A notice as composed, every field checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Composed {
    /// Trimmed, 1 to [`MAX_TITLE`] characters.
    pub title: String,
    /// Line ends as `\n`, trailing space trimmed, 1 to [`MAX_BODY`] characters.
    pub body: String,
    pub priority: Priority,
    pub audience: Audience,
    /// Milliseconds: the end of the last day shown, Japan time (00:00 JST the day after).
    pub expires_at: Option<i64>,
}

/// What the office typed, as the request carries it.
pub struct Draft<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub priority: &'a str,
    pub audience: &'a str,
    pub districts: Vec<String>,
    pub role: Option<&'a str>,
    pub expires_on: Option<&'a str>,
}

/// Checks a composed notice field by field, at `now`: the first field at fault and why.
pub fn compose(d: Draft<'_>, now: i64) -> Result<Composed, (&'static str, Invalid)> {
    let title = d.title.trim().to_string();
    if title.is_empty() || title.chars().count() > MAX_TITLE {
        return Err((
            "title",
            Invalid::new(
                "invalid_length",
                format!("件名は1〜{MAX_TITLE}文字で入力してください。"),
            ),
        ));
    }
    let body = d.body.trim_end().replace("\r\n", "\n");
    if body.trim().is_empty() || body.chars().count() > MAX_BODY {
        return Err((
            "body",
            Invalid::new(
                "invalid_length",
                format!("本文は1〜{MAX_BODY}文字で入力してください。"),
            ),
        ));
    }
    let Some(priority) = Priority::parse(d.priority) else {
        return Err((
            "priority",
            Invalid::new(
                "invalid_value",
                "重要度は 通常・重要・緊急 から選んでください。",
            ),
        ));
    };
    let audience = match AudienceKind::parse(d.audience) {
        Some(AudienceKind::All) => Audience::All,
        Some(AudienceKind::Districts) => {
            if d.districts.is_empty() {
                return Err((
                    "districts",
                    Invalid::new("required", "送り先の地区を選んでください。"),
                ));
            }
            Audience::Districts(d.districts)
        }
        Some(AudienceKind::Role) => match d.role.and_then(Role::parse) {
            Some(r @ (Role::DistrictLead | Role::Commissioner)) => Audience::Role(r),
            _ => {
                return Err((
                    "role",
                    Invalid::new(
                        "invalid_value",
                        "送り先の役割は 会長（地区の代表） か 委員 から選んでください。",
                    ),
                ));
            }
        },
        None => {
            return Err((
                "audience",
                Invalid::new(
                    "invalid_value",
                    "送り先は 全員・地区・役割 から選んでください。",
                ),
            ));
        }
    };
    let expires_at = match d.expires_on.map(str::trim) {
        None | Some("") => None,
        Some(day) => {
            let day = Date::parse(day).map_err(|e| ("expires_on", e))?;
            // The end of that day in Japan: 00:00 JST of the next day.
            let end = (day.epoch_days() + 1) * 86_400_000 - 9 * 3_600_000;
            if end <= now {
                return Err((
                    "expires_on",
                    Invalid::new("in_the_past", "掲載期限が過去の日付です。"),
                ));
            }
            Some(end)
        }
    };
    Ok(Composed {
        title,
        body,
        priority,
        audience,
        expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft<'a>(audience: &'a str, role: Option<&'a str>) -> Draft<'a> {
        Draft {
            title: " 大雪への備え ",
            body: "一行目\r\n二行目  ",
            priority: "urgent",
            audience,
            districts: Vec::new(),
            role,
            expires_on: Some("2026-12-31"),
        }
    }

    #[test]
    fn a_notice_is_checked_field_by_field() {
        let now = 1_796_000_000_000; // 2026-11
        let c = compose(draft("role", Some("commissioner")), now).unwrap();
        assert_eq!(c.title, "大雪への備え");
        assert_eq!(c.body, "一行目\n二行目");
        assert_eq!(c.priority, Priority::Urgent);
        assert_eq!(c.audience, Audience::Role(Role::Commissioner));
        // 2027-01-01 00:00 JST.
        assert_eq!(c.expires_at, Some(1_798_729_200_000));
        let field = |d| compose(d, now).unwrap_err().0;
        assert_eq!(field(draft("role", Some("admin"))), "role");
        assert_eq!(field(draft("districts", None)), "districts");
        assert_eq!(field(draft("everyone", None)), "audience");
        let mut late = draft("all", None);
        late.expires_on = Some("2026-01-01");
        assert_eq!(field(late), "expires_on");
        assert!(Priority::Urgent.rank() < Priority::Normal.rank());
    }
}
