//! 活動記録 (the monthly activity record of the national 福祉行政報告例): how contacts count.
//!
//! The one place the mapping lives:
//! - 相談・支援件数: a contact counts only when the commissioner recorded that a consultation took
//!   place — 「相談・支援をした」 on the form, which asks for its 分野: at least one 分野 in
//!   `activity.fields`. A visit, call, greeting or indirect check without one is still a contact
//!   (and a visit still a 訪問), but not a 相談・支援 (before, every contact counted, with 高齢者
//!   chosen in advance).
//! - 相談・支援件数, 分野別: each such contact counts once under every 分野 listed ([`FIELDS`];
//!   unknown values count under その他).
//! - 相談・支援件数, 内容別: each such contact counts once under every 内容 in
//!   `activity.contents` ([`CONTENTS`]); unknown values count under その他.
//! - 訪問回数: contacts of kind `visit` (訪問). Phone calls, greetings and indirect checks are
//!   contacts but not visits.
//! - その他の活動件数 ([`OTHER_ACTIVITIES`]): entries of the commissioner's own activity log
//!   (one Automerge document per commissioner, `sync::schema` `activities`), one each, under the
//!   item of its kind ([`ActivityKind`], whose first six are these items in order).
//! - 連絡調整回数: activity log entries of kind `liaison` (関係機関との連絡調整), and つなぎ
//!   (referrals to agencies recorded for a resident, `sync::schema` `referrals`), one each on its
//!   day, for its author ([`REFERRAL_KIND`]). Contacts never count here.
//! - 活動日数: distinct days (Japan date) with at least one contact or activity log entry.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::contact::{Activity, Kind, vocabulary};

vocabulary! {
    /// The activity log's kinds: the six その他の活動 of the national form, in the form's order
    /// ([`OTHER_ACTIVITIES`] by position), then 関係機関との連絡調整 (counted as 連絡調整回数).
    ActivityKind {
        /// 調査・実態把握
        Survey = "survey",
        /// 行事・事業・会議への参加協力
        Event = "event",
        /// 地域福祉活動・自主活動
        Community = "community",
        /// 民児協運営・研修
        Council = "council",
        /// 証明事務
        Certificate = "certificate",
        /// 要保護児童の発見の通告・仲介
        ChildReport = "child_report",
        /// 関係機関との連絡調整
        Liaison = "liaison",
    }
}

/// What a referral (つなぎ) counts as: a 関係機関との連絡調整 of its author.
pub const REFERRAL_KIND: ActivityKind = ActivityKind::Liaison;

/// 分野.
pub const FIELDS: [&str; 4] = ["高齢者", "障害者", "子ども", "その他"];

/// 内容 (14 items, in the order of the national form).
pub const CONTENTS: [&str; 14] = [
    "在宅福祉",
    "介護保険",
    "健康・保健医療",
    "子育て・母子保健",
    "子どもの地域生活",
    "子どもの教育・学校生活",
    "生活費",
    "年金・保険",
    "仕事",
    "家族関係",
    "住居",
    "生活環境",
    "日常的な支援",
    "その他",
];

/// その他の活動 (6 items).
pub const OTHER_ACTIVITIES: [&str; 6] = [
    "調査・実態把握",
    "行事・事業・会議への参加協力",
    "地域福祉活動・自主活動",
    "民児協運営・研修",
    "証明事務",
    "要保護児童の発見の通告・仲介",
];

/// One entry of a commissioner's own activity log, as the counting sees it.
#[derive(Debug, Clone)]
pub struct OwnActivity {
    /// `YYYY-MM-DD` (Japan).
    pub day: String,
    /// `None`: a kind this server does not know (a newer app's): it counts its day only.
    pub kind: Option<ActivityKind>,
}

/// One contact as the counting sees it.
#[derive(Debug, Clone)]
pub struct Counted {
    /// `YYYY-MM-DD` (Japan).
    pub day: String,
    pub kind: Kind,
    pub fields: Vec<String>,
    pub contents: Vec<String>,
}

/// One commissioner's month.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Totals {
    /// 相談・支援件数 (contacts).
    pub consultations: u32,
    /// 分野別 (keys from [`FIELDS`]).
    pub by_field: BTreeMap<String, u32>,
    /// 内容別 (keys from [`CONTENTS`]).
    pub by_content: BTreeMap<String, u32>,
    /// その他の活動件数 (keys from [`OTHER_ACTIVITIES`]).
    pub other_activities: BTreeMap<String, u32>,
    /// 訪問回数.
    pub visits: u32,
    /// 連絡調整回数.
    pub liaison: u32,
    /// 活動日数.
    pub active_days: u32,
}

impl Totals {
    fn empty() -> Totals {
        Totals {
            by_field: FIELDS.iter().map(|f| (f.to_string(), 0)).collect(),
            by_content: CONTENTS.iter().map(|c| (c.to_string(), 0)).collect(),
            other_activities: OTHER_ACTIVITIES
                .iter()
                .map(|a| (a.to_string(), 0))
                .collect(),
            ..Totals::default()
        }
    }

    /// Adds another commissioner's totals (district and city sums). Active days add up too: they
    /// are commissioner-days.
    pub fn add(&mut self, o: &Totals) {
        self.consultations += o.consultations;
        self.visits += o.visits;
        self.liaison += o.liaison;
        self.active_days += o.active_days;
        for (m, n) in [
            (&mut self.by_field, &o.by_field),
            (&mut self.by_content, &o.by_content),
            (&mut self.other_activities, &o.other_activities),
        ] {
            for (k, v) in n {
                *m.entry(k.clone()).or_insert(0) += v;
            }
        }
    }

    pub fn zero() -> Totals {
        Totals::empty()
    }
}

/// Whether a contact counts as a 相談・支援: the commissioner recorded its 分野.
pub fn is_consultation(c: &Counted) -> bool {
    !c.fields.is_empty()
}

/// A month's contacts and own activities, by (district, person): what the 活動記録's rows add up.
/// Every row is counted per person and added, so 活動日数 are commissioner-days in a district row as
/// in a lead's total.
#[derive(Debug, Default)]
pub struct Month {
    by_person: HashMap<(String, String), (Vec<Counted>, Vec<OwnActivity>)>,
}

impl Month {
    /// A contact of `user_id` in `district_id`: its day, kind and 相談・支援 classification.
    pub fn contact(
        &mut self,
        district_id: &str,
        user_id: &str,
        occurred_at: &str,
        kind: Kind,
        activity: &Activity,
    ) {
        self.entry(district_id, user_id).0.push(Counted {
            day: occurred_at.chars().take(10).collect(),
            kind,
            fields: activity.fields.clone(),
            contents: activity.contents.clone(),
        });
    }

    /// An entry of `user_id`'s own activity log (`district_id`: theirs, if any).
    pub fn own(&mut self, district_id: &str, user_id: &str, a: OwnActivity) {
        self.entry(district_id, user_id).1.push(a);
    }

    /// A referral (つなぎ) by `author_id` on `day`, in its resident's district: a
    /// 関係機関との連絡調整 of its author ([`REFERRAL_KIND`]).
    pub fn referral(&mut self, district_id: &str, author_id: &str, day: &str) {
        self.own(
            district_id,
            author_id,
            OwnActivity {
                day: day.to_string(),
                kind: Some(REFERRAL_KIND),
            },
        );
    }

    fn entry(&mut self, district_id: &str, user_id: &str) -> &mut (Vec<Counted>, Vec<OwnActivity>) {
        self.by_person
            .entry((district_id.to_string(), user_id.to_string()))
            .or_default()
    }

    /// A district's row: each of its people counted, then added.
    pub fn district(&self, district_id: &str) -> Totals {
        let mut t = Totals::zero();
        for ((d, _), (c, o)) in &self.by_person {
            if d == district_id {
                t.add(&count(c, o));
            }
        }
        t
    }

    /// A person's row: all of their month at once (a day in two districts is one day).
    pub fn person(&self, user_id: &str) -> Totals {
        let (mut c, mut o) = (Vec::new(), Vec::new());
        for ((_, u), (cs, os)) in &self.by_person {
            if u == user_id {
                c.extend(cs.iter().cloned());
                o.extend(os.iter().cloned());
            }
        }
        count(&c, &o)
    }
}

/// Counts one commissioner's contacts and own activities of one month.
pub fn count(contacts: &[Counted], own: &[OwnActivity]) -> Totals {
    let mut t = Totals::empty();
    let mut days = BTreeSet::new();
    for a in own {
        days.insert(a.day.clone());
        if a.kind == Some(ActivityKind::Liaison) {
            t.liaison += 1;
        } else if let Some(i) = ActivityKind::ALL[..OTHER_ACTIVITIES.len()]
            .iter()
            .position(|k| Some(*k) == a.kind)
        {
            *t.other_activities
                .entry(OTHER_ACTIVITIES[i].into())
                .or_insert(0) += 1;
        }
    }
    for c in contacts {
        days.insert(c.day.clone());
        if c.kind == Kind::Visit {
            t.visits += 1;
        }
        if !is_consultation(c) {
            continue;
        }
        t.consultations += 1;
        let fields: BTreeSet<&str> = c
            .fields
            .iter()
            .map(|f| {
                if FIELDS.contains(&f.as_str()) {
                    f.as_str()
                } else {
                    "その他"
                }
            })
            .collect();
        for f in fields {
            *t.by_field.entry(f.into()).or_insert(0) += 1;
        }
        let contents: BTreeSet<&str> = c
            .contents
            .iter()
            .map(|x| {
                if CONTENTS.contains(&x.as_str()) {
                    x.as_str()
                } else {
                    "その他"
                }
            })
            .collect();
        for x in contents {
            *t.by_content.entry(x.into()).or_insert(0) += 1;
        }
    }
    t.active_days = days.len() as u32;
    t
}

/// The CSV header row (Japanese, the form's order).
pub fn csv_header() -> Vec<String> {
    let mut h = vec![
        "地区".to_string(),
        "民生委員".to_string(),
        "相談・支援件数".to_string(),
    ];
    h.extend(FIELDS.iter().map(|f| format!("分野:{f}")));
    h.extend(CONTENTS.iter().map(|c| format!("内容:{c}")));
    h.extend(OTHER_ACTIVITIES.iter().map(|a| format!("その他の活動:{a}")));
    h.extend([
        "訪問回数".to_string(),
        "連絡調整回数".to_string(),
        "活動日数".to_string(),
    ]);
    h
}

/// One CSV row for `who` in `district`.
pub fn csv_row(district: &str, who: &str, t: &Totals) -> Vec<String> {
    let mut r = vec![
        district.to_string(),
        who.to_string(),
        t.consultations.to_string(),
    ];
    r.extend(
        FIELDS
            .iter()
            .map(|f| t.by_field.get(*f).copied().unwrap_or(0).to_string()),
    );
    r.extend(
        CONTENTS
            .iter()
            .map(|c| t.by_content.get(*c).copied().unwrap_or(0).to_string()),
    );
    r.extend(
        OTHER_ACTIVITIES
            .iter()
            .map(|a| t.other_activities.get(*a).copied().unwrap_or(0).to_string()),
    );
    r.extend([
        t.visits.to_string(),
        t.liaison.to_string(),
        t.active_days.to_string(),
    ]);
    r
}

/// A CSV field, quoted when it needs to be (RFC 4180).
pub fn csv_field(s: &str) -> String {
    // A cell that starts like a formula is written as text (a leading '), so that a name such as
    // `=HYPERLINK(…)` is not run by the spreadsheet that opens the file (issue 18). Counts are never
    // negative, so no number is changed.
    let s = &if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_never_start_a_formula() {
        assert_eq!(
            csv_field("=HYPERLINK(\"http://x\")"),
            "\"'=HYPERLINK(\"\"http://x\"\")\""
        );
        assert_eq!(csv_field("+81"), "'+81");
        assert_eq!(csv_field("-1"), "'-1");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("神楽岡"), "神楽岡");
        assert_eq!(csv_field("12"), "12");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
    }

    fn c(day: &str, kind: &str, fields: &[&str], contents: &[&str]) -> Counted {
        Counted {
            day: day.into(),
            kind: Kind::parse(kind).unwrap(),
            fields: fields.iter().map(|s| s.to_string()).collect(),
            contents: contents.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn a_hand_counted_month() {
        let own = |day: &str, kind: &str| OwnActivity {
            day: day.into(),
            kind: ActivityKind::parse(kind),
        };
        let t = count(
            &[
                c("2026-11-02", "visit", &["高齢者"], &["日常的な支援"]),
                c(
                    "2026-11-02",
                    "phone",
                    &["高齢者", "障害者"],
                    &["介護保険", "健康・保健医療"],
                ),
                c("2026-11-09", "greeting", &[], &[]),
                c("2026-11-16", "visit", &["宇宙人"], &["謎"]),
                c(
                    "2026-11-16",
                    "indirect",
                    &["高齢者"],
                    &["日常的な支援", "日常的な支援"],
                ),
            ],
            &[
                own("2026-11-02", "council"),
                own("2026-11-05", "council"),
                own("2026-11-05", "liaison"),
                own("2026-11-20", "certificate"),
                own("2026-11-20", "liaison"),
                own("2026-11-21", "unknown-kind"),
            ],
        );
        assert_eq!(
            t.consultations, 4,
            "the greeting recorded no consultation: a contact, not a 相談・支援"
        );
        assert_eq!(t.visits, 2);
        assert_eq!(
            t.active_days, 6,
            "02, 09, 16 from contacts; 05, 20, 21 from the activity log (02 counted once)"
        );
        assert_eq!(t.other_activities["民児協運営・研修"], 2);
        assert_eq!(t.other_activities["証明事務"], 1);
        assert_eq!(t.other_activities["調査・実態把握"], 0);
        assert_eq!(
            t.other_activities.values().sum::<u32>(),
            3,
            "liaison and an unknown kind are no その他の活動"
        );
        assert_eq!(t.liaison, 2);
        assert_eq!(t.by_field["高齢者"], 3);
        assert_eq!(t.by_field["障害者"], 1);
        assert_eq!(t.by_field["その他"], 1, "an unknown 分野 counts as その他");
        assert_eq!(
            t.by_content["日常的な支援"], 2,
            "listed twice in one contact counts once"
        );
        assert_eq!(t.by_content["その他"], 1);
        assert_eq!(t.by_content["介護保険"], 1);
    }

    #[test]
    fn every_activity_kind_counts_somewhere() {
        for k in ActivityKind::ALL {
            let t = count(
                &[],
                &[OwnActivity {
                    day: "2026-11-02".into(),
                    kind: Some(*k),
                }],
            );
            assert_eq!(
                t.liaison + t.other_activities.values().sum::<u32>(),
                1,
                "{k}"
            );
        }
    }

    #[test]
    fn csv_rows_match_the_header() {
        let t = count(&[c("2026-11-02", "visit", &["高齢者"], &[])], &[]);
        assert_eq!(csv_header().len(), csv_row("神楽岡", "a", &t).len());
        assert_eq!(csv_field("a,\"b\""), "\"a,\"\"b\"\"\"");
    }
}
