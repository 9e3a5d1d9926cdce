//! What an archive (`audit-archive`) answers beyond the API's three calls, and how the app
//! knows it is talking to one.
//!
//! - `GET /beta/audit/archive` → [`About`]: what is held and what else it answers. The plain
//!   API and the proxy answer 404 there, so the app, seeing a 404, behaves as against the API.
//! - `GET /beta/audit/archive/alerts?size=N` → [`Alerts`]: the watch's hits, newest first.
//!
//! Both take the same HTTP Basic credentials as the API's calls.

use serde::{Deserialize, Serialize};

/// The announcement's path.
pub const ABOUT_PATH: &str = "/beta/audit/archive";
/// The alerts' path.
pub const ALERTS_PATH: &str = "/beta/audit/archive/alerts";

/// `answers` holds this when the list takes `where=` (the search box's qualifiers).
pub const ANSWERS_WHERE: &str = "where";
/// `answers` holds this when the watch runs (rules loaded) and its hits are served.
pub const ANSWERS_ALERTS: &str = "alerts";

/// Most alerts in one answer.
pub const MAX_ALERTS: u32 = 1000;
/// Alerts in an answer that names no `size`.
pub const DEFAULT_ALERTS: u32 = 100;

/// How many alerts a query string asks for (`size=N`): the default when none or not a number,
/// and at most [`MAX_ALERTS`].
pub fn alerts_size(query: &str) -> u32 {
    form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
        .find(|(k, _)| k == "size")
        .and_then(|(_, v)| v.trim().parse::<u32>().ok())
        .map_or(DEFAULT_ALERTS, |n| n.clamp(1, MAX_ALERTS))
}

/// The alerts' query string, rebuilt from what it asks (a proxy sends on only this).
pub fn alerts_query(query: &str) -> String {
    format!("size={}", alerts_size(query))
}

/// What an archive holds, and what it answers beyond the API.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct About {
    /// Events held.
    pub events: u64,
    /// The oldest event's time, in the API's format (none while nothing is held).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oldest: Option<String>,
    /// The newest event's time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest: Option<String>,
    /// Whether the backfill has reached the oldest event the API answers (until then, older
    /// events may still arrive).
    #[serde(default)]
    pub complete: bool,
    /// What it answers beyond the API ([`ANSWERS_WHERE`], [`ANSWERS_ALERTS`]); unknown entries
    /// are ignored.
    #[serde(default)]
    pub answers: Vec<String>,
    /// The watch's rules, in the order they were loaded.
    #[serde(default)]
    pub rules: Vec<RuleInfo>,
}

impl About {
    /// Whether it answers `what` (one of the `ANSWERS_` names).
    pub fn answers(&self, what: &str) -> bool {
        self.answers.iter().any(|a| a == what)
    }
}

/// One rule of the watch.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleInfo {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// `informational`, `low`, `medium`, `high` or `critical`.
    pub level: String,
    /// Its Sigma tags; `overview.<section>` names the security overview's section whose
    /// findings it alerts on ([`OVERVIEW_TAG`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

impl Alert {
    /// The search box's qualifier naming exactly its events (`id:a,b,c`, each id quoted when it
    /// needs to be), for the list's `where=`.
    pub fn events_filter(&self) -> String {
        use crate::filter::{Clause, Field, Filter, Wanted};
        Filter {
            clauses: vec![Clause {
                field: Field::Id,
                any_of: self.events.iter().cloned().map(Wanted::Text).collect(),
                negated: false,
            }],
            text: Vec::new(),
        }
        .to_string()
    }
}

/// A rule tagged `overview.<section>` alerts on what that section of the app's security overview
/// finds: `key-changes`, `countries`, `ips` or `unusual`.
pub const OVERVIEW_TAG: &str = "overview.";

impl About {
    /// The titles of the rules that alert on what the security overview's `section` finds.
    pub fn rules_covering(&self, section: &str) -> Vec<&str> {
        self.rules
            .iter()
            .filter(|r| {
                r.tags
                    .iter()
                    .any(|t| t.strip_prefix(OVERVIEW_TAG) == Some(section))
            })
            .map(|r| r.title.as_str())
            .collect()
    }
}

/// The watch's hits, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alerts {
    /// The hits.
    pub alerts: Vec<Alert>,
}

/// One hit of a rule.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// The rule's id.
    pub rule: String,
    /// The rule's title.
    pub title: String,
    /// The rule's level.
    pub level: String,
    /// When the last of its events happened, in the API's format.
    pub at: String,
    /// The ids of the events behind it, oldest first.
    pub events: Vec<String>,
    /// Its delivery to the alert webhook: `delivered`, `pending`, `dead`, or `none` when no
    /// webhook is configured.
    #[serde(default)]
    pub delivery: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_size_is_bounded_and_defaulted() {
        assert_eq!(alerts_size(""), DEFAULT_ALERTS);
        assert_eq!(alerts_size("size=5"), 5);
        assert_eq!(alerts_size("?size=0"), 1);
        assert_eq!(alerts_size("size=99999"), MAX_ALERTS);
        assert_eq!(alerts_size("size=x&other=1"), DEFAULT_ALERTS);
        assert_eq!(alerts_query("size=7&evil=../x"), "size=7");
    }

    #[test]
    fn an_announcement_reads_with_unknown_and_missing_fields() {
        let about: About =
            serde_json::from_str(r#"{"events": 3, "answers": ["where", "later"], "x": 1}"#)
                .expect("reads");
        assert!(about.answers(ANSWERS_WHERE));
        assert!(!about.answers(ANSWERS_ALERTS));
        assert_eq!(about.oldest, None);
    }

    #[test]
    fn an_alerts_events_are_one_qualifier_that_names_each() {
        let alert = Alert {
            events: vec!["a1".into(), "b 2".into(), "c,3".into()],
            ..Default::default()
        };
        let filter = alert.events_filter();
        assert_eq!(filter, r#"id:a1,"b 2","c,3""#);
        let parsed = crate::filter::Filter::parse(&filter).expect("parses");
        let ids = ["a1", "b 2", "c,3", "d4"];
        let matched: Vec<&str> = ids
            .into_iter()
            .filter(|id| parsed.matches(&crate::testing::event(*id).build()))
            .collect();
        assert_eq!(matched, ["a1", "b 2", "c,3"]);
    }

    #[test]
    fn a_section_is_covered_by_the_rules_tagged_for_it() {
        let rule = |title: &str, tags: &[&str]| RuleInfo {
            title: title.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            ..Default::default()
        };
        let about = About {
            rules: vec![
                rule("Secret deleted", &["overview.key-changes", "attack.t1098"]),
                rule("New country", &["overview.countries"]),
                rule("Login", &[]),
                rule("Not a section", &["overview.key-changes-extra"]),
            ],
            ..Default::default()
        };
        assert_eq!(about.rules_covering("key-changes"), ["Secret deleted"]);
        assert_eq!(about.rules_covering("countries"), ["New country"]);
        assert!(about.rules_covering("ips").is_empty());
    }
}
