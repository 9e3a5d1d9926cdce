//! A local workspace: every event of one time range of an account, read once from the API into
//! an [`EventStore`], so that any query inside that range is answered locally and exactly.
//!
//! The reading itself (requests, concurrency, aborting) belongs to the caller; this module keeps
//! the bookkeeping that must be right whatever the transport:
//!
//! - pages are read newest first, so an event written during the read shifts later pages by one:
//!   it shows up twice, never goes missing, and duplicates are dropped by id;
//! - the read is complete only when every page has arrived and the events held add up to the
//!   total the first page announced: anything less is reported, never passed off as complete;
//! - a range covers a query when the query's dates lie inside it, so a narrower date filter, or
//!   any type or text filter, is answered from the same copy;
//! - after the read, only events newer than the newest held are asked for ([`Workspace::since`]).

use std::collections::HashSet;

use crate::query::{EventQuery, QueryError, MAX_SIZE};
use crate::shared::Sharing;
use crate::store::EventStore;
use crate::time::Timestamp;
use crate::{AuditEvent, EventsPage};

/// Events per read request: the API's largest page.
pub const READ_SIZE: u32 = MAX_SIZE;
/// Most events held per range unless configured otherwise; above it the app asks the API for
/// every view, as without a workspace.
pub const DEFAULT_MAX_EVENTS: u64 = 50_000;

/// The dates a workspace holds, as the filters gave them and as parsed. No start means from the
/// beginning; no end means up to now (and kept current by [`Workspace::since`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Range {
    /// `date_from` as given.
    pub date_from: Option<String>,
    /// `date_to` as given.
    pub date_to: Option<String>,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
}

impl Range {
    /// The range of a query's dates (its types, text, page and size do not matter).
    pub fn of(q: &EventQuery) -> Result<Range, QueryError> {
        let parsed = q.validate()?;
        Ok(Range {
            date_from: q.date_from.clone(),
            date_to: q.date_to.clone(),
            from: parsed.from,
            to: parsed.to,
        })
    }

    /// Whether every event `q` can match lies in this range. A query that does not validate is
    /// covered (the store refuses it with the same error the API gives).
    pub fn covers(&self, q: &EventQuery) -> bool {
        let Ok(r) = q.validate() else { return true };
        let start_ok = match (self.from, r.from) {
            (None, _) => true,
            (Some(mine), Some(theirs)) => theirs >= mine,
            (Some(_), None) => false,
        };
        let end_ok = match (self.to, r.to) {
            (None, _) => true,
            (Some(mine), Some(theirs)) => theirs <= mine,
            (Some(_), None) => false,
        };
        start_ok && end_ok
    }

    /// Whether the range reaches now (no end date), so new events belong to it.
    pub fn open_ended(&self) -> bool {
        self.to.is_none()
    }

    /// The query that reads this range: all types, no text, pages of [`READ_SIZE`].
    pub fn read_query(&self, page: u32) -> EventQuery {
        EventQuery {
            date_from: self.date_from.clone(),
            date_to: self.date_to.clone(),
            page,
            size: READ_SIZE,
            ..EventQuery::default()
        }
    }
}

/// Why a read did not give a complete copy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// The range holds more events than the bound.
    #[error("this range holds {total} events, more than the {max} kept locally")]
    TooMany {
        /// Events in the range.
        total: u64,
        /// The bound.
        max: u64,
    },
    /// Pages did not add up to the announced total (events removed, or an unstable order).
    #[error("the pages read held {held} different events where the API announced {total}")]
    Short {
        /// Distinct events read.
        held: u64,
        /// The first page's total.
        total: u64,
    },
}

/// A read in progress: pages arrive in any order; the events of the pages read so far are held.
#[derive(Debug)]
pub struct Reading {
    range: Range,
    total: u64,
    pages: u32,
    /// Whether each page has arrived.
    arrived: Vec<bool>,
    /// The events held, in the order they arrived (without those an earlier-arriving page
    /// already brought): one array, put in order in place at the end, so that the copy is
    /// never in memory twice.
    events: Vec<AuditEvent>,
    /// The page (from 0) each held event came on.
    page_of: Vec<u32>,
    /// Whether the last page arrived full (as many events as asked for, duplicates included).
    last_full: bool,
    ids: HashSet<String>,
    /// The contexts held so far, so that equal ones are held once.
    sharing: Sharing,
}

/// Pages read past those the first page announced, at most, looking for events that writes
/// during the read pushed off the end.
pub const TAIL_PAGES: u32 = 10;

impl Reading {
    /// Starts from the first page's answer. Refuses a range above `max` events.
    pub fn start(range: Range, first: &EventsPage, max: u64) -> Result<Reading, ReadError> {
        let info = first.info();
        let total = info.total_elements;
        if total > max {
            return Err(ReadError::TooMany { total, max });
        }
        let pages = total.div_ceil(u64::from(READ_SIZE)).max(1) as u32;
        let mut r = Reading {
            range,
            total,
            pages,
            arrived: vec![false; pages as usize],
            events: Vec::with_capacity(total as usize),
            page_of: Vec::with_capacity(total as usize),
            last_full: false,
            ids: HashSet::with_capacity(total as usize),
            sharing: Sharing::default(),
        };
        r.add(1, first.events());
        Ok(r)
    }

    /// The range being read.
    pub fn range(&self) -> &Range {
        &self.range
    }

    /// Number of pages to read, the first included.
    pub fn pages(&self) -> u32 {
        self.pages
    }

    /// Events the first page announced.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Distinct events held so far.
    pub fn held(&self) -> u64 {
        self.events.len() as u64
    }

    /// Takes page `page`'s events; an event already held (an event written during the read
    /// shifts the pages after it) is dropped. Page [`tail_page`](Self::tail_page) may follow the
    /// announced ones.
    pub fn add(&mut self, page: u32, events: &[AuditEvent]) {
        let index = page.saturating_sub(1) as usize;
        if index == self.arrived.len() && index < (self.pages + TAIL_PAGES) as usize {
            self.arrived.push(false);
        }
        if index + 1 == self.arrived.len() {
            self.last_full = events.len() >= READ_SIZE as usize;
        }
        let Some(arrived) = self.arrived.get_mut(index) else {
            return;
        };
        *arrived = true;
        for e in events {
            // Events without an id cannot be told apart; each is kept.
            if e.id.is_empty() || self.ids.insert(e.id.clone()) {
                let mut e = e.clone();
                self.sharing.share(&mut e);
                self.events.push(e);
                self.page_of.push(index as u32);
            }
        }
    }

    /// Whether every page has arrived.
    pub fn all_pages_in(&self) -> bool {
        self.arrived.iter().all(|a| *a)
    }

    /// The page to read next once every announced page is in but fewer events than announced
    /// came, and the last page was full: events written while the range was read (newest first)
    /// pushed the oldest ones onto the page after it. `None` when nothing is missing, when the
    /// last page was not full (nothing lies past it) or after [`TAIL_PAGES`].
    pub fn tail_page(&self) -> Option<u32> {
        let next = self.arrived.len() as u32 + 1;
        (self.all_pages_in()
            && self.held() < self.total
            && self.last_full
            && next <= self.pages + TAIL_PAGES)
            .then_some(next)
    }

    /// For each `(start, end)` bucket (inclusive milliseconds), how many events of the types
    /// `types` (all when empty) it holds, where the pages read so far tell exactly: the
    /// unbroken run of pages from the first holds every event newer than its oldest one, so a
    /// bucket that starts after that is known; an older one is `None` for now.
    pub fn counts_so_far(
        &self,
        types: &[String],
        buckets: &[(Timestamp, Timestamp)],
    ) -> Vec<Option<u64>> {
        let run = self.arrived.iter().take_while(|a| **a).count() as u32;
        let mut times = Vec::new();
        let mut oldest = None::<Timestamp>;
        let in_run = self
            .events
            .iter()
            .zip(&self.page_of)
            .filter(|(_, p)| **p < run);
        for (e, _) in in_run {
            let t = e.timestamp();
            oldest = match (oldest, t) {
                (Some(o), Some(t)) => Some(o.min(t)),
                (None, t) => t,
                (o, None) => o,
            };
            if types.is_empty() || types.contains(&e.event_type) {
                times.extend(t);
            }
        }
        times.sort_unstable();
        let everything = self.all_pages_in();
        buckets
            .iter()
            .map(|&(start, end)| {
                let known = everything || oldest.is_some_and(|o| start > o);
                known.then(|| {
                    let a = times.partition_point(|&t| t < start);
                    let b = times.partition_point(|&t| t <= end);
                    b.saturating_sub(a) as u64
                })
            })
            .collect()
    }

    /// The complete copy, or why there is none.
    pub fn finish(self) -> Result<Workspace, ReadError> {
        if !self.all_pages_in() || self.held() < self.total {
            return Err(ReadError::Short {
                held: self.held(),
                total: self.total,
            });
        }
        // The ids seen are not needed now: freed before the store is built, not after it.
        drop(self.ids);
        drop(self.sharing);
        let mut events = self.events;
        // Page by page, each page's events as they came; then reversed: oldest first, as the
        // store keeps them, so events of the same moment keep the API's order among themselves.
        let mut place = self.page_of;
        let mut next = vec![0u32; self.arrived.len()];
        for p in &place {
            next[*p as usize] += 1;
        }
        // Each page's count becomes where its first event goes in page order.
        let mut at = 0;
        for n in &mut next {
            (*n, at) = (at, at + *n);
        }
        let last = events.len().saturating_sub(1) as u32;
        for p in &mut place {
            let in_order = next[*p as usize];
            next[*p as usize] += 1;
            *p = last - in_order;
        }
        permute(&mut events, place);
        Ok(Workspace {
            range: self.range,
            store: EventStore::new(events),
        })
    }
}

/// Moves every `items[i]` to `items[to[i]]` (`to` a permutation), in place: each swap puts one
/// item where it belongs.
fn permute<T>(items: &mut [T], mut to: Vec<u32>) {
    for i in 0..items.len() {
        while to[i] as usize != i {
            let j = to[i] as usize;
            items.swap(i, j);
            to.swap(i, j);
        }
    }
}

/// A complete copy of a range.
#[derive(Debug, Clone)]
pub struct Workspace {
    range: Range,
    store: EventStore,
}

impl Workspace {
    /// A copy made of events kept earlier (a copy kept on the device).
    pub fn from_kept(range: Range, events: Vec<AuditEvent>) -> Workspace {
        Workspace {
            range,
            store: EventStore::new(events),
        }
    }

    /// The range held.
    pub fn range(&self) -> &Range {
        &self.range
    }

    /// The events, indexed.
    pub fn store(&self) -> &EventStore {
        &self.store
    }

    /// The answer to `q` when its range lies inside this copy's.
    pub fn answer(&self, q: &EventQuery, base_url: &str) -> Option<Result<EventsPage, QueryError>> {
        self.range.covers(q).then(|| self.store.page(q, base_url))
    }

    /// The query for what happened since the newest event held (page `page`): `date_from` is
    /// that event's time (to the second, as the API takes it), so events in the same second are asked again and dropped by id.
    /// `None` when the range has an end (nothing new can belong to it).
    pub fn since(&self, page: u32) -> Option<EventQuery> {
        if !self.range.open_ended() {
            return None;
        }
        let newest = self
            .store
            .events()
            .iter()
            .rev()
            .find_map(AuditEvent::timestamp);
        let mut q = self.range.read_query(page);
        if let Some(t) = newest {
            q.date_from = Some(crate::time::format_api(t));
        }
        Some(q)
    }

    /// Adds events read since (newest first, as the API gives them); returns the ids that were
    /// new.
    pub fn absorb(&mut self, events: &[AuditEvent]) -> Vec<String> {
        let mut added = Vec::new();
        for e in events.iter().rev() {
            if self.range.covers_time(e.timestamp()) && self.store.get(&e.id).is_none() {
                added.push(e.id.clone());
                self.store.push(e.clone());
            }
        }
        added
    }
}

impl Range {
    fn covers_time(&self, t: Option<Timestamp>) -> bool {
        match t {
            None => self.from.is_none(),
            Some(t) => self.from.is_none_or(|f| t >= f) && self.to.is_none_or(|to| t <= to),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::{Embedded, PageInfo, PageLinks};

    fn ev(id: &str, t: &str) -> AuditEvent {
        crate::testing::event(id).at(t).build()
    }

    fn page(events: Vec<AuditEvent>, total: u64) -> EventsPage {
        EventsPage {
            embedded: Some(Embedded { events }),
            page: Some(PageInfo {
                size: u64::from(READ_SIZE),
                total_elements: total,
                total_pages: total.div_ceil(100),
                number: 1,
            }),
            links: PageLinks::default(),
        }
    }

    #[test]
    fn pages_in_any_order_are_held_in_the_apis_order() {
        // One moment for all, so only the pages' order can put them in order.
        let all: Vec<AuditEvent> = (0..250)
            .map(|i| ev(&format!("e{i:03}"), "2026-01-01T00:00:00"))
            .collect();
        let range = Range::of(&EventQuery::default()).expect("range");
        let mut r = Reading::start(range, &page(all[..100].to_vec(), 250), 1000).expect("start");
        r.add(3, &all[200..]);
        // Page 2 once with an event of page 1 on it, shifted by a write during the read.
        r.add(2, &all[99..200]);
        let w = r.finish().expect("complete");
        let held: Vec<&str> = w.store().events().iter().map(|e| e.id.as_str()).collect();
        let oldest_first: Vec<String> = (0..250).rev().map(|i| format!("e{i:03}")).collect();
        assert_eq!(held, oldest_first);
    }

    #[test]
    fn a_permutation_is_applied_in_place() {
        let mut items = ['a', 'b', 'c', 'd', 'e'];
        permute(&mut items, vec![2, 0, 1, 4, 3]);
        assert_eq!(items, ['b', 'c', 'a', 'e', 'd']);
        let mut none: [char; 0] = [];
        permute(&mut none, vec![]);
    }

    fn q(qs: &str) -> EventQuery {
        EventQuery::parse_valid(qs).expect("valid")
    }

    #[test]
    fn an_open_range_covers_narrower_dates_and_any_filter() {
        let all = Range::of(&q("")).expect("range");
        assert!(all.covers(&q("event_type=USER_LOGIN&search_text=x")));
        assert!(all.covers(&q("date_from=2026-01-01&date_to=2026-02-01")));
        let week = Range::of(&q("date_from=2026-01-01&date_to=2026-01-07")).expect("range");
        assert!(week.covers(&q("date_from=2026-01-02&date_to=2026-01-03&size=5")));
        assert!(week.covers(&q("date_from=2026-01-01T00:00:00Z&date_to=2026-01-07")));
        assert!(!week.covers(&q("date_from=2025-12-31&date_to=2026-01-03")));
        assert!(
            !week.covers(&q("date_from=2026-01-02")),
            "no end reaches past the range"
        );
        assert!(!week.covers(&q("")));
        assert!(!week.open_ended());
        assert!(all.open_ended());
    }

    #[test]
    fn a_read_drops_the_duplicate_an_insert_causes_and_completes() {
        let range = Range::of(&q("")).expect("range");
        let first: Vec<AuditEvent> = (0..100)
            .map(|i| {
                ev(
                    &format!("e{}", 150 - i),
                    &format!("2026-01-01T00:{:02}:{:02}Z", (150 - i) / 60, (150 - i) % 60),
                )
            })
            .collect();
        let mut r = Reading::start(range, &page(first.clone(), 150), 1000).expect("start");
        assert_eq!((r.pages(), r.held(), r.all_pages_in()), (2, 100, false));
        // A new event arrived after page 1: page 2 starts with page 1's last event again.
        let mut second = vec![first[99].clone()];
        second.extend((0..50).map(|i| {
            ev(
                &format!("e{}", 50 - i),
                &format!("2026-01-01T00:00:{:02}Z", 50 - i),
            )
        }));
        r.add(2, &second);
        assert_eq!(r.held(), 150);
        let w = r.finish().expect("complete");
        assert_eq!(w.store().len(), 150);
        let p = w
            .answer(&q("size=10&page=2"), "http://x")
            .expect("covered")
            .expect("valid");
        assert_eq!(p.info().total_elements, 150);
        assert_eq!(p.events()[0].id, "e140");
    }

    #[test]
    fn events_pushed_off_the_last_page_are_read_from_the_page_after_it() {
        let range = Range::of(&q("")).expect("range");
        let t = |s: u32| format!("2026-01-01T00:{:02}:{:02}Z", s / 60, s % 60);
        // 200 events newest first (e199 … e0): two full pages.
        let all: Vec<AuditEvent> = (0..200)
            .rev()
            .map(|i| ev(&format!("e{i}"), &t(i)))
            .collect();
        let mut r = Reading::start(range, &page(all[..100].to_vec(), 200), 1000).expect("start");
        assert_eq!(r.tail_page(), None, "page 2 is still to come");
        // Two events written after page 1 was read: page 2 starts two events later, e0 and e1
        // are pushed onto a third page.
        r.add(2, &all[98..198]);
        assert_eq!((r.held(), r.all_pages_in()), (198, true));
        assert_eq!(r.tail_page(), Some(3));
        r.add(3, &all[198..]);
        assert_eq!(r.tail_page(), None);
        let w = r.finish().expect("complete");
        assert_eq!(w.store().len(), 200);

        // A last page that was not full leaves nothing past it: the read is short, and says so.
        let range = Range::of(&q("")).expect("range");
        let mut r = Reading::start(range, &page(all[..100].to_vec(), 200), 1000).expect("start");
        r.add(2, &all[100..150]);
        assert_eq!(r.tail_page(), None);
        assert!(r.finish().is_err());
    }

    #[test]
    fn counts_so_far_are_exact_where_the_run_of_pages_reaches() {
        let range = Range::of(&q("")).expect("range");
        let t = |s: u32| format!("2026-01-01T00:{:02}:{:02}Z", s / 60, s % 60);
        // 250 events one second apart, newest first: e249 at 4:09 … e0 at 0:00.
        let all: Vec<AuditEvent> = (0..250)
            .rev()
            .map(|i| {
                let e = ev(&format!("e{i}"), &t(i));
                if i % 2 == 0 {
                    e
                } else {
                    AuditEvent {
                        event_type: "APP_CREATE".into(),
                        ..e
                    }
                }
            })
            .collect();
        let ms = |s: u32| crate::time::parse_api_timestamp(&t(s)).expect("time");
        let buckets = [(ms(200), ms(249)), (ms(100), ms(199)), (ms(0), ms(99))];
        let mut r = Reading::start(range, &page(all[..100].to_vec(), 250), 1000).expect("start");
        // Page 3 before page 2: the run is still page 1 alone (events 249 down to 150).
        r.add(3, &all[200..]);
        assert_eq!(r.counts_so_far(&[], &buckets), [Some(50), None, None]);
        assert_eq!(
            r.counts_so_far(&["APP_CREATE".into()], &buckets),
            [Some(25), None, None]
        );
        r.add(2, &all[100..200]);
        assert_eq!(
            r.counts_so_far(&[], &buckets),
            [Some(50), Some(100), Some(100)]
        );
    }

    #[test]
    fn a_short_read_or_a_range_above_the_bound_is_refused() {
        let range = Range::of(&q("")).expect("range");
        let two = vec![
            ev("a", "2026-01-01T00:00:02Z"),
            ev("b", "2026-01-01T00:00:01Z"),
        ];
        assert_eq!(
            Reading::start(range.clone(), &page(two.clone(), 5000), 4999).err(),
            Some(ReadError::TooMany {
                total: 5000,
                max: 4999
            })
        );
        // Announced 3, but only two distinct events came.
        let r = Reading::start(range.clone(), &page(two.clone(), 3), 10).expect("start");
        assert_eq!(
            r.finish().err(),
            Some(ReadError::Short { held: 2, total: 3 })
        );
        // Pages still missing.
        let r = Reading::start(range, &page(two, 102), 1000).expect("start");
        assert!(matches!(r.finish(), Err(ReadError::Short { .. })));
    }

    #[test]
    fn since_asks_from_the_newest_and_absorbs_only_new_events() {
        let range = Range::of(&q("")).expect("range");
        let mut w = Workspace::from_kept(
            range,
            vec![
                ev("a", "2026-01-01T00:00:01Z"),
                ev("b", "2026-01-01T00:00:05Z"),
            ],
        );
        let s = w.since(1).expect("open range");
        // The API takes whole seconds: the same second is asked again.
        assert_eq!(s.date_from.as_deref(), Some("2026-01-01T00:00:05"));
        assert_eq!((s.size, s.event_types.len()), (READ_SIZE, 0));
        let added = w.absorb(&[
            ev("d", "2026-01-01T00:00:09Z"),
            ev("c", "2026-01-01T00:00:09Z"),
            ev("b", "2026-01-01T00:00:05Z"),
        ]);
        assert_eq!(added, ["c", "d"]);
        assert_eq!(w.store().len(), 4);
        // The same moment keeps the API's order.
        let p = w
            .answer(&q("size=2"), "http://x")
            .expect("covered")
            .expect("valid");
        let ids: Vec<&str> = p.events().iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["d", "c"]);
        let closed = Workspace::from_kept(
            Range::of(&q("date_from=2026-01-01&date_to=2026-01-02")).expect("range"),
            vec![],
        );
        assert!(closed.since(1).is_none());
    }
}
