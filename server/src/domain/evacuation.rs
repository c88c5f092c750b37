//! 個別避難計画 (individual evacuation plans; issue 23 item 2, docs/design/disaster-and-schema-v2.md §2):
//! their vocabulary, the city's target, and which revision is the plan. A plan lives in the resident's
//! document as append-only revisions (`evacuationPlans`, schema 2), each written whole by a tablet;
//! the server keeps of each only words and days (consent, when) — needs, helpers, where to go and how
//! stay in the document (health data, 要配慮個人情報).

use super::contact::vocabulary;

/// The city's target: 「災害時個別避難計画作成の推進（計画作成数）500件【令和11年度】」 (地域福祉計画).
pub const PLAN_TARGET: usize = 500;

vocabulary! {
    /// The resident's consent to the plan being made and shared (同意).
    Consent {
        /// 同意
        Agreed = "agreed",
        /// 不同意
        Declined = "declined",
        /// 未確認
        Unknown = "unknown",
    }
}

vocabulary! {
    /// What the resident needs to evacuate.
    Need {
        Walking = "walking",
        Wheelchair = "wheelchair",
        Bedridden = "bedridden",
        Oxygen = "oxygen",
        Dialysis = "dialysis",
        Ventilator = "ventilator",
        Suction = "suction",
        DeviceOther = "device_other",
        Medication = "medication",
        Dementia = "dementia",
        Hearing = "hearing",
        Vision = "vision",
        Pet = "pet",
        Other = "other",
    }
}

vocabulary! {
    /// Who a helper is to the resident.
    Relation {
        Family = "family",
        Relative = "relative",
        Neighbour = "neighbour",
        Community = "community",
        Commissioner = "commissioner",
        Care = "care",
        Other = "other",
    }
}

vocabulary! {
    /// Where the resident goes.
    DestinationKind {
        Designated = "designated",
        Welfare = "welfare",
        Home = "home",
        Other = "other",
    }
}

/// A revision as the server keeps it: which it replaces, when, by whom, and the consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub id: String,
    /// The revision it was made from ("" for a first plan).
    pub based_on: String,
    /// Japan time with offset: strings compare in time order.
    pub at: String,
    pub consent: Consent,
}

/// The plan: among the revisions no other names as its base (the heads of the edit graph — a
/// tablet's wrong clock cannot reorder edits made one after another), the latest by `(at, id)`.
/// Also how many heads there are (more than one: edited on two tablets at once).
pub fn current(revisions: &[Revision]) -> Option<(&Revision, usize)> {
    let heads: Vec<&Revision> = revisions
        .iter()
        .filter(|r| !revisions.iter().any(|o| o.based_on == r.id))
        .collect();
    let n = heads.len();
    heads
        .into_iter()
        .max_by(|a, b| (&a.at, &a.id).cmp(&(&b.at, &b.id)))
        .map(|r| (r, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rev(id: &str, based_on: &str, at: &str) -> Revision {
        Revision {
            id: id.into(),
            based_on: based_on.into(),
            at: at.into(),
            consent: Consent::Agreed,
        }
    }

    #[test]
    fn the_plan_is_the_latest_head_and_a_wrong_clock_cannot_reorder_edits() {
        // r2 edits r1 on a tablet whose clock is a day behind: still the plan.
        let revs = [
            rev("r1", "", "2026-12-02T10:00:00+09:00"),
            rev("r2", "r1", "2026-12-01T10:00:00+09:00"),
        ];
        assert_eq!(
            current(&revs).map(|(r, n)| (r.id.as_str(), n)),
            Some(("r2", 1))
        );
        // Two tablets edit r2 at once: two heads, the later shown.
        let mut more = revs.to_vec();
        more.push(rev("r3a", "r2", "2026-12-03T09:00:00+09:00"));
        more.push(rev("r3b", "r2", "2026-12-03T11:00:00+09:00"));
        assert_eq!(
            current(&more).map(|(r, n)| (r.id.as_str(), n)),
            Some(("r3b", 2))
        );
        assert_eq!(current(&[]), None);
    }
}
