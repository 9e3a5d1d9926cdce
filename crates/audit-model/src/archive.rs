//! What an archive (`audit-archive`) answers beyond the API's three calls, and how the app
//! knows it is talking to one.
//!
//! - `GET /beta/audit/archive` → [`About`]: what is held and what else it answers. The plain
//!   API and the proxy answer 404 there, so the app, seeing a 404, behaves as against the API.
//! - `GET /beta/audit/archive/alerts?size=N` → [`Alerts`]: the watch's hits, newest first.
//! - `GET /beta/audit/archive/counts?<list query>&bucket_ms=W&offset_minutes=M` → [`Counts`]:
//!   the matching events counted per bucket of the timeline, in one answer ([`Cut`]).
//! - `GET /beta/audit/archive/facets?<list query>&top=N` → [`Facets`]: the matching events'
//!   facets ([`crate::facets`]), counted over the whole history.
//! - `GET /beta/audit/archive/related?id=<event id>` → [`crate::related::Related`]: the same
//!   user's events before and after it, and the history of the resource it is about, over the
//!   whole history.
//!
//! The list query is the list's own, with `where=`. All take the same HTTP Basic credentials as the API's calls.
//!
//! Every answer an archive gives carries [`MARK_HEADER`], so the app learns from the answers it
//! asks for anyway whether to ask for the announcement at all: against the plain API it never
//! sends that extra request.

use serde::{Deserialize, Serialize};

use crate::QueryError;

/// The header on every answer of an archive (value [`MARK_VALUE`]): the plain API never sends
/// it, and the proxy passes it on from an archive behind it.
pub const MARK_HEADER: &str = "audit-archive";
/// [`MARK_HEADER`]'s value: the version of these extensions.
pub const MARK_VALUE: &str = "1";

/// The announcement's path.
pub const ABOUT_PATH: &str = "/beta/audit/archive";
/// The alerts' path.
pub const ALERTS_PATH: &str = "/beta/audit/archive/alerts";

/// The timeline counts' path.
pub const COUNTS_PATH: &str = "/beta/audit/archive/counts";
/// The facets' path.
pub const FACETS_PATH: &str = "/beta/audit/archive/facets";

/// An event's relatives' path.
pub const RELATED_PATH: &str = "/beta/audit/archive/related";

/// `answers` holds this when the list takes `where=` (the search box's qualifiers).
pub const ANSWERS_WHERE: &str = "where";
/// `answers` holds this when the watch runs (rules loaded) and its hits are served.
pub const ANSWERS_ALERTS: &str = "alerts";

/// `answers` holds this when [`COUNTS_PATH`] is served.
pub const ANSWERS_COUNTS: &str = "counts";
/// `answers` holds this when [`FACETS_PATH`] is served.
pub const ANSWERS_FACETS: &str = "facets";
/// `answers` holds this when [`RELATED_PATH`] is served.
pub const ANSWERS_RELATED: &str = "related";

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

/// How a timeline's range is cut into buckets: `width_ms` wide, aligned to whole widths of a
/// clock `offset_minutes` east of UTC (so that in local time a day bar starts at local midnight).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cut {
    /// Each bucket's width.
    pub width_ms: i64,
    /// The clock the buckets are aligned to, in minutes east of UTC.
    pub offset_minutes: i32,
}

/// Most buckets one counts answer may cover.
pub const MAX_BUCKETS: i64 = 10_000;
/// The widest bucket: 31 days.
const MAX_WIDTH_MS: i64 = 31 * 24 * 3_600_000;
/// The furthest a clock is from UTC: 18 hours.
const MAX_OFFSET_MINUTES: i32 = 18 * 60;

impl Cut {
    /// The start of the bucket holding `ts`.
    pub fn start_of(&self, ts: crate::time::Timestamp) -> crate::time::Timestamp {
        ts - (ts + i64::from(self.offset_minutes) * 60_000).rem_euclid(self.width_ms)
    }
}

fn param<'a>(query: &'a str, name: &str) -> Option<std::borrow::Cow<'a, str>> {
    form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The list query and the cut a counts request asks for. The range must be bounded at both
/// ends and cut into at most [`MAX_BUCKETS`] buckets of whole seconds, at most 31 days each.
pub fn counts_request(query: &str) -> Result<(crate::EventQuery, Cut), QueryError> {
    let (q, _) = crate::EventQuery::parse_app(query)?;
    let range = q.validate()?;
    let bad = |m: String| QueryError::Archive(m);
    let width_ms = param(query, "bucket_ms")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|w| (1000..=MAX_WIDTH_MS).contains(w) && w % 1000 == 0)
        .ok_or_else(|| {
            bad(
                "bucket_ms must be a whole number of seconds in milliseconds, from 1000 to 31 days"
                    .into(),
            )
        })?;
    let offset_minutes = match param(query, "offset_minutes") {
        None => 0,
        Some(v) => v
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|m| m.abs() <= MAX_OFFSET_MINUTES)
            .ok_or_else(
                || bad("offset_minutes must be a whole number from -1080 to 1080".into()),
            )?,
    };
    let (Some(from), Some(to)) = (range.from, range.to) else {
        return Err(bad("counts need both date_from and date_to".into()));
    };
    if (to - from) / width_ms + 1 > MAX_BUCKETS {
        return Err(bad(format!(
            "at most {MAX_BUCKETS} buckets: widen bucket_ms or narrow the dates"
        )));
    }
    Ok((
        q,
        Cut {
            width_ms,
            offset_minutes,
        },
    ))
}

/// A counts request's query string, in canonical form (what a proxy sends on).
pub fn counts_query(q: &crate::EventQuery, cut: &Cut) -> String {
    format!(
        "{}&bucket_ms={}&offset_minutes={}",
        q.at_page(1).to_archive_query_string(),
        cut.width_ms,
        cut.offset_minutes
    )
}

/// The matching events counted per bucket: only buckets holding events, oldest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// The buckets.
    pub buckets: Vec<BucketCount>,
}

/// One bucket's count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketCount {
    /// Its start ([`Cut::start_of`]), in milliseconds since the epoch.
    pub start_ms: i64,
    /// Matching events in it.
    pub count: u64,
}

/// Most values per facet a facets request may ask for.
pub const MAX_FACET_VALUES: usize = 100;
/// Values per facet when a request names no `top`.
pub const DEFAULT_FACET_VALUES: usize = 5;

/// The list query and the values per facet (`top=N`, at most [`MAX_FACET_VALUES`]) a facets
/// request asks for.
pub fn facets_request(query: &str) -> Result<(crate::EventQuery, usize), QueryError> {
    let (q, _) = crate::EventQuery::parse_app(query)?;
    q.validate()?;
    let top = param(query, "top")
        .and_then(|v| v.trim().parse::<usize>().ok())
        .map_or(DEFAULT_FACET_VALUES, |n| n.clamp(1, MAX_FACET_VALUES));
    Ok((q, top))
}

/// A facets request's query string, in canonical form.
pub fn facets_query(q: &crate::EventQuery, top: usize) -> String {
    format!("{}&top={top}", q.at_page(1).to_archive_query_string())
}

/// The event a related request asks about (`id=`): an id as the API writes them, 36
/// characters of hexadecimal digits and hyphens.
pub fn related_request(query: &str) -> Result<String, QueryError> {
    let id = param(query, "id").unwrap_or_default();
    let shaped = id.len() == 36
        && id.bytes().enumerate().all(|(i, b)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                b == b'-'
            } else {
                b.is_ascii_hexdigit()
            }
        });
    if !shaped {
        return Err(QueryError::Archive(format!(
            "id must be an event id (36 characters, as the API writes them); got “{id}”"
        )));
    }
    Ok(id.into_owned())
}

/// A related request's query string, in canonical form.
pub fn related_query(id: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("id", id)
        .finish()
}

/// The facets of the events matching a query.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facets {
    /// How many events match.
    pub events: u64,
    /// Their facets.
    pub facets: Vec<crate::facets::Facet>,
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
    fn counts_requests_are_bounded_and_canonical() {
        let ok = "date_from=2025-01-01&date_to=2025-01-31T23:59:59&where=country:BR&bucket_ms=86400000&offset_minutes=-300";
        let (q, cut) = counts_request(ok).expect("valid");
        assert_eq!(q.filter.as_deref(), Some("country:BR"));
        assert_eq!(
            cut,
            Cut {
                width_ms: 86_400_000,
                offset_minutes: -300
            }
        );
        // A day bar at UTC-5 starts at 05:00 UTC.
        let t = crate::time::parse_api_timestamp("2025-01-02T03:00:00").expect("time");
        let start = crate::time::parse_api_timestamp("2025-01-01T05:00:00").expect("time");
        assert_eq!(cut.start_of(t), start);
        let again = counts_query(&q, &cut);
        assert_eq!(counts_request(&again).expect("canonical"), (q.clone(), cut));
        for bad in [
            "date_from=2025-01-01&date_to=2025-01-02&bucket_ms=500",
            "date_from=2025-01-01&date_to=2025-01-02&bucket_ms=1500",
            "date_from=2025-01-01&date_to=2025-01-02&bucket_ms=x",
            "date_to=2025-01-02&bucket_ms=60000",
            "date_from=2025-01-01&date_to=2025-12-31&bucket_ms=1000",
            "date_from=2025-01-01&date_to=2025-01-02&bucket_ms=60000&offset_minutes=2000",
        ] {
            assert!(
                matches!(counts_request(bad), Err(QueryError::Archive(_))),
                "{bad}"
            );
        }
        assert!(counts_request("date_from=nope&bucket_ms=60000").is_err());
    }

    #[test]
    fn a_related_request_takes_one_event_id_as_the_api_writes_them() {
        let id = "aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab";
        assert_eq!(related_request(&related_query(id)).expect("id"), id);
        assert_eq!(
            related_request(&format!("?size=3&id={}", id.to_uppercase())).expect("id"),
            id.to_uppercase()
        );
        for bad in [
            "",
            "id=",
            "id=aaaaaaaa-bbbb-4ccc-8ddd-0123456789a",
            "id=aaaaaaaa-bbbb-4ccc-8ddd-0123456789abc",
            "id=aaaaaaaa+bbbb-4ccc-8ddd-0123456789ab",
            "id=gaaaaaaa-bbbb-4ccc-8ddd-0123456789ab",
            "id=aaaaaaaa-bbbb-4ccc-8ddd-0123456789%27",
        ] {
            assert!(related_request(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn facets_requests_default_and_bound_their_values() {
        assert_eq!(facets_request("").expect("ok").1, DEFAULT_FACET_VALUES);
        assert_eq!(facets_request("top=0").expect("ok").1, 1);
        assert_eq!(facets_request("top=5000").expect("ok").1, MAX_FACET_VALUES);
        let (q, top) =
            facets_request("event_type=USER_LOGIN&where=user:a%40b.example&top=25").expect("ok");
        assert_eq!(facets_request(&facets_query(&q, top)).expect("ok"), (q, 25));
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
