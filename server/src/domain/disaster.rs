//! 災害モード (issue 23; docs/design/disaster-and-schema-v2.md §3): the vocabulary of a disaster and of
//! 安否 (safety) records, and the rules a declaration keeps. `api::disasters` checks that the chosen
//! districts exist (the one rule that needs the database) and stores the result.

use super::Invalid;
use super::contact::vocabulary;

vocabulary! {
    /// What happened.
    DisasterKind {
        /// 地震
        Earthquake = "earthquake",
        /// 水害
        Flood = "flood",
        /// 大雪・暴風雪
        Blizzard = "blizzard",
        /// 停電
        PowerCut = "power_cut",
        /// その他
        Other = "other",
    }
}

impl DisasterKind {
    /// The words on screens, notices and pushes.
    pub fn label(self) -> &'static str {
        match self {
            DisasterKind::Earthquake => "地震",
            DisasterKind::Flood => "水害",
            DisasterKind::Blizzard => "大雪・暴風雪",
            DisasterKind::PowerCut => "停電",
            DisasterKind::Other => "その他の災害",
        }
    }
}

vocabulary! {
    /// A resident's 安否, as a commissioner records it.
    SafetyStatus {
        /// 無事
        Safe = "safe",
        /// 避難済み
        Evacuated = "evacuated",
        /// 支援が必要
        NeedsHelp = "needs_help",
        /// 不在・不明
        Unknown = "unknown",
    }
}

vocabulary! {
    /// The commissioner's own status (本人の安全), reported first.
    SelfStatus {
        /// 無事
        Safe = "safe",
        /// 支援が必要
        NeedsHelp = "needs_help",
    }
}

/// Titles at most this long (characters).
pub const MAX_TITLE_CHARS: usize = 100;
/// A declaration's time of occurrence may be this far ahead of the server's clock (a PC's clock).
const CLOCK_SKEW_MS: i64 = 10 * 60 * 1000;
/// …and at most this far back (a declaration is for a disaster now, not a record of an old one).
const MAX_AGE_MS: i64 = 7 * 24 * 3600 * 1000;

/// A declaration as the office writes it.
pub struct DeclarationIn<'a> {
    pub kind: &'a str,
    /// Empty: made from the kind (「大雪・暴風雪」).
    pub title: &'a str,
    pub city_wide: bool,
    pub districts: Vec<String>,
    /// ms; none: now.
    pub occurred_at: Option<i64>,
    pub drill: bool,
}

/// A declaration that keeps the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declaration {
    pub kind: DisasterKind,
    pub title: String,
    pub city_wide: bool,
    /// District ids (empty when city-wide: the caller lists every district).
    pub districts: Vec<String>,
    pub occurred_at: i64,
    pub drill: bool,
}

impl Declaration {
    /// The urgent notice's title: fixed words, the kind and the title (no personal data).
    pub fn notice_title(&self) -> String {
        let drill = if self.drill { "【訓練】" } else { "" };
        format!(
            "{drill}災害モード：{}　ご自身の安全を確認してください",
            self.title
        )
    }

    /// The urgent notice's text.
    pub fn notice_body(&self, occurred: &str) -> String {
        let drill = if self.drill {
            "これは訓練です。\n"
        } else {
            ""
        };
        format!(
            "{drill}{occurred}ごろ発生した{}のため、市が災害モードにしました。\n\
             まずご自身とご家族の安全を確かめてください。担当の方の安否確認は、安全が確保できてからお願いします。\n\
             電波がなくても記録できます。つながったときに市に届きます。",
            self.kind.label()
        )
    }
}

/// Checks a declaration field by field: the field and why, for the first rule it breaks.
pub fn compose(d: DeclarationIn<'_>, now: i64) -> Result<Declaration, (&'static str, Invalid)> {
    let kind = DisasterKind::parse(d.kind).ok_or((
        "kind",
        Invalid::new(
            "unknown",
            "地震・水害・大雪・停電・その他から選んでください。",
        ),
    ))?;
    let title = match d.title.trim() {
        "" => kind.label().to_string(),
        t if t.chars().count() > MAX_TITLE_CHARS => {
            return Err((
                "title",
                Invalid::new(
                    "too_long",
                    format!("{MAX_TITLE_CHARS}文字以内にしてください。"),
                ),
            ));
        }
        t if t.chars().any(char::is_control) => {
            return Err((
                "title",
                Invalid::new("invalid_characters", "改行などは使えません。"),
            ));
        }
        t => t.to_string(),
    };
    let mut districts = d.districts;
    districts.sort();
    districts.dedup();
    match (d.city_wide, districts.is_empty()) {
        (false, true) => {
            return Err((
                "districts",
                Invalid::new("required", "地区を選ぶか「市内全域」にしてください。"),
            ));
        }
        (true, false) => {
            return Err((
                "districts",
                Invalid::new("not_allowed", "「市内全域」のときは地区を選びません。"),
            ));
        }
        _ => {}
    }
    let occurred_at = d.occurred_at.unwrap_or(now);
    if occurred_at > now + CLOCK_SKEW_MS {
        return Err((
            "occurred_at",
            Invalid::new("in_future", "発生時刻が先の時刻になっています。"),
        ));
    }
    if occurred_at < now - MAX_AGE_MS {
        return Err((
            "occurred_at",
            Invalid::new("too_old", "発生時刻は7日前までにしてください。"),
        ));
    }
    Ok(Declaration {
        kind,
        title,
        city_wide: d.city_wide,
        districts,
        occurred_at,
        drill: d.drill,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_796_000_000_000;

    fn input(kind: &str) -> DeclarationIn<'_> {
        DeclarationIn {
            kind,
            title: "",
            city_wide: false,
            districts: vec!["d2".into(), "d1".into(), "d2".into()],
            occurred_at: Some(NOW - 60_000),
            drill: false,
        }
    }

    #[test]
    fn a_declaration_takes_its_title_from_the_kind_and_lists_each_district_once() {
        let d = compose(input("blizzard"), NOW).unwrap();
        assert_eq!(d.title, "大雪・暴風雪");
        assert_eq!(d.districts, ["d1", "d2"]);
        assert_eq!(
            d.notice_title(),
            "災害モード：大雪・暴風雪　ご自身の安全を確認してください"
        );
        let drill = compose(
            DeclarationIn {
                drill: true,
                ..input("earthquake")
            },
            NOW,
        )
        .unwrap();
        assert!(drill.notice_title().starts_with("【訓練】"));
        assert!(
            drill
                .notice_body("12月3日 6:00")
                .starts_with("これは訓練です。")
        );
    }

    #[test]
    fn each_broken_rule_names_its_field() {
        let field = |d: DeclarationIn<'_>| compose(d, NOW).unwrap_err().0;
        assert_eq!(field(input("tsunami")), "kind");
        assert_eq!(
            field(DeclarationIn {
                districts: vec![],
                ..input("flood")
            }),
            "districts"
        );
        assert_eq!(
            field(DeclarationIn {
                city_wide: true,
                ..input("flood")
            }),
            "districts"
        );
        assert_eq!(
            field(DeclarationIn {
                occurred_at: Some(NOW + 3_600_000),
                ..input("flood")
            }),
            "occurred_at"
        );
        assert_eq!(
            field(DeclarationIn {
                title: "a\nb",
                ..input("flood")
            }),
            "title"
        );
        let city = compose(
            DeclarationIn {
                city_wide: true,
                districts: vec![],
                occurred_at: None,
                ..input("power_cut")
            },
            NOW,
        )
        .unwrap();
        assert_eq!(city.occurred_at, NOW);
    }
}
