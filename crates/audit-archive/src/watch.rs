//! The watch: detection rules in Sigma over the account's events, evaluated by `rsigma`.
//!
//! A rule reads an event by the API's own field names (`event_type`, `user_email`, `source_ip`,
//! `source_country`, `source`, `created_at`, `context.*`…), under the log source
//! `product: vonage, service: audit`. Detection rules and the correlations `event_count`,
//! `value_count`, `temporal` and `temporal_ordered` are supported; what a rule file asks for that
//! the watch cannot do is refused when the rules are loaded, naming the file and the line of the
//! rule (see [`RuleError`]), never silently skipped.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use audit_model::time::Timestamp;
use audit_model::AuditEvent;

use crate::hit::Hit;
use rsigma_eval::{
    CorrelationAction, CorrelationConfig, CorrelationEngine, CorrelationEventMode, JsonEvent,
    ResultBody, TimestampFallback,
};
use rsigma_parser::{CorrelationType, Detection, SigmaCollection};

/// The event fields a rule may name: the API's, as it writes them (`context.<path>` reaches into
/// the context).
pub const FIELDS: [&str; 12] = [
    "id",
    "event_type",
    "event_type_description",
    "created_at",
    "user_email",
    "user_id",
    "account_id",
    "source",
    "source_ip",
    "source_description",
    "source_country",
    // The watch's own: the ids of the first-seen rules an event is new for (see `observe`).
    FIRST_SEEN,
];

/// The field the watch adds to an event before the rules read it: the ids of the first-seen
/// rules (`new_terms:`) whose term the event is the first of, so that another rule, and so a
/// correlation, can name "an event new for rule X" (`first_seen: X`).
pub const FIRST_SEEN: &str = "first_seen";

/// Why a rule directory cannot be watched. Each names the file and, for a rule, the line its
/// document starts on.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// A rule the watch refuses, and why.
    #[error("{}:{line}: {message}", file.display())]
    Refused {
        /// The rule file.
        file: PathBuf,
        /// The line its document starts on (1-based).
        line: usize,
        /// What is wrong, and what to do.
        message: String,
    },
    /// The directory or a file in it cannot be read.
    #[error("{}: {source}", path.display())]
    Unreadable {
        /// What could not be read.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// No rule file in the directory.
    #[error("{}: no rule files (*.yml, *.yaml) in it", .0.display())]
    Empty(PathBuf),
}

/// The largest rule file read: 1 MiB holds hundreds of rules.
pub const MAX_RULE_FILE_BYTES: u64 = 1 << 20;

/// One rule as loaded: what a hit of it says, and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The rule's `id` (its title when it has none).
    pub id: String,
    /// The rule's title.
    pub title: String,
    /// `informational`, `low`, `medium`, `high` or `critical` (`medium` when not given).
    pub level: String,
    /// The file it was read from.
    pub file: PathBuf,
    /// The line its document starts on.
    pub line: usize,
    /// Its Sigma `tags` (`overview.<section>` says which finding of the app's security
    /// overview it alerts on).
    pub tags: Vec<String>,
}

/// A rule directory, loaded and checked.
#[derive(Debug)]
pub struct RuleSet {
    collection: SigmaCollection,
    /// Every rule, by id, in file order.
    pub rules: Vec<Rule>,
    /// The first-seen conditions of the rules that have one, by rule id.
    new_terms: BTreeMap<String, NewTerms>,
}

/// A rule's first-seen condition, `new_terms:` beside its detection (an extension of Sigma's,
/// like Elastic's new-terms rules): a match counts only when no earlier event the rule matched
/// had the same values of `fields` within `history` before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTerms {
    /// The fields whose values together are the term.
    pub fields: Vec<String>,
    /// How far back an earlier match makes a term not new, in milliseconds.
    pub history_ms: i64,
}

/// `90d`, `12h` or `30m` in milliseconds.
pub fn span_ms(text: &str) -> Option<i64> {
    let t = text.trim();
    let unit = match t.chars().last()? {
        'd' => 86_400_000,
        'h' => 3_600_000,
        'm' => 60_000,
        _ => return None,
    };
    t[..t.len() - 1]
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(|n| n.saturating_mul(unit))
}

/// Reads a rule's `new_terms:` mapping.
fn new_terms(value: &serde_json::Value) -> Result<NewTerms, String> {
    let shape =
        "new_terms needs `fields:` (a list of event fields) and `history:` (a span such as 90d)";
    let fields: Vec<String> = value
        .get("fields")
        .and_then(|f| f.as_array())
        .ok_or(shape)?
        .iter()
        .map(|f| f.as_str().map(String::from).ok_or(shape))
        .collect::<Result<_, _>>()?;
    if fields.is_empty() {
        return Err(shape.into());
    }
    if let Some(bad) = fields.iter().find(|f| !known_field(f)) {
        return Err(format!(
            "new_terms: no event has the field \"{bad}\"; the fields are {} and context.<path>",
            FIELDS.join(", ")
        ));
    }
    let history_ms = value
        .get("history")
        .and_then(|h| h.as_str())
        .and_then(span_ms)
        .ok_or(shape)?;
    Ok(NewTerms { fields, history_ms })
}

/// The documents of a multi-document YAML file, each with the line it starts on.
fn documents(text: &str) -> Vec<(usize, String)> {
    let mut docs = vec![(1, String::new())];
    for (i, line) in text.lines().enumerate() {
        if line.trim_end() == "---" {
            docs.push((i + 2, String::new()));
        } else if let Some((_, doc)) = docs.last_mut() {
            doc.push_str(line);
            doc.push('\n');
        }
    }
    docs.retain(|(_, d)| {
        d.lines()
            .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
    });
    docs
}

/// Every field name a detection reads.
fn detection_fields(d: &Detection, out: &mut Vec<String>) {
    match d {
        Detection::AllOf(items) => out.extend(items.iter().filter_map(|i| i.field.name.clone())),
        Detection::AnyOf(list) => list.iter().for_each(|d| detection_fields(d, out)),
        Detection::Keywords(_) => {}
        #[allow(unreachable_patterns)]
        _ => out.push("[array quantifier]".to_string()),
    }
}

fn known_field(name: &str) -> bool {
    FIELDS.contains(&name) || name.starts_with("context.") && name.len() > "context.".len()
}

fn level_name(level: Option<rsigma_parser::Level>) -> String {
    level.map_or("medium", |l| l.as_str()).to_string()
}

impl RuleSet {
    /// Each rule's id, title and level, in file order: what the archive announces.
    pub fn summary(&self) -> Vec<audit_model::archive::RuleInfo> {
        self.rules
            .iter()
            .map(|r| audit_model::archive::RuleInfo {
                id: r.id.clone(),
                title: r.title.clone(),
                level: r.level.clone(),
                tags: r.tags.clone(),
            })
            .collect()
    }

    /// Loads every `*.yml` and `*.yaml` file of `dir` (not its subfolders), in name order; a
    /// file larger than [`MAX_RULE_FILE_BYTES`] is refused.
    pub fn load(dir: &Path) -> Result<RuleSet, RuleError> {
        let unreadable = |path: &Path| {
            let path = path.to_path_buf();
            move |source| RuleError::Unreadable { path, source }
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(unreadable(dir))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(RuleError::Empty(dir.to_path_buf()));
        }
        let mut set = RuleSet {
            collection: SigmaCollection::new(),
            rules: Vec::new(),
            new_terms: BTreeMap::new(),
        };
        for file in files {
            // A rule is a page of YAML; a file far larger is a mistake (or an attack on the
            // parser), refused before it is read.
            let size = std::fs::metadata(&file).map_err(unreadable(&file))?.len();
            if size > MAX_RULE_FILE_BYTES {
                return Err(RuleError::Refused {
                    file,
                    line: 1,
                    message: format!(
                        "the file is {size} bytes; a rule file may hold at most {MAX_RULE_FILE_BYTES} (split it, or remove what is not a rule)"
                    ),
                });
            }
            let text = std::fs::read_to_string(&file).map_err(unreadable(&file))?;
            for (line, doc) in documents(&text) {
                set.add(&file, line, &doc)?;
            }
        }
        // Every correlation's rules must be loaded: the engine refuses otherwise; say where.
        let names: HashSet<&str> = set
            .collection
            .rules
            .iter()
            .flat_map(|r| [r.id.as_deref(), r.name.as_deref()])
            .flatten()
            .chain(
                set.collection
                    .correlations
                    .iter()
                    .flat_map(|c| [c.id.as_deref(), c.name.as_deref()])
                    .flatten(),
            )
            .collect();
        for c in &set.collection.correlations {
            if let Some(missing) = c.rules.iter().find(|r| !names.contains(r.as_str())) {
                let rule = set
                    .rules
                    .iter()
                    .find(|r| c.id.as_deref().unwrap_or(&c.title) == r.id)
                    .cloned();
                let (file, line) =
                    rule.map_or_else(|| (dir.to_path_buf(), 1), |r| (r.file, r.line));
                return Err(RuleError::Refused {
                    file,
                    line,
                    message: format!(
                        "the correlation names the rule \"{missing}\", which no rule file in {} defines (by id or name)",
                        dir.display()
                    ),
                });
            }
        }
        // A correlation may name its rules by id or by name; the engine matches a temporal
        // correlation's rules by id only (rsigma 0.15), so names become ids here.
        let ids: std::collections::HashMap<String, String> = set
            .collection
            .rules
            .iter()
            .filter_map(|r| Some((r.name.clone()?, r.id.clone()?)))
            .chain(
                set.collection
                    .correlations
                    .iter()
                    .filter_map(|c| Some((c.name.clone()?, c.id.clone()?))),
            )
            .collect();
        for c in &mut set.collection.correlations {
            for r in &mut c.rules {
                if let Some(id) = ids.get(r.as_str()) {
                    r.clone_from(id);
                }
            }
        }
        Ok(set)
    }

    /// Adds one document: a detection rule or a correlation.
    fn add(&mut self, file: &Path, line: usize, doc: &str) -> Result<(), RuleError> {
        let refuse = |message: String| RuleError::Refused {
            file: file.to_path_buf(),
            line,
            message,
        };
        let mut parsed = rsigma_parser::parse_sigma_yaml(doc).map_err(|e| refuse(e.to_string()))?;
        if let Some(e) = parsed.errors.first() {
            return Err(refuse(e.clone()));
        }
        if !parsed.filters.is_empty() {
            return Err(refuse(
                "filter rules are not supported: write the exclusion into the rule's condition (`selection and not filter`)".into(),
            ));
        }
        let mut added = Vec::new();
        // Every rule gets an id (its name, else its title, when it has none): the engine keys
        // its windows by id.
        for r in &mut parsed.rules {
            r.id =
                r.id.clone()
                    .or_else(|| r.name.clone())
                    .or_else(|| Some(r.title.clone()));
        }
        for c in &mut parsed.correlations {
            c.id =
                c.id.clone()
                    .or_else(|| c.name.clone())
                    .or_else(|| Some(c.title.clone()));
        }
        for r in &parsed.rules {
            let source = &r.logsource;
            if source.product.as_deref() != Some("vonage")
                || source.service.as_deref() != Some("audit")
            {
                return Err(refuse(format!(
                    "rule \"{}\": the watch reads only `logsource: {{product: vonage, service: audit}}`",
                    r.title
                )));
            }
            let mut fields = Vec::new();
            r.detection
                .named
                .values()
                .for_each(|d| detection_fields(d, &mut fields));
            if let Some(bad) = fields.iter().find(|f| !known_field(f)) {
                return Err(refuse(format!(
                    "rule \"{}\": no event has the field \"{bad}\"; the fields are {} and context.<path>",
                    r.title,
                    FIELDS.join(", ")
                )));
            }
            if let Some(v) = r.custom_attributes.get("new_terms") {
                let terms = serde_json::to_value(v)
                    .map_err(|e| e.to_string())
                    .and_then(|v| new_terms(&v))
                    .map_err(|e| refuse(format!("rule \"{}\": {e}", r.title)))?;
                if let Some(id) = &r.id {
                    self.new_terms.insert(id.clone(), terms);
                }
            }
            added.push((
                r.id.clone(),
                r.title.clone(),
                level_name(r.level),
                r.tags.clone(),
            ));
        }
        for c in &parsed.correlations {
            use CorrelationType::*;
            if !matches!(
                c.correlation_type,
                EventCount | ValueCount | Temporal | TemporalOrdered
            ) {
                return Err(refuse(format!(
                    "correlation \"{}\": {} is not supported (audit events carry no numbers to add up); use event_count, value_count, temporal or temporal_ordered",
                    c.title,
                    c.correlation_type.as_str()
                )));
            }
            if let Some(bad) = c.group_by.iter().find(|f| !known_field(f)) {
                return Err(refuse(format!(
                    "correlation \"{}\": no event has the field \"{bad}\" to group by",
                    c.title
                )));
            }
            added.push((
                c.id.clone(),
                c.title.clone(),
                level_name(c.level),
                c.tags.clone(),
            ));
        }
        for (id, title, level, tags) in added {
            let id = id.unwrap_or_else(|| title.clone());
            if let Some(other) = self.rules.iter().find(|r| r.id == id) {
                return Err(refuse(format!(
                    "the id {id} is already used by the rule at {}:{}",
                    other.file.display(),
                    other.line
                )));
            }
            self.rules.push(Rule {
                id,
                title,
                level,
                file: file.to_path_buf(),
                line,
                tags,
            });
        }
        self.collection.rules.extend(parsed.rules);
        self.collection.correlations.extend(parsed.correlations);
        Ok(())
    }

    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

/// The rules running over a stream of events, oldest first.
pub struct Watch {
    engine: CorrelationEngine,
    titles: BTreeMap<String, (String, String)>,
    new_terms: BTreeMap<String, NewTerms>,
    /// The first-seen rules' detections alone, to remember history without alerting on it.
    detector: rsigma_eval::Engine,
    /// Per first-seen rule, each term's last match.
    seen: BTreeMap<String, std::collections::HashMap<Vec<String>, Timestamp>>,
    /// The oldest event remembered or watched: the start of the history the first-seen rules
    /// know (see [`warm_up_ms`]).
    first_at: Option<Timestamp>,
}

/// How long after the first event it knows a first-seen rule stays quiet: for an account with
/// no history before that event every term is new, so none is called new until a quarter of the
/// rule's look-back, at most 7 days, has been seen (as the app's security overview does).
pub fn warm_up_ms(history_ms: i64) -> i64 {
    (history_ms / 4).min(7 * 24 * 3_600_000)
}

/// The value of a dotted field of an event's JSON, as text.
fn field_text(json: &serde_json::Value, path: &str) -> Option<String> {
    let v = path.split('.').try_fold(json, |v, k| v.get(k))?;
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) if s.is_empty() => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// Events kept per correlation window to name a hit's events.
const EVENTS_PER_HIT: usize = 100;

impl Watch {
    /// A watch of `rules`, with nothing seen yet.
    pub fn new(rules: &RuleSet) -> Result<Watch, RuleError> {
        let config = CorrelationConfig {
            timestamp_fallback: TimestampFallback::Skip,
            // Rules only referenced by a correlation (`generate: false`) do not alert alone.
            emit_detections: false,
            correlation_event_mode: CorrelationEventMode::Refs,
            max_correlation_events: EVENTS_PER_HIT,
            // A threshold met alerts once; it must be met again from scratch to alert again.
            action_on_match: CorrelationAction::Reset,
            ..CorrelationConfig::default()
        };
        // What the engine refuses after the checks of load: said against the folder's first file.
        let refused = |e: rsigma_eval::EvalError| RuleError::Refused {
            file: rules
                .rules
                .first()
                .map(|r| r.file.clone())
                .unwrap_or_default(),
            line: 1,
            message: e.to_string(),
        };
        let mut engine = CorrelationEngine::new(config);
        engine.add_collection(&rules.collection).map_err(refused)?;
        let titles = rules
            .rules
            .iter()
            .map(|r| (r.id.clone(), (r.title.clone(), r.level.clone())))
            .collect();
        let mut detector = rsigma_eval::Engine::new();
        for r in &rules.collection.rules {
            if r.id
                .as_ref()
                .is_some_and(|id| rules.new_terms.contains_key(id))
            {
                detector.add_rule(r).map_err(refused)?;
            }
        }
        Ok(Watch {
            engine,
            titles,
            new_terms: rules.new_terms.clone(),
            detector,
            seen: BTreeMap::new(),
            first_at: None,
        })
    }

    /// The correlations' open windows, as JSON, to carry them across a restart.
    pub fn windows(&self) -> String {
        serde_json::to_string(&self.engine.export_state()).unwrap_or_default()
    }

    /// Restores windows [`windows`](Self::windows) wrote; windows of rules no longer loaded are
    /// dropped. Whether they could be read.
    pub fn restore(&mut self, windows: &str) -> bool {
        serde_json::from_str(windows).is_ok_and(|s| self.engine.import_state(s))
    }

    /// How far back the first-seen rules look, at most (none without such rules).
    pub fn history_ms(&self) -> Option<i64> {
        self.new_terms.values().map(|t| t.history_ms).max()
    }

    /// Takes an earlier event into the first-seen rules' memory without alerting on it (the
    /// history before the events watched).
    pub fn remember(&mut self, event: &AuditEvent) {
        if self.new_terms.is_empty() {
            return;
        }
        let (Some(at), Ok(json)) = (event.timestamp(), serde_json::to_value(event)) else {
            return;
        };
        self.first_at = Some(self.first_at.map_or(at, |f| f.min(at)));
        let matched: Vec<String> = self
            .detector
            .evaluate(&JsonEvent::borrow(&json))
            .into_iter()
            .filter_map(|r| r.header.rule_id)
            .collect();
        for id in matched {
            self.is_new(&id, &json, at);
        }
    }

    /// Whether the first-seen rule `id`'s term in `json` is new at `at`, remembering it.
    fn is_new(&mut self, id: &str, json: &serde_json::Value, at: Timestamp) -> bool {
        let Some(terms) = self.new_terms.get(id) else {
            return true;
        };
        let Some(term) = terms
            .fields
            .iter()
            .map(|f| field_text(json, f))
            .collect::<Option<Vec<String>>>()
        else {
            // Without the fields there is no term to call new.
            return false;
        };
        let warmed = self
            .first_at
            .is_some_and(|first| at - first >= warm_up_ms(terms.history_ms));
        let seen = self.seen.entry(id.to_string()).or_default();
        let earlier = seen.get(&term).copied();
        seen.insert(term, earlier.map_or(at, |e| e.max(at)));
        warmed && earlier.is_none_or(|e| at - e > terms.history_ms)
    }

    /// Runs every rule on the next event (events come oldest first) and returns the hits it
    /// completes.
    pub fn observe(&mut self, event: &AuditEvent) -> Vec<Hit> {
        let Some(at) = event.timestamp() else {
            return Vec::new();
        };
        let Ok(json) = serde_json::to_value(event) else {
            return Vec::new();
        };
        self.first_at = Some(self.first_at.map_or(at, |f| f.min(at)));
        // Which first-seen rules this event is new for, decided once (each decision remembers
        // the term), and said in the event the other rules read.
        let mut json = json;
        let new_for: Vec<String> = if self.new_terms.is_empty() {
            Vec::new()
        } else {
            let matched: Vec<String> = self
                .detector
                .evaluate(&JsonEvent::borrow(&json))
                .into_iter()
                .filter_map(|r| r.header.rule_id)
                .collect();
            matched
                .into_iter()
                .filter(|id| self.is_new(id, &json, at))
                .collect()
        };
        if let (false, Some(map)) = (new_for.is_empty(), json.as_object_mut()) {
            map.insert(FIRST_SEEN.into(), serde_json::json!(new_for));
        }
        let results = self
            .engine
            .process_event_at(&JsonEvent::borrow(&json), at.div_euclid(1000));
        let mut hits = Vec::new();
        for r in &results {
            let id = r
                .header
                .rule_id
                .clone()
                .unwrap_or_else(|| r.header.rule_title.clone());
            let events = match &r.body {
                ResultBody::Correlation(c) => c
                    .event_refs
                    .iter()
                    .flatten()
                    .filter_map(|e| e.id.clone())
                    .collect(),
                _ => vec![event.id.clone()],
            };
            if self.new_terms.contains_key(&id) && !new_for.contains(&id) {
                continue;
            }
            let (title, level) = self
                .titles
                .get(&id)
                .cloned()
                .unwrap_or_else(|| (r.header.rule_title.clone(), "medium".into()));
            hits.push(Hit {
                rule: id,
                title,
                level,
                events,
                at,
            });
        }
        hits
    }
}

/// Why the watch stopped a round.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// The rules cannot run.
    #[error(transparent)]
    Rules(#[from] RuleError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
}

/// Events the watch reads per round.
const ROUND: i64 = 1000;

/// The watch as the archive runs it: the rules over every event written once the backfill is
/// done, in the order written; each round's hits, where it stopped and the correlations' windows
/// saved in one transaction, so a restart at any moment neither loses nor repeats a hit.
pub struct Watcher {
    archive: crate::store::Archive,
    rules: RuleSet,
    watch: Watch,
    /// The rule set's ids, as stored beside the windows.
    ids: String,
    /// The last event written that the rules have seen; `None` until the watch has started.
    seq: Option<i64>,
    /// The last round read as many events as a round holds: more may be waiting.
    full: bool,
    /// The windows may hold events the database does not say were seen (a round failed after
    /// the rules ran): take up again from the database first.
    stale: bool,
}

impl Watcher {
    /// The watch of `rules` over `archive`, where it stopped last time (its windows restored).
    pub async fn open(archive: crate::store::Archive, rules: RuleSet) -> Result<Self, WatchError> {
        let ids = rules
            .rules
            .iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let mut this = Watcher {
            watch: Watch::new(&rules)?,
            archive,
            rules,
            ids,
            seq: None,
            full: false,
            stale: true,
        };
        this.reload().await?;
        Ok(this)
    }

    /// Takes up where the database says the watch stopped: its place and its windows (what a
    /// round that failed half-way had seen is forgotten).
    async fn reload(&mut self) -> Result<(), WatchError> {
        let state = self.archive.watch_state().await?;
        self.watch = Watch::new(&self.rules)?;
        if let Some((_, _, Some(windows))) = &state {
            if !self.watch.restore(windows) {
                tracing::warn!("the rules' open windows could not be restored; they start empty");
            }
        }
        self.seq = state.map(|(seq, _, _)| seq);
        // The first-seen rules remember the events of their look-back already seen.
        if let (Some(history), Some(seq)) = (self.watch.history_ms(), self.seq) {
            if let Some(newest) = self.archive.newest_written(seq).await? {
                let watch = &mut self.watch;
                let n = self
                    .archive
                    .for_each_oldest_first(newest - history, Some(seq), 1000, |ev| {
                        watch.remember(ev);
                        Ok::<(), crate::db::DbError>(())
                    })
                    .await?;
                tracing::info!(events = n, "first-seen rules read their look-back");
            }
        }
        self.stale = false;
        Ok(())
    }

    /// One round: the rules over up to a thousand events written since the last, oldest first
    /// within the round. Returns the hits it stored (none while the backfill runs).
    pub async fn round(&mut self) -> Result<Vec<Hit>, WatchError> {
        if self.stale {
            self.reload().await?;
        }
        let seq = match self.seq {
            Some(seq) => seq,
            None => match self.archive.start_watch(&self.ids).await? {
                Some(seq) => {
                    tracing::info!(
                        after = seq,
                        "watch started: alerting on events written from now on"
                    );
                    // Read where it starts, and the first-seen rules' look-back, from the database.
                    self.reload().await?;
                    seq
                }
                None => return Ok(Vec::new()),
            },
        };
        let mut batch = self.archive.written_after(seq, ROUND).await?;
        self.full = batch.len() as i64 == ROUND;
        let Some(last) = batch.iter().map(|(s, _)| *s).max() else {
            return Ok(Vec::new());
        };
        // From here the windows run ahead of the database until the round is saved.
        self.stale = true;
        // A page is written newest first: the rules read each round in time order.
        batch.sort_by_key(|(s, e)| (e.timestamp().unwrap_or(i64::MIN), std::cmp::Reverse(*s)));
        let hits: Vec<Hit> = batch
            .iter()
            .flat_map(|(_, e)| self.watch.observe(e))
            .collect();
        let windows = self.watch.windows();
        let new = self
            .archive
            .save_watch(&hits, last, &self.ids, &windows)
            .await?;
        self.seq = Some(last);
        self.stale = false;
        Ok(new)
    }

    /// Runs rounds every `every` and whenever this process writes events (at once again after a
    /// full round), logging each hit, until the task is dropped. A failed round is logged and
    /// taken up again from what the database holds.
    pub async fn run(mut self, every: std::time::Duration) {
        loop {
            match self.round().await {
                Ok(hits) => {
                    for h in &hits {
                        tracing::warn!(rule = %h.rule, title = %h.title, level = %h.level,
                            events = ?h.events, "rule hit");
                    }
                    if self.full {
                        continue;
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "watch round failed; trying again from where the database says it stopped");
                }
            }
            // Every `every`, or at once when this process's collector writes events.
            self.archive.events_written(every).await;
        }
    }
}
