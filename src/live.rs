//! Live tail: watches the newest events of the list's filters, whatever page is shown, and
//! counts only events newer than the newest it has seen.
//!
//! A poll asks for the first page (up to 100 events) of the filters at page 1. The first answer
//! after switching on, or after the filters change, is the baseline and counts nothing; later
//! answers count the events newer than the newest of the baseline. Moving between pages never
//! counts: the poll does not depend on the page.

use std::collections::HashSet;
use ui_names::testid;

use audit_model::time::Timestamp;
use audit_model::{AuditEvent, EventQuery, EventsPage};
use leptos::prelude::*;

use crate::session::Session;

/// Events asked for per poll: arrivals beyond this many between two polls are counted from the
/// total.
const POLL_SIZE: u32 = 100;

/// The newest events a poll has seen, for one query.
#[derive(Clone, Debug, PartialEq)]
pub struct Newest {
    query: EventQuery,
    /// The latest `created_at` seen (`None` while the filters match nothing that has a time).
    at: Option<Timestamp>,
    /// The ids of the events at exactly `at` (more may arrive within the same instant).
    ids_at: HashSet<String>,
    /// The API's total for the query.
    total: u64,
}

/// What one poll found.
#[derive(Debug, PartialEq)]
pub struct Arrivals {
    /// Ids of the events newer than the newest seen before, newest first.
    pub ids: Vec<String>,
    /// How many events arrived: `ids.len()`, or the growth of the total when every event of the
    /// poll was new (more arrived than one poll shows).
    pub count: u64,
}

impl Newest {
    /// The baseline a first poll sets: nothing counts as new.
    pub fn baseline(query: EventQuery, events: &[AuditEvent], total: u64) -> Newest {
        let mut n = Newest {
            query,
            at: None,
            ids_at: HashSet::new(),
            total,
        };
        n.absorb(events);
        n
    }

    /// Compares a poll with what was seen, and moves the baseline to it. Events without a
    /// readable time cannot be ordered and never count.
    pub fn poll(&mut self, events: &[AuditEvent], total: u64) -> Arrivals {
        let ids: Vec<String> = events
            .iter()
            .filter(|e| match (e.timestamp(), self.at) {
                (Some(t), Some(at)) => t > at || (t == at && !self.ids_at.contains(&e.id)),
                (Some(_), None) => true,
                (None, _) => false,
            })
            .map(|e| e.id.clone())
            .collect();
        let mut count = ids.len() as u64;
        if !events.is_empty() && ids.len() == events.len() {
            count = count.max(total.saturating_sub(self.total));
        }
        self.total = total;
        self.absorb(events);
        Arrivals { ids, count }
    }

    fn absorb(&mut self, events: &[AuditEvent]) {
        for e in events {
            let Some(t) = e.timestamp() else { continue };
            match self.at {
                Some(at) if t < at => {}
                Some(at) if t == at => {
                    self.ids_at.insert(e.id.clone());
                }
                _ => {
                    self.at = Some(t);
                    self.ids_at = HashSet::from([e.id.clone()]);
                }
            }
        }
    }

    /// Whether this baseline was taken for `query`.
    pub fn is_for(&self, query: &EventQuery) -> bool {
        self.query == *query
    }
}

/// Whether the range ends before now, which makes watching for new events pointless.
pub fn ends_in_past(q: &EventQuery, now: Timestamp) -> bool {
    q.validate()
        .ok()
        .and_then(|r| r.to)
        .is_some_and(|to| to < now)
}

/// Live tail state, shared by the switch, the list (which highlights new rows) and the timeline
/// (which recounts when events arrive).
#[derive(Clone, Copy)]
pub struct LiveTail {
    /// Watching.
    pub on: RwSignal<bool>,
    /// Seconds between polls.
    pub every_secs: RwSignal<u32>,
    /// Ids that arrived with the last poll that found any (highlighted).
    pub new_ids: RwSignal<HashSet<String>>,
    /// Events that arrived since live tail was switched on (or the filters last changed).
    pub new_count: RwSignal<u64>,
    /// Polls that found new events: what the timeline follows.
    pub arrivals: RwSignal<u32>,
    /// Why live tail stopped or cannot start, or why a poll failed.
    pub note: RwSignal<Option<String>>,
    tick: RwSignal<u32>,
    newest: StoredValue<Option<Newest>>,
    generation: StoredValue<u64>,
}

impl LiveTail {
    /// Off, polling every 15 s once on.
    pub fn new() -> Self {
        LiveTail {
            on: RwSignal::new(false),
            every_secs: RwSignal::new(15),
            new_ids: RwSignal::new(HashSet::new()),
            new_count: RwSignal::new(0),
            arrivals: RwSignal::new(0),
            note: RwSignal::new(None),
            tick: RwSignal::new(0),
            newest: StoredValue::new(None),
            generation: StoredValue::new(0),
        }
    }

    fn stop(&self, note: Option<String>) {
        self.on.set(false);
        self.note.set(note);
        self.newest.set_value(None);
        self.generation.update_value(|g| *g += 1);
    }

    /// Takes a poll's answer: the baseline, or arrivals to count and highlight.
    fn take(&self, query: EventQuery, page: &EventsPage) -> u64 {
        let total = page.info().total_elements;
        let mut found = None;
        self.newest.update_value(|n| match n {
            Some(n) if n.is_for(&query) => found = Some(n.poll(page.events(), total)),
            _ => *n = Some(Newest::baseline(query, page.events(), total)),
        });
        let Some(arrived) = found else {
            // A new baseline (switched on, or other filters): nothing is new yet.
            self.new_count.set(0);
            self.new_ids.set(HashSet::new());
            return 0;
        };
        if arrived.count > 0 {
            self.new_count.update(|n| *n += arrived.count);
            self.new_ids.set(arrived.ids.into_iter().collect());
            self.arrivals.update(|n| *n += 1);
        }
        arrived.count
    }
}

impl Default for LiveTail {
    fn default() -> Self {
        Self::new()
    }
}

/// The Live switch, and the polling behind it. `filters` is the list's query at page 1, `shown`
/// the query whose page is on screen; when events arrive while page 1 is shown, `refresh_list`
/// reloads it so they appear.
#[component]
pub fn LiveControl(
    live: LiveTail,
    filters: Memo<EventQuery>,
    shown: Memo<EventQuery>,
    refresh_list: Callback<()>,
    on_go: Callback<EventQuery>,
) -> impl IntoView {
    let session = expect_context::<Session>();
    // A filter change that ends the range in the past stops it.
    Effect::new(move |_| {
        let q = filters.get();
        if live.on.get_untracked() && ends_in_past(&q, crate::browser::now_ms()) {
            live.stop(Some("Live stopped: the range ends in the past.".into()));
        }
    });
    crate::load::load(
        move || {
            if !live.on.get() {
                return None;
            }
            live.tick.track();
            Some((filters.get(), session.source()?))
        },
        move |(q, source): (EventQuery, crate::source::Source), signal| async move {
            // With a local copy of the range, the poll brings it up to now (one request for
            // what is newer than the newest held) and is then answered from it.
            if let crate::source::Source::Api(client, copy, _) = &source {
                copy.sync(client, &signal).await?;
            }
            let poll = EventQuery {
                size: POLL_SIZE,
                ..q.clone()
            };
            source.events(&poll, Some(&signal)).await.map(|p| (q, p))
        },
        || {},
        move |result| match result {
            Ok((q, page)) => {
                if !live.on.get_untracked() {
                    return;
                }
                live.note.set(None);
                if live.take(q, &page) > 0 && shown.with_untracked(|s| s.page == 1) {
                    refresh_list.run(());
                }
            }
            Err(e) => live.note.set(Some(format!(
                "Live could not check for new events ({e}); it tries again at the next poll."
            ))),
        },
    );
    // Returns whether it started: a range that ends in the past is refused.
    let start = move || -> bool {
        if ends_in_past(&filters.get_untracked(), crate::browser::now_ms()) {
            live.note.set(Some(
                "Live needs a range that reaches now: clear the To date.".into(),
            ));
            return false;
        }
        live.note.set(None);
        live.new_count.set(0);
        live.new_ids.set(HashSet::new());
        live.newest.set_value(None);
        live.on.set(true);
        let mine = live.generation.get_value() + 1;
        live.generation.set_value(mine);
        crate::load::spawn_for_view(move |_| async move {
            loop {
                crate::browser::sleep_ms(live.every_secs.get_untracked().max(1) * 1000).await;
                if live.generation.get_value() != mine || !live.on.get_untracked() {
                    return;
                }
                let hidden = web_sys::window()
                    .and_then(|w| w.document())
                    .is_some_and(|d| d.hidden());
                if !hidden {
                    live.tick.update(|n| *n += 1);
                }
            }
        });
        true
    };
    on_cleanup(move || live.generation.update_value(|g| *g += 1));
    let toggle = move |ev: leptos::ev::Event| {
        if !event_target_checked(&ev) {
            live.stop(None);
        } else if !start() {
            // Refused: the box must not stay ticked.
            let input: web_sys::HtmlInputElement = event_target(&ev);
            input.set_checked(false);
        }
    };
    // Arrivals while another page than the first is shown: offer the way to them.
    let elsewhere = move || live.new_count.get() != 0 && shown.with(|s| s.page != 1);
    view! {
        <div class="live" data-testid=testid::LIVE_CONTROL>
            <label class="check">
                <input type="checkbox" data-testid=testid::LIVE prop:checked=move || live.on.get() on:change=toggle/>
                "Live"
            </label>
            <label for="live-every" class="inline">"every"</label>
            <input id="live-every" data-testid=testid::LIVE_EVERY type="number" min="1" max="3600" class="narrow"
                prop:value=move || live.every_secs.get().to_string()
                on:change=move |ev| { if let Ok(n) = event_target_value(&ev).parse::<u32>() { live.every_secs.set(n.clamp(1, 3600)) } }/>
            <span>"s"</span>
            <Show when=move || live.on.get()>
                <span class="live-count" role="status" data-testid=testid::LIVE_COUNT>
                    {move || format!("{} new since live started", crate::pages::thousands(live.new_count.get()))}
                </span>
                <Show when=elsewhere>
                    <button type="button" class="link" data-testid=testid::LIVE_SHOW_NEWEST
                        on:click=move |_| on_go.run(shown.get_untracked().at_page(1))>
                        "Show the newest"
                    </button>
                </Show>
            </Show>
            <Show when=move || live.note.get().is_some()>
                <span class="muted small" data-testid=testid::LIVE_NOTE>{move || live.note.get()}</span>
            </Show>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, at: &str) -> AuditEvent {
        audit_model::testing::event(id).at(at).build()
    }

    fn q() -> EventQuery {
        EventQuery::default()
    }

    #[test]
    fn the_baseline_counts_nothing_and_a_later_poll_counts_only_newer_events() {
        let first = [
            event("b", "2026-11-28T10:00:02Z"),
            event("a", "2026-11-28T10:00:01Z"),
        ];
        let mut n = Newest::baseline(q(), &first, 2);
        let second = [
            event("c", "2026-11-28T10:00:03Z"),
            event("b", "2026-11-28T10:00:02Z"),
            event("a", "2026-11-28T10:00:01Z"),
        ];
        assert_eq!(
            n.poll(&second, 3),
            Arrivals {
                ids: vec!["c".into()],
                count: 1
            }
        );
        // The same answer again: nothing new.
        assert_eq!(n.poll(&second, 3).count, 0);
    }

    #[test]
    fn an_event_in_the_same_second_as_the_newest_counts_once() {
        let mut n = Newest::baseline(q(), &[event("a", "2026-11-28T10:00:01Z")], 1);
        let same = [
            event("b", "2026-11-28T10:00:01+00:00"),
            event("a", "2026-11-28T10:00:01Z"),
        ];
        assert_eq!(n.poll(&same, 2).ids, vec!["b".to_string()]);
        assert_eq!(n.poll(&same, 2).count, 0);
    }

    #[test]
    fn older_events_never_count_even_when_unseen() {
        // What another page would show: older than the newest, so not an arrival.
        let mut n = Newest::baseline(q(), &[event("z", "2026-11-28T10:00:00Z")], 40);
        let older = [event("y", "2026-11-28T09:00:00Z")];
        assert_eq!(n.poll(&older, 40).count, 0);
    }

    #[test]
    fn more_arrivals_than_one_poll_shows_are_counted_from_the_total() {
        let mut n = Newest::baseline(q(), &[event("a", "2026-11-28T10:00:00Z")], 10);
        let all_new = [
            event("d", "2026-11-28T10:00:03Z"),
            event("c", "2026-11-28T10:00:02Z"),
        ];
        assert_eq!(n.poll(&all_new, 250).count, 240);
    }

    #[test]
    fn times_with_offsets_are_ordered_as_instants_and_unreadable_times_never_count() {
        let mut n = Newest::baseline(q(), &[event("a", "2026-11-28T10:00:00Z")], 1);
        let polled = [
            // 09:30 UTC: older, although its text sorts after "10:00".
            event("b", "2026-11-28T11:30:00+02:00"),
            event("c", "not a time"),
        ];
        assert_eq!(n.poll(&polled, 3).count, 0);
    }

    #[test]
    fn a_baseline_belongs_to_its_query() {
        let n = Newest::baseline(q(), &[], 0);
        assert!(n.is_for(&q()));
        let typed = EventQuery {
            event_types: vec!["USER_LOGIN".into()],
            ..q()
        };
        assert!(!n.is_for(&typed));
    }

    #[test]
    fn a_range_that_ended_is_in_the_past() {
        let ended = EventQuery {
            date_to: Some("2020-01-01T00:00:00Z".into()),
            ..q()
        };
        let now = audit_model::time::parse_api_timestamp("2026-11-28T00:00:00Z").expect("ts");
        assert!(ends_in_past(&ended, now));
        assert!(!ends_in_past(&q(), now));
    }
}
