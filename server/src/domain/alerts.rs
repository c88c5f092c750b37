//! Indirect-sign escalation (見守りの異変の早期発見): rules over a resident's recent contacts that
//! raise an alert for the district lead, with a suggested route. The rules are data ([`RULES`]); the
//! evaluation is one function ([`evaluate`]) that looks at one contact and what came before it. The
//! sync path calls it for every contact a commit may have changed the verdict on, each in the order
//! things happened (`sync::projection::raise_alerts`), so late and out-of-order arrivals are judged too.

use super::contact::{CheckName, CheckValue, Concern, Contact, Outcome};

/// Where the lead might turn (the suggestion shown with the alert).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// 地域包括支援センター (the community comprehensive support centre).
    ChiikiHokatsu,
    /// 110 (police: 安否確認 when nobody answers).
    Police,
    /// 119 (fire and ambulance).
    Emergency,
    /// 地区社協 (district council of social welfare: e.g. snow-clearing volunteers).
    ChikuShakyo,
}

impl Route {
    pub fn code(self) -> &'static str {
        match self {
            Route::ChiikiHokatsu => "chiiki_hokatsu",
            Route::Police => "110",
            Route::Emergency => "119",
            Route::ChikuShakyo => "chiku_shakyo",
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Route::ChiikiHokatsu => "地域包括支援センター",
            Route::Police => "110（警察）",
            Route::Emergency => "119（救急）",
            Route::ChikuShakyo => "地区社協",
        }
    }
}

/// What a rule looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// The check was 気になる in each of the last `times` contacts that recorded it.
    CheckConcernRun { check: CheckName, times: usize },
    /// The newest contact has the check 気になる and this outcome.
    CheckConcernWithOutcome { check: CheckName, outcome: Outcome },
    /// The newest contact has the check 気になる within `days` after a marked snowfall day.
    CheckConcernAfterSnowfall { check: CheckName, days: i64 },
    /// The newest contact has this concern level.
    Concern { level: Concern },
}

/// One escalation rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub code: &'static str,
    /// What the lead reads (no resident data).
    pub title_ja: &'static str,
    pub route: Route,
    pub condition: Condition,
}

/// The rules, in the order they are shown.
pub const RULES: &[Rule] = &[
    Rule {
        code: "urgent",
        title_ja: "至急の見守りが必要と記録されました",
        route: Route::Emergency,
        condition: Condition::Concern {
            level: Concern::Urgent,
        },
    },
    Rule {
        code: "lights_no_answer",
        title_ja: "電気の様子が気になり、応答がありません",
        route: Route::Police,
        condition: Condition::CheckConcernWithOutcome {
            check: CheckName::Lights,
            outcome: Outcome::NoAnswer,
        },
    },
    Rule {
        code: "mailbox_twice",
        title_ja: "郵便受けが2回続けて気になる状態です",
        route: Route::ChiikiHokatsu,
        condition: Condition::CheckConcernRun {
            check: CheckName::Mailbox,
            times: 2,
        },
    },
    Rule {
        code: "snow_after_snowfall",
        title_ja: "降雪の後、除雪されていません",
        route: Route::ChikuShakyo,
        condition: Condition::CheckConcernAfterSnowfall {
            check: CheckName::Snow,
            days: 3,
        },
    },
];

/// Days from `a` to `b` (`YYYY-MM-DD`), if both parse.
pub fn days_between(a: &str, b: &str) -> Option<i64> {
    Some(super::Date::parse(b).ok()?.epoch_days() - super::Date::parse(a).ok()?.epoch_days())
}

fn fires(rule: &Rule, newest_first: &[Contact], snowfall_days: &[String]) -> bool {
    let Some(newest) = newest_first.first() else {
        return false;
    };
    match rule.condition {
        Condition::Concern { level } => newest.concern == level,
        Condition::CheckConcernWithOutcome { check, outcome } => {
            newest.check(check) == Some(CheckValue::Concern) && newest.outcome == outcome
        }
        Condition::CheckConcernRun { check, times } => {
            let recorded: Vec<CheckValue> = newest_first
                .iter()
                .filter_map(|s| s.check(check))
                .filter(|v| *v != CheckValue::Na)
                .take(times)
                .collect();
            newest.check(check) == Some(CheckValue::Concern)
                && recorded.len() == times
                && recorded.iter().all(|v| *v == CheckValue::Concern)
        }
        Condition::CheckConcernAfterSnowfall { check, days } => {
            newest.check(check) == Some(CheckValue::Concern)
                && snowfall_days
                    .iter()
                    .any(|d| days_between(d, newest.day()).is_some_and(|n| (0..=days).contains(&n)))
        }
    }
}

/// Whether any rule could fire with this contact as the newest: each needs its newest contact to
/// have the rule's concern level or its check 気になる. A contact that could not (most) adds nothing
/// to any rule — at most it breaks a 郵便受け run — so the rules need not be read for it.
pub fn could_fire(contact: &Contact) -> bool {
    RULES.iter().any(|r| match r.condition {
        Condition::Concern { level } => contact.concern == level,
        Condition::CheckConcernRun { check, .. }
        | Condition::CheckConcernWithOutcome { check, .. }
        | Condition::CheckConcernAfterSnowfall { check, .. } => {
            contact.check(check) == Some(CheckValue::Concern)
        }
    })
}

/// How many contacts the rules look at: the judged one and those just before it (the 郵便受け run
/// looks back through contacts that did not record the mailbox, up to this many).
pub const CONTEXT: usize = 6;

/// The rules the newest contact (first in `newest_first`) sets off, each with that contact's id.
pub fn evaluate<'a>(newest_first: &[Contact], snowfall_days: &[String]) -> Vec<(&'a Rule, String)> {
    let Some(newest) = newest_first.first() else {
        return Vec::new();
    };
    RULES
        .iter()
        .filter(|r| fires(r, newest_first, snowfall_days))
        .map(|r| (r, newest.id.clone()))
        .collect()
}

pub fn rule(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A contact as a tablet writes it (the words as strings, as the document holds them).
    fn sig(id: &str, day: &str, outcome: &str, concern: &str, checks: &[(&str, &str)]) -> Contact {
        Contact {
            id: id.into(),
            occurred_at: format!("{day}T10:00:00+09:00"),
            author_id: "u".into(),
            kind: crate::domain::contact::Kind::Visit,
            outcome: Outcome::parse(outcome).unwrap(),
            checks: checks
                .iter()
                .map(|(k, v)| (CheckName::parse(k).unwrap(), CheckValue::parse(v).unwrap()))
                .collect(),
            concern: Concern::parse(concern).unwrap(),
            activity: Default::default(),
            note: String::new(),
            follow_up: false,
        }
    }

    fn codes(newest_first: &[Contact], snow: &[&str]) -> Vec<&'static str> {
        let snow: Vec<String> = snow.iter().map(|s| s.to_string()).collect();
        let fired: Vec<&'static str> = evaluate(newest_first, &snow)
            .into_iter()
            .map(|(r, _)| r.code)
            .collect();
        // The sync path skips the rules for a newest contact that `could_fire` rules out: every
        // pattern that fires here must pass it.
        if let Some(newest) = newest_first.first() {
            assert!(fired.is_empty() || could_fire(newest));
        }
        fired
    }

    #[test]
    fn mailbox_fires_on_two_in_a_row_only() {
        let c = |id, d, v| sig(id, d, "absent", "none", &[("mailbox", v)]);
        assert_eq!(
            codes(
                &[
                    c("b", "2026-11-20", "concern"),
                    c("a", "2026-11-13", "concern")
                ],
                &[]
            ),
            vec!["mailbox_twice"]
        );
        // Near misses: once; interrupted by a normal check; the newest is normal.
        assert!(codes(&[c("a", "2026-11-13", "concern")], &[]).is_empty());
        assert!(
            codes(
                &[
                    c("c", "2026-11-27", "concern"),
                    c("b", "2026-11-20", "ok"),
                    c("a", "2026-11-13", "concern")
                ],
                &[]
            )
            .is_empty()
        );
        assert!(
            codes(
                &[c("c", "2026-11-27", "ok"), c("b", "2026-11-20", "concern")],
                &[]
            )
            .is_empty()
        );
        // A contact that did not look at the mailbox does not break the run.
        let phone = sig("p", "2026-11-18", "met", "none", &[]);
        assert_eq!(
            codes(
                &[
                    c("b", "2026-11-20", "concern"),
                    phone,
                    c("a", "2026-11-13", "concern")
                ],
                &[]
            ),
            vec!["mailbox_twice"]
        );
    }

    #[test]
    fn lights_fire_only_with_no_answer() {
        assert_eq!(
            codes(
                &[sig(
                    "a",
                    "2026-11-20",
                    "no_answer",
                    "none",
                    &[("lights", "concern")]
                )],
                &[]
            ),
            vec!["lights_no_answer"]
        );
        assert!(
            codes(
                &[sig(
                    "a",
                    "2026-11-20",
                    "met",
                    "none",
                    &[("lights", "concern")]
                )],
                &[]
            )
            .is_empty()
        );
        assert!(
            codes(
                &[sig(
                    "a",
                    "2026-11-20",
                    "no_answer",
                    "none",
                    &[("lights", "ok")]
                )],
                &[]
            )
            .is_empty()
        );
    }

    #[test]
    fn snow_fires_within_three_days_of_a_snowfall() {
        let s = |d| sig("a", d, "met", "none", &[("snow", "concern")]);
        assert_eq!(
            codes(&[s("2026-12-03")], &["2026-12-01"]),
            vec!["snow_after_snowfall"]
        );
        assert_eq!(
            codes(&[s("2026-12-01")], &["2026-12-01"]),
            vec!["snow_after_snowfall"]
        );
        assert!(
            codes(&[s("2026-12-05")], &["2026-12-01"]).is_empty(),
            "too long after"
        );
        assert!(
            codes(&[s("2026-11-30")], &["2026-12-01"]).is_empty(),
            "before the snowfall"
        );
        assert!(
            codes(&[s("2026-12-02")], &[]).is_empty(),
            "no snowfall marked"
        );
    }

    #[test]
    fn urgent_fires_at_once_and_watch_does_not() {
        assert_eq!(
            codes(&[sig("a", "2026-11-20", "met", "urgent", &[])], &[]),
            vec!["urgent"]
        );
        assert!(codes(&[sig("a", "2026-11-20", "met", "watch", &[])], &[]).is_empty());
    }

    #[test]
    fn day_arithmetic_crosses_months_and_years() {
        assert_eq!(days_between("2026-12-30", "2027-01-02"), Some(3));
        assert_eq!(days_between("2028-02-28", "2028-03-01"), Some(2));
    }
}
