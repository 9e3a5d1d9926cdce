//! An in-memory event store that answers [`EventQuery`]s exactly as the API does: filter by type,
//! time range and search text, newest first, paged, with HAL links.
//!
//! The demo account serves from it; an export opened offline can use the same code, so both give
//! the same answer for the same filters.

use std::collections::HashMap;

use memchr::memmem;
use serde_json::Value;

use crate::event::{AuditEvent, EventLinks, Link};
use crate::page::{Embedded, EventsPage, PageInfo, PageLinks};
use crate::query::{unescape_search_text, EventQuery, QueryError};
use crate::time::Timestamp;

/// Events kept oldest first (so appending new events is cheap), with indexes for the filters.
#[derive(Debug, Default, Clone)]
pub struct EventStore {
    events: Vec<AuditEvent>,
    /// `created_at` of each event, ascending; unparseable times sort as the oldest.
    times: Vec<Timestamp>,
    /// The search text of every event, built at the first text search (most views never
    /// search, and building it is most of a store's cost).
    text: std::sync::OnceLock<TextIndex>,
    /// Positions of each event type's events, ascending.
    by_type: HashMap<String, Vec<u32>>,
    /// Positions of the events with an id, ordered by id, then position: a lookup is a binary
    /// search, and the ids are not copied (a copy's ids would cost 80 bytes an event in a map).
    by_id: Vec<u32>,
}

/// The search text of the held events, each distinct piece of it kept once. An event's text is
/// three pieces: its own lines (id and time), the lines other events repeat (type, who, from
/// where), and its context's, which events of a held copy share ([`crate::shared`]). A needle
/// without a line break can only match inside one line, so it is looked for in the distinct
/// pieces once, and an event matches when one of its pieces does.
#[derive(Debug, Default, Clone)]
struct TextIndex {
    /// The distinct pieces, one after another, each ending in `\0` (no needle holds one).
    text: Vec<u8>,
    /// Where each piece ends in `text`.
    ends: Vec<usize>,
    /// Each event's pieces, [`PARTS`] an event (an event without a context has the empty one).
    pieces: Vec<u32>,
    /// The shared pieces, by their text (the map type of `by_type`: no more code in the wasm).
    shared: HashMap<String, Vec<u32>>,
}

/// Pieces of an event's text: own, shared, context.
pub const PARTS: usize = 3;

impl TextIndex {
    fn piece(&self, p: u32) -> &[u8] {
        let p = p as usize;
        let start = if p == 0 { 0 } else { self.ends[p - 1] };
        &self.text[start..self.ends[p]]
    }

    fn add_piece(&mut self, text: &str) -> u32 {
        self.text.extend_from_slice(text.as_bytes());
        self.text.push(0);
        self.ends.push(self.text.len());
        (self.ends.len() - 1) as u32
    }

    /// The piece holding `text`, added if no event has it yet.
    fn shared_piece(&mut self, text: String) -> u32 {
        if let Some(p) = self.shared.get(&text) {
            return p[0];
        }
        let p = self.add_piece(&text);
        self.shared.insert(text, vec![p]);
        p
    }

    fn push(&mut self, ev: &AuditEvent) {
        let [own, shared, context] = text_parts(ev);
        let own = self.add_piece(&own);
        let shared = self.shared_piece(shared);
        let context = self.shared_piece(context);
        self.pieces.extend_from_slice(&[own, shared, context]);
    }

    /// Event `i`'s pieces.
    fn pieces_of(&self, i: usize) -> impl Iterator<Item = u32> + '_ {
        self.pieces[i * PARTS..(i + 1) * PARTS].iter().copied()
    }

    /// Which pieces hold what `finder` looks for, one scan of the distinct text.
    fn matching_pieces(&self, finder: &memmem::Finder) -> Vec<bool> {
        let mut hit = vec![false; self.ends.len()];
        let mut from = 0;
        while let Some(offset) = finder.find(&self.text[from..]) {
            // The piece holding this byte; then continue after its end.
            let p = self.ends.partition_point(|&end| end <= from + offset);
            hit[p] = true;
            from = self.ends[p];
        }
        hit
    }
}

/// The matching events of one page and the total across pages.
#[derive(Debug)]
pub struct QueryResult<'a> {
    /// Events matching the filters, on all pages.
    pub total: usize,
    /// This page's events, newest first.
    pub events: Vec<&'a AuditEvent>,
}

fn collect_text(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                out.push_str(k);
                out.push('\n');
                collect_text(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_text(v, out)),
        Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        Value::Null => {}
        other => {
            out.push_str(&other.to_string());
            out.push('\n');
        }
    }
}

/// What `search_text` is matched against: the event's keys and scalar values, one per line,
/// lower-cased (the API matches without regard to case), its links left out (the archive
/// stores events without them). The archive stores it beside each event; the held copy's
/// index keeps the same lines in pieces ([`TextIndex`]).
pub fn search_text(ev: &AuditEvent) -> String {
    text_parts(ev).concat()
}

/// An event's [`search_text`] in its three parts, lower-cased: its own lines (id, time), the
/// lines of the fields other events repeat, and its context's (empty without one). Each part
/// is whole lines, so a needle without a line break matches the text only inside one part.
pub fn text_parts(ev: &AuditEvent) -> [String; PARTS] {
    let mut parts = [String::new(), String::new(), String::new()];
    let bare = AuditEvent {
        context: None,
        links: None,
        ..ev.clone()
    };
    if let Ok(Value::Object(map)) = serde_json::to_value(&bare) {
        for (k, v) in &map {
            let out = &mut parts[usize::from(!matches!(k.as_str(), "id" | "created_at"))];
            out.push_str(k);
            out.push('\n');
            collect_text(v, out);
        }
    }
    if let Some(ctx) = ev.context.as_deref() {
        parts[2].push_str("context\n");
        collect_text(ctx, &mut parts[2]);
    }
    parts.map(|p| p.to_lowercase())
}

/// What a `search_text` parameter looks for in [`search_text`]: unescaped and lower-cased.
pub fn search_needle(search_text: &str) -> String {
    unescape_search_text(search_text).to_lowercase()
}

impl EventStore {
    /// Builds a store from events in any order.
    pub fn new(mut events: Vec<AuditEvent>) -> Self {
        // Sorted in place, stable (events with the same time keep their given order), and
        // never moved again: the events are in memory once while the store is built.
        crate::sorting::sort_by_cached_key(&mut events, |e| {
            e.timestamp().unwrap_or(Timestamp::MIN)
        });
        let times = events
            .iter()
            .map(|e| e.timestamp().unwrap_or(Timestamp::MIN))
            .collect();
        let mut by_type: HashMap<String, Vec<u32>> = HashMap::new();
        for (pos, e) in events.iter().enumerate() {
            match by_type.get_mut(&e.event_type) {
                Some(list) => list.push(pos as u32),
                None => {
                    by_type.insert(e.event_type.clone(), vec![pos as u32]);
                }
            }
        }
        let mut by_id: Vec<u32> = (0..events.len() as u32)
            .filter(|&p| !events[p as usize].id.is_empty())
            .collect();
        // Positions ascending already; a stable sort by id keeps them so among equal ids.
        crate::sorting::sort_by(&mut by_id, |&a, &b| {
            events[a as usize].id.cmp(&events[b as usize].id)
        });
        EventStore {
            events,
            times,
            text: std::sync::OnceLock::new(),
            by_type,
            by_id,
        }
    }

    /// Where `id` would stand among [`by_id`](Self::by_id): after every position of an id
    /// ordered before it or equal to it.
    fn id_end(&self, id: &str) -> usize {
        self.by_id
            .partition_point(|&p| self.events[p as usize].id.as_str() <= id)
    }

    /// The position of the event with this id (the latest of several holding it).
    fn position_of(&self, id: &str) -> Option<u32> {
        let end = self.id_end(id);
        let p = *self.by_id.get(end.checked_sub(1)?)?;
        (self.events[p as usize].id == id).then_some(p)
    }

    fn append(&mut self, t: Timestamp, ev: AuditEvent) {
        let pos = self.events.len() as u32;
        self.by_type
            .entry(ev.event_type.clone())
            .or_default()
            .push(pos);
        if let Some(index) = self.text.get_mut() {
            index.push(&ev);
        }
        let id_at = (!ev.id.is_empty()).then(|| self.id_end(&ev.id));
        self.times.push(t);
        self.events.push(ev);
        if let Some(at) = id_at {
            self.by_id.insert(at, pos);
        }
    }

    /// Adds an event that happened now or later than every stored one (the live-tail case);
    /// an older one rebuilds the indexes.
    pub fn push(&mut self, ev: AuditEvent) {
        let t = ev.timestamp().unwrap_or(Timestamp::MIN);
        if self.times.last().is_none_or(|&last| last <= t) {
            self.append(t, ev);
        } else {
            let mut all = std::mem::take(&mut self.events);
            all.push(ev);
            *self = EventStore::new(all);
        }
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The event with this id.
    pub fn get(&self, id: &str) -> Option<&AuditEvent> {
        self.position_of(id).map(|i| &self.events[i as usize])
    }

    /// Where `e` stands among [`events`](Self::events): its own index and `true` when held
    /// (by id), or else the index of the first event later than it and `false`.
    pub fn position(&self, e: &AuditEvent) -> (usize, bool) {
        match self.position_of(&e.id) {
            Some(i) if !e.id.is_empty() => (i as usize, true),
            _ => {
                let t = e.timestamp().unwrap_or(Timestamp::MIN);
                (self.times.partition_point(|&x| x <= t), false)
            }
        }
    }

    /// All events, oldest first.
    pub fn events(&self) -> &[AuditEvent] {
        &self.events
    }

    /// The event types present, with the description the events carry, sorted by name.
    pub fn event_types(&self) -> Vec<(String, Option<String>)> {
        let mut out: Vec<_> = self
            .by_type
            .iter()
            .map(|(name, positions)| {
                let desc = positions
                    .first()
                    .and_then(|&i| self.events[i as usize].event_type_description.clone());
                (name.clone(), desc)
            })
            .collect();
        crate::sorting::sort(&mut out);
        out
    }

    /// The event-type list to offer for this data: every documented type, plus any other type
    /// present in the events (with the description they carry), sorted by name.
    pub fn event_type_list(&self) -> Vec<crate::EventType> {
        let mut list: Vec<crate::EventType> = crate::catalog::EVENT_TYPES
            .iter()
            .map(|(t, d)| crate::EventType {
                name: (*t).to_string(),
                description: Some((*d).to_string()),
            })
            .collect();
        for (name, description) in self.event_types() {
            if crate::catalog::describe(&name).is_none() {
                list.push(crate::EventType { name, description });
            }
        }
        crate::sorting::sort_by(&mut list, |a, b| a.name.cmp(&b.name));
        list
    }

    /// Runs a query: validates it, filters, orders newest first and cuts out the page.
    pub fn query(&self, q: &EventQuery) -> Result<QueryResult<'_>, QueryError> {
        let candidates = self.matching_positions(q)?;
        let total = candidates.len();
        let skip = (q.page as usize - 1).saturating_mul(q.size as usize);
        let events = candidates
            .iter()
            .rev()
            .skip(skip)
            .take(q.size as usize)
            .map(|&p| &self.events[p as usize])
            .collect();
        Ok(QueryResult { total, events })
    }

    /// Every event matching `q`'s filters (its page and size aside), oldest first.
    pub fn matching(&self, q: &EventQuery) -> Result<Vec<&AuditEvent>, QueryError> {
        Ok(self
            .matching_positions(q)?
            .into_iter()
            .map(|p| &self.events[p as usize])
            .collect())
    }

    /// Positions of the events matching `q`'s filters, ascending.
    fn matching_positions(&self, q: &EventQuery) -> Result<Vec<u32>, QueryError> {
        let range = q.validate()?;
        let lo = range
            .from
            .map_or(0, |f| self.times.partition_point(|&t| t < f));
        let hi = range.to.map_or(self.times.len(), |to| {
            self.times.partition_point(|&t| t <= to)
        });
        let hi = hi.max(lo);

        // Candidate positions, ascending.
        let mut candidates: Vec<u32> = if q.event_types.is_empty() {
            (lo as u32..hi as u32).collect()
        } else {
            let mut merged = Vec::new();
            for t in &q.event_types {
                if let Some(list) = self.by_type.get(t) {
                    let a = list.partition_point(|&p| (p as usize) < lo);
                    let b = list.partition_point(|&p| (p as usize) < hi);
                    merged.extend_from_slice(&list[a..b]);
                }
            }
            merged.sort_unstable();
            merged.dedup();
            merged
        };

        if let Some(text) = q.search_text.as_deref().filter(|s| !s.is_empty()) {
            let needle = search_needle(text);
            let finder = memmem::Finder::new(needle.as_bytes());
            if needle.bytes().any(|b| b == b'\n' || b == 0) {
                // A line break may join lines of two pieces (and a NUL two pieces in the
                // index): each candidate's whole text.
                candidates.retain(|&p| {
                    let text = search_text(&self.events[p as usize]);
                    finder.find(text.as_bytes()).is_some()
                });
            } else if candidates.len() * 8 < self.len() {
                // Few candidates (a day of the timeline, one type): their own pieces only.
                let index = self.text_index();
                candidates.retain(|&p| {
                    index
                        .pieces_of(p as usize)
                        .any(|i| finder.find(index.piece(i)).is_some())
                });
            } else {
                let index = self.text_index();
                let hit = index.matching_pieces(&finder);
                candidates.retain(|&p| index.pieces_of(p as usize).any(|i| hit[i as usize]));
            }
        }

        // The app's exact qualifiers (validated above), event by event.
        if let Some(filter) = q
            .filter
            .as_deref()
            .and_then(|f| crate::filter::Filter::parse(f).ok())
        {
            candidates.retain(|&p| filter.matches(&self.events[p as usize]));
        }
        Ok(candidates)
    }

    /// Builds the search text now rather than at the first search (the demo server does, so
    /// no request pays for it).
    pub fn build_text_index(&self) {
        self.text_index();
    }

    fn text_index(&self) -> &TextIndex {
        self.text.get_or_init(|| {
            let mut index = TextIndex::default();
            self.events.iter().for_each(|e| index.push(e));
            index
        })
    }

    /// Runs a query and shapes the answer as the API's HAL page, with links under `base_url`
    /// (e.g. `http://127.0.0.1:8787`).
    pub fn page(&self, q: &EventQuery, base_url: &str) -> Result<EventsPage, QueryError> {
        let result = self.query(q)?;
        Ok(build_page(
            q,
            result.total,
            result.events.into_iter().cloned().collect(),
            base_url,
        ))
    }
}

/// Shapes a page of events as the API does, links and all.
pub fn build_page(
    q: &EventQuery,
    total: usize,
    mut events: Vec<AuditEvent>,
    base_url: &str,
) -> EventsPage {
    let size = u64::from(q.size);
    let total = total as u64;
    let total_pages = total.div_ceil(size);
    let number = u64::from(q.page);
    let collection = format!("{base_url}{}", crate::EVENTS_PATH);
    let link = |page: u64| {
        Some(Link {
            href: format!("{collection}?{}", q.at_page(page as u32).to_query_string()),
        })
    };
    let links = PageLinks {
        self_: link(number),
        first: link(1),
        prev: (number > 1 && total_pages > 0)
            .then(|| link((number - 1).min(total_pages)))
            .flatten(),
        next: (number < total_pages).then(|| link(number + 1)).flatten(),
        last: link(total_pages.max(1)),
    };
    for ev in &mut events {
        add_self_link(ev, base_url);
    }
    EventsPage {
        embedded: (!events.is_empty()).then_some(Embedded { events }),
        links,
        page: Some(PageInfo {
            size,
            total_elements: total,
            total_pages,
            number,
        }),
    }
}

/// Gives an event its `_links.self`, as the API does, unless it has links already.
pub fn add_self_link(ev: &mut AuditEvent, base_url: &str) {
    if ev.links.is_none() && !ev.id.is_empty() {
        ev.links = Some(EventLinks {
            self_: Some(Link {
                href: format!("{base_url}{}/{}", crate::EVENTS_PATH, ev.id),
            }),
        });
    }
}

/// A line of JSON Lines, or an item of a JSON array, that is not an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{unit} {line}: {message}")]
pub struct LineError {
    /// 1-based line number (or item number, in an array).
    pub line: usize,
    /// "line" or "item".
    pub unit: &'static str,
    /// What was wrong.
    pub message: String,
}

/// One JSON text checked as an audit event. (Read straight into the type: the same code as the
/// API's answers, so the browser's code has one deserializer of events, not two.)
fn check_event(text: &str) -> Result<AuditEvent, String> {
    match serde_json::from_str::<AuditEvent>(text) {
        Ok(ev) if ev.id.is_empty() => Err("the event has no \"id\"".into()),
        Ok(ev) if ev.timestamp().is_none() => Err(format!(
            "\"created_at\" {:?} is not an ISO-8601 date-time",
            ev.created_at
        )),
        Ok(ev) => Ok(ev),
        Err(e) if e.is_syntax() || e.is_eof() => Err(format!("malformed JSON: {e}")),
        Err(_) if !text.trim_start().starts_with('{') => Err("expected a JSON object".into()),
        Err(e) => Err(format!("not an audit event: {e}")),
    }
}

/// Reads a file of events in any of the forms people have: JSON Lines (this viewer's export),
/// a JSON array of events, or a saved API answer (`{"_embedded": {"events": [...]}}`). Returns the
/// good events and an error for each bad line or item.
pub fn parse_events_file(text: &str) -> (Vec<AuditEvent>, Vec<LineError>) {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    let items = if trimmed.starts_with('[') {
        match serde_json::from_str::<Vec<Value>>(trimmed) {
            Ok(items) => Some(items),
            Err(e) => {
                let message = format!("a JSON array that does not parse: {e}");
                return (
                    Vec::new(),
                    vec![LineError {
                        line: e.line(),
                        unit: "line",
                        message,
                    }],
                );
            }
        }
    } else if trimmed.starts_with('{') && !trimmed.contains('\n')
        || trimmed.contains("\"_embedded\"")
    {
        // One object: a saved API page, or a file of a single event.
        match serde_json::from_str::<Value>(trimmed) {
            Ok(mut v) => match v.pointer_mut("/_embedded/events").map(Value::take) {
                Some(Value::Array(items)) => Some(items),
                _ => None,
            },
            Err(_) => None,
        }
    } else {
        None
    };
    let Some(items) = items else {
        return parse_jsonl(text);
    };
    let mut events = Vec::new();
    let mut errors = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        match check_event(&item.to_string()) {
            Ok(ev) => events.push(ev),
            Err(message) => errors.push(LineError {
                line: i + 1,
                unit: "item",
                message,
            }),
        }
    }
    (events, errors)
}

/// Reads JSON Lines: one event object per line, blank lines skipped. Returns the good events and
/// an error for each bad line, so a caller can refuse the file or load what is good.
pub fn parse_jsonl(text: &str) -> (Vec<AuditEvent>, Vec<LineError>) {
    let mut events = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let err = |message: String| LineError {
            line: i + 1,
            unit: "line",
            message,
        };
        match check_event(line) {
            Ok(ev) => events.push(ev),
            Err(message) => errors.push(err(message)),
        }
    }
    (events, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::format_api;

    fn ev(i: usize, t: &str, ty: &str, ctx: Value) -> AuditEvent {
        crate::testing::event(format!("00000000-0000-4000-8000-{i:012}"))
            .at(t)
            .of_type(ty)
            .context(ctx)
            .build()
    }

    fn sample() -> EventStore {
        // 50 events, one an hour from 2024-05-01T00:00, types alternating.
        let base = crate::time::parse_api_timestamp("2024-05-01T00:00:00").expect("t");
        let events = (0..50)
            .map(|i| {
                let ty = if i % 2 == 0 {
                    "USER_LOGIN"
                } else {
                    "APP_CREATE"
                };
                ev(
                    i,
                    &format_api(base + i as i64 * 3_600_000),
                    ty,
                    serde_json::json!({"n": i, "name": format!("App {i}")}),
                )
            })
            .rev() // given out of order on purpose
            .collect();
        EventStore::new(events)
    }

    fn q(qs: &str) -> EventQuery {
        EventQuery::parse_valid(qs).expect("valid")
    }

    #[test]
    fn newest_first_and_paged() {
        let s = sample();
        let r = s.query(&q("size=20&page=1")).expect("ok");
        assert_eq!(r.total, 50);
        assert_eq!(r.events.len(), 20);
        assert!(r.events[0].id.ends_with("000000000049"));
        let last = s.query(&q("size=20&page=3")).expect("ok");
        assert_eq!(last.events.len(), 10);
        assert!(last.events[9].id.ends_with("000000000000"));
        assert!(s.query(&q("size=20&page=4")).expect("ok").events.is_empty());
    }

    #[test]
    fn filters_combine() {
        let s = sample();
        assert_eq!(s.query(&q("event_type=USER_LOGIN")).expect("ok").total, 25);
        assert_eq!(
            s.query(&q("event_type=USER_LOGIN,APP_CREATE"))
                .expect("ok")
                .total,
            50
        );
        assert_eq!(s.query(&q("event_type=NOPE")).expect("ok").total, 0);
        // 00:00 to 09:00 inclusive = 10 events; 5 of them logins.
        let r = s
            .query(&q(
                "date_from=2024-05-01T00:00:00&date_to=2024-05-01T09:00:00&event_type=USER_LOGIN",
            ))
            .expect("ok");
        assert_eq!(r.total, 5);
        // Date-only "to" covers the whole day: 24 events on May 1.
        assert_eq!(s.query(&q("date_to=2024-05-01")).expect("ok").total, 24);
        assert_eq!(s.query(&q("search_text=app+4")).expect("ok").total, 11); // 4, 40..49
        assert_eq!(
            s.query(&q("search_text=APP+4&event_type=USER_LOGIN"))
                .expect("ok")
                .total,
            6
        );
    }

    #[test]
    fn exact_qualifiers_narrow_every_page_and_the_total() {
        let s = sample();
        let with = |filter: &str, rest: &str| {
            let (mut q, _) = EventQuery::parse_app(rest).expect("parses");
            q.filter = Some(filter.into());
            q.validate().expect("valid");
            s.query(&q).expect("ok").total
        };
        // context.n is 0..49; the filter sees the context exactly, not as text.
        assert_eq!(with("context.n:4", ""), 1);
        assert_eq!(with("context.n:4,40,41", ""), 3);
        assert_eq!(with("-context.n:4", ""), 49);
        assert_eq!(with("type:user_login", ""), 25);
        assert_eq!(with("type:USER_LOGIN context.name:\"App 40\"", ""), 1);
        // With the API's own filters: types, dates and text apply first.
        assert_eq!(with("context.n:40,41", "event_type=APP_CREATE"), 1);
        assert_eq!(with("-type:APP_CREATE", "search_text=app+4"), 6);
        let page = {
            let (mut q, _) = EventQuery::parse_app("size=2&page=2").expect("parses");
            q.filter = Some("type:APP_CREATE".into());
            s.query(&q)
                .expect("ok")
                .events
                .iter()
                .map(|e| e.id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(page.len(), 2);
        assert!(page
            .iter()
            .all(|id| { s.get(id).is_some_and(|e| e.event_type == "APP_CREATE") }));
    }

    #[test]
    fn both_search_strategies_agree_with_brute_force() {
        let base = crate::time::parse_api_timestamp("2024-05-01T00:00:00").expect("t");
        let events: Vec<_> = (0..400)
            .map(|i| {
                let ty = if i % 40 == 0 { "RARE" } else { "COMMON" };
                ev(
                    i,
                    &format_api(base + i as i64 * 60_000),
                    ty,
                    serde_json::json!({"word": format!("w{}", i % 7)}),
                )
            })
            .collect();
        let s = EventStore::new(events.clone());
        for (qs, ty) in [
            ("search_text=W3", None),
            ("search_text=W3&event_type=RARE", Some("RARE")),
        ] {
            let expected = events
                .iter()
                .filter(|e| ty.is_none_or(|t| e.event_type == t))
                .filter(|e| e.context.as_ref().is_some_and(|c| c["word"] == "w3"))
                .count();
            assert_eq!(s.query(&q(qs)).expect("ok").total, expected, "{qs}");
        }
        // A match never spans two events' text.
        assert_eq!(
            s.query(&q("search_text=w3%0Acontext")).expect("ok").total,
            0
        );
    }

    #[test]
    fn search_in_shared_pieces_agrees_with_each_events_whole_text() {
        let base = crate::time::parse_api_timestamp("2024-05-01T00:00:00").expect("t");
        let shared = std::sync::Arc::new(serde_json::json!({"agent": "Firefox", "n": 1}));
        let mut events: Vec<AuditEvent> = (0..300)
            .map(|i| {
                let mut e = ev(
                    i,
                    &format_api(base + i as i64 * 60_000),
                    if i % 3 == 0 {
                        "USER_LOGIN"
                    } else {
                        "APP_CREATE"
                    },
                    serde_json::json!({"word": format!("W{}", i % 11)}),
                );
                e.user_email = Some(format!("user{}@Example.com", i % 4));
                if i % 5 == 0 {
                    e.context = Some(shared.clone());
                }
                if i % 7 == 0 {
                    e.context = None;
                }
                e.links = Some(EventLinks {
                    self_: Some(Link {
                        href: format!("http://proxy.example/beta/audit/events/{}", e.id),
                    }),
                });
                e
            })
            .collect();
        events[17]
            .extra
            .insert("odd".into(), serde_json::json!("Ünïcode ΣΑΣ"));
        let s = EventStore::new(events.clone());
        let needles = [
            "w3",
            "firefox",
            "user2@",
            "example.com",
            "user_login",
            "context",
            "id\n0000",
            "created_at",
            "2024-05-01t00:05",
            "ünïcode",
            "σας",
            "w1\ncontext",
            "agent\nfirefox",
            "email\nuser1",
            "proxy.example",
            "beta/audit",
            "nothing-at-all",
        ];
        for needle in needles {
            let lower = needle.replace("\\n", "\n");
            let expected = events
                .iter()
                .filter(|e| search_text(e).contains(&lower))
                .count();
            let qs = format!(
                "search_text={}",
                lower
                    .replace('\n', "%0A")
                    .replace('@', "%40")
                    .replace(' ', "+")
            );
            // Both strategies: every event a candidate, and a few (one type).
            assert_eq!(s.query(&q(&qs)).expect("ok").total, expected, "{needle}");
            let few = events
                .iter()
                .filter(|e| e.event_type == "USER_LOGIN" && search_text(e).contains(&lower))
                .count();
            let typed = format!("{qs}&event_type=USER_LOGIN");
            assert_eq!(
                s.query(&q(&typed)).expect("ok").total,
                few,
                "{needle}, one type"
            );
        }
        // Links are where an answer came from, not what happened: never matched.
        assert_eq!(
            s.query(&q("search_text=proxy.example")).expect("ok").total,
            0
        );
        assert!(search_text(&events[5]).contains("firefox"));
        assert_eq!(s.query(&q("search_text=firefox")).expect("ok").total, 51); // i % 5 == 0, not i % 7 == 0
    }

    #[test]
    fn events_added_after_the_index_is_built_are_found() {
        let mut s = sample();
        let before = s.query(&q("search_text=app+4")).expect("ok").total;
        s.push(ev(
            99,
            "2024-06-01T00:00:00",
            "APP_CREATE",
            serde_json::json!({"name": "App 4x"}),
        ));
        assert_eq!(
            s.query(&q("search_text=app+4")).expect("ok").total,
            before + 1
        );
    }

    #[test]
    fn invalid_queries_are_refused() {
        let s = sample();
        let bad = EventQuery {
            size: 0,
            ..Default::default()
        };
        assert!(s.query(&bad).is_err());
    }

    #[test]
    fn hal_page_links() {
        let s = sample();
        let p = s
            .page(&q("size=20&page=2&event_type=APP_CREATE"), "http://h")
            .expect("ok");
        let info = p.info();
        assert_eq!(
            (
                info.total_elements,
                info.total_pages,
                info.number,
                info.size
            ),
            (25, 2, 2, 20)
        );
        assert!(p.links.next.is_none());
        let prev = p.links.prev.clone().expect("prev").href;
        assert_eq!(
            prev,
            "http://h/beta/audit/events?event_type=APP_CREATE&page=1&size=20"
        );
        assert!(p.links.last.as_ref().expect("last").href.contains("page=2"));
        let ev = &p.events()[0];
        assert!(ev
            .links
            .as_ref()
            .expect("links")
            .self_
            .as_ref()
            .expect("self")
            .href
            .ends_with(&ev.id));
        let empty = s.page(&q("event_type=NOPE"), "http://h").expect("ok");
        assert!(empty.embedded.is_none());
        let json = serde_json::to_value(&empty).expect("json");
        assert!(json.get("_embedded").is_none());
    }

    #[test]
    fn get_and_push() {
        let mut s = sample();
        assert!(s.get("00000000-0000-4000-8000-000000000007").is_some());
        s.push(ev(99, "2030-01-01T00:00:00", "NEW_TYPE", Value::Null));
        let r = s.query(&q("size=1")).expect("ok");
        assert_eq!(r.events[0].event_type, "NEW_TYPE");
        s.push(ev(98, "2000-01-01T00:00:00", "OLD", Value::Null));
        assert_eq!(s.len(), 52);
        assert!(s.get("00000000-0000-4000-8000-000000000098").is_some());
        assert_eq!(s.query(&q("event_type=OLD")).expect("ok").total, 1);
    }

    #[test]
    fn every_id_is_found_as_a_map_of_ids_would_find_it() {
        // Odd ids from files: repeated, empty, out of order, pushed live, pushed old.
        let mut events: Vec<AuditEvent> = [
            ("b", "2024-01-01T00:00:03"),
            ("a", "2024-01-01T00:00:01"),
            ("", "2024-01-01T00:00:02"),
            ("b", "2024-01-01T00:00:05"),
            ("c", "not a time"),
            ("a", "2024-01-01T00:00:01"),
        ]
        .iter()
        .map(|(id, t)| crate::testing::event(*id).at(*t).build())
        .collect();
        let mut s = EventStore::new(events.clone());
        let check = |s: &EventStore, events: &[AuditEvent]| {
            // The reference: a map of ids to positions, later positions written over earlier.
            let mut map = HashMap::new();
            for (i, e) in s.events().iter().enumerate() {
                if !e.id.is_empty() {
                    map.insert(e.id.clone(), i);
                }
            }
            for id in ["a", "b", "c", "", "d", "0"] {
                let want = map.get(id).map(|&i| &s.events()[i]);
                assert_eq!(
                    s.get(id).map(std::ptr::from_ref),
                    want.map(std::ptr::from_ref),
                    "{id}"
                );
            }
            for e in events {
                let (at, held) = s.position(e);
                assert_eq!(held, !e.id.is_empty(), "{e:?}");
                if held {
                    assert_eq!(at, map[&e.id]);
                }
            }
        };
        check(&s, &events);
        for (id, t) in [("d", "2024-01-01T00:00:09"), ("0", "2024-01-01T00:00:00")] {
            let e = crate::testing::event(id).at(t).build();
            s.push(e.clone());
            events.push(e);
            check(&s, &events);
        }
    }

    #[test]
    fn jsonl_reports_bad_lines_by_number() {
        let text = "{\"id\":\"a\",\"created_at\":\"2024-01-01T00:00:00\"}\n\nnot json\n[1]\n{\"id\":\"b\",\"created_at\":\"soon\"}\n{\"created_at\":\"2024-01-01T00:00:00\"}\n";
        let (events, errors) = parse_jsonl(text);
        assert_eq!(events.len(), 1);
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [3, 4, 5, 6]);
        assert!(errors[0].to_string().starts_with("line 3: malformed JSON"));
    }

    #[test]
    fn a_json_array_or_a_saved_api_page_reads_as_events() {
        let one = |id: &str| {
            format!("{{\"id\":\"{id}\",\"event_type\":\"APP_CREATE\",\"created_at\":\"2024-01-01T00:00:00\"}}")
        };
        let array = format!("[\n  {},\n  {},\n  42\n]\n", one("a"), one("b"));
        let (events, errors) = parse_events_file(&array);
        assert_eq!(
            events.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].to_string(), "item 3: expected a JSON object");
        let page = format!(
            "{{\"_embedded\":{{\"events\":[{}]}},\"page\":{{\"size\":1}}}}",
            one("c")
        );
        let (events, errors) = parse_events_file(&page);
        assert_eq!((events.len(), errors.len()), (1, 0));
        // JSON Lines, and a single event alone, as before.
        let lines = format!("{}\n{}\n", one("d"), one("e"));
        assert_eq!(parse_events_file(&lines).0.len(), 2);
        assert_eq!(parse_events_file(&one("f")).0.len(), 1);
        // A broken array is one clear error, not a line-by-line cascade.
        let (events, errors) = parse_events_file("[{\"id\": 1,");
        assert!(events.is_empty());
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("JSON array"), "{}", errors[0]);
    }
}
