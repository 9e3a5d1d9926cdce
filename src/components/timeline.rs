//! The timeline: a histogram of the matching events over the range, drawn as SVG. Each bar's
//! count is the API's `page.totalElements` for a `size=1` query over that bucket, a few at a
//! time, cached per query.

use std::collections::HashMap;
use ui_names::testid;

use audit_model::time::format_api;
use audit_model::EventQuery;
use leptos::prelude::*;

use crate::insight::{bucket_width, buckets, width_label};
use crate::pages::thousands;
use crate::session::Session;
use crate::source::count_many;

/// Concurrent count requests.
const IN_FLIGHT: usize = 6;
/// The range shown when the filters set none.
const DEFAULT_SPAN_MS: i64 = 90 * 24 * 3_600_000;

#[derive(Clone, Debug, PartialEq)]
struct Bar {
    from: String,
    to: String,
    start: i64,
    count: u64,
    /// Not known yet: the local copy is still reading the part of the range it covers.
    pending: bool,
}

/// The bars of a plan with their counts (`None`: not known yet).
fn bars_of(plan: Vec<(EventQuery, i64)>, counts: impl Iterator<Item = Option<u64>>) -> Vec<Bar> {
    plan.into_iter()
        .zip(counts)
        .map(|((bq, start), count)| Bar {
            from: bq.date_from.unwrap_or_default(),
            to: bq.date_to.unwrap_or_default(),
            start,
            count: count.unwrap_or(0),
            pending: count.is_none(),
        })
        .collect()
}

/// The bars' bucket width, and each bar's query and start, for the filters `q`.
fn plan(q: &EventQuery, offset: i32, now: i64) -> (i64, Vec<(EventQuery, i64)>) {
    let (from, to) = span(q, now);
    let bucket = bucket_width(from, to);
    let plan = buckets(from, to, offset)
        .into_iter()
        .map(|(s, e)| {
            let (s, e) = (s.max(from), (e - 1000).min(to));
            (
                EventQuery {
                    date_from: Some(format_api(s)),
                    date_to: Some(format_api(e)),
                    ..q.clone()
                },
                s,
            )
        })
        .collect();
    (bucket, plan)
}

/// The range the timeline covers: the filters' dates, or the last 90 days up to now.
fn span(q: &EventQuery, now: i64) -> (i64, i64) {
    let r = q.validate().unwrap_or_default();
    let to = r.to.unwrap_or(now - now.rem_euclid(1000));
    let from = r.from.unwrap_or(to - DEFAULT_SPAN_MS);
    (from, to)
}

/// Moves the keyboard focus to bar `i`.
fn focus_bar(i: usize) {
    use wasm_bindgen::JsCast;
    let bar = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector_all("[data-testid=\"timeline-bar\"]").ok())
        .and_then(|l| l.get(i as u32))
        .and_then(|n| n.dyn_into::<web_sys::SvgElement>().ok());
    if let Some(bar) = bar {
        let _ = bar.focus();
    }
}

/// The histogram above the table.
#[component]
pub fn Timeline(
    /// The filters in the URL.
    #[prop(into)]
    query: Signal<EventQuery>,
    /// Narrows the list to a bucket.
    on_pick: Callback<EventQuery>,
    /// Counts again whenever this changes (live tail's arrivals).
    #[prop(into, optional)]
    refresh: Signal<u32>,
) -> impl IntoView {
    let session = expect_context::<Session>();
    let prefs = expect_context::<crate::prefs::Prefs>();
    let bars = RwSignal::new(Vec::<Bar>::new());
    let loading = RwSignal::new(false);
    let failed = RwSignal::new(None::<String>);
    // Counts already asked, shared with the counting runs (not reactive: a run left behind
    // touches nothing that is gone).
    let cache: std::rc::Rc<std::cell::RefCell<HashMap<String, u64>>> = std::rc::Rc::default();
    let width = RwSignal::new(0i64);
    // The bar that holds the timeline's one tab stop.
    let focused = RwSignal::new(0usize);
    // A drag across bars: the bar where the button went down, and the one under the pointer.
    let drag = RwSignal::new(None::<(usize, usize)>);
    let finish = move || {
        let Some((a, b)) = drag.get_untracked() else {
            return;
        };
        drag.set(None);
        let list = bars.get_untracked();
        let (lo, hi) = (a.min(b), a.max(b));
        if let (Some(first), Some(last)) = (list.get(lo), list.get(hi)) {
            on_pick.run(EventQuery {
                date_from: Some(first.from.clone()),
                date_to: Some(last.to.clone()),
                page: 1,
                ..query.get_untracked()
            });
        }
    };

    crate::load::load(
        move || {
            refresh.track();
            session.copy.version.track();
            let q = query.get();
            // Bars follow the clock shown: in local time, day bars are local days.
            let offset = prefs.offset_at(span(&q, crate::browser::now_ms()).0);
            Some((q, offset, session.source()?))
        },
        move |(q, offset, source): (EventQuery, i32, crate::source::Source), signal| {
            let cache = cache.clone();
            async move {
                let now = crate::browser::now_ms();
                let (bucket, plan) = plan(&q, offset, now);
                // An archive counts every bar in one answer.
                let cut = audit_model::archive::Cut {
                    width_ms: bucket,
                    offset_minutes: offset,
                };
                let (from, to) = span(&q, now);
                let whole = EventQuery {
                    date_from: Some(format_api(from)),
                    date_to: Some(format_api(to)),
                    ..q.clone()
                };
                if let Some(counts) = source.bucket_counts(&whole, &cut, Some(&signal)).await {
                    let counts: HashMap<i64, u64> =
                        counts?.into_iter().map(|b| (b.start_ms, b.count)).collect();
                    let each = plan
                        .iter()
                        .map(|(_, start)| {
                            Some(counts.get(&cut.start_of(*start)).copied().unwrap_or(0))
                        })
                        .collect::<Vec<_>>();
                    return Ok((bucket, bars_of(plan, each.into_iter())));
                }
                let queries: Vec<EventQuery> = plan.iter().map(|(q, _)| q.clone()).collect();
                let counts = count_many(&source, &queries, IN_FLIGHT, &cache, &signal).await?;
                let bars = bars_of(plan, counts.into_iter().map(Some));
                Ok((bucket, bars))
            }
        },
        move || {
            loading.set(true);
            failed.set(None);
        },
        move |result: Result<(i64, Vec<Bar>), crate::api::ApiError>| {
            loading.set(false);
            match result {
                Ok((bucket, list)) => {
                    // The width changes with the bars, so the caption never mixes old and new.
                    width.set(bucket);
                    bars.set(list);
                    crate::instrument::mark_once("audit:timeline-drawn");
                }
                Err(e) => failed.set(Some(e.to_string())),
            }
        },
    );

    // While the local copy reads the range, the bars its pages already tell are drawn (newest
    // first), and the older ones wait, marked as not read yet: no request per bar.
    Effect::new(move |_| {
        if !session
            .copy
            .status
            .with(|s| matches!(s, crate::workspace::Status::Reading { .. }))
        {
            return;
        }
        let Some(crate::source::Source::Api(client, copy, _)) = session.source() else {
            return;
        };
        let q = query.get();
        let now = crate::browser::now_ms();
        let offset = prefs.offset_at(span(&q, now).0);
        let (bucket, plan) = plan(&q, offset, now);
        let edges: Vec<(i64, i64)> = plan
            .iter()
            .map(|(bq, start)| {
                let end = bq.validate().ok().and_then(|r| r.to).unwrap_or(*start);
                (*start, end)
            })
            .collect();
        let Some(counts) = copy.counts_so_far(&client, &q, &edges) else {
            return;
        };
        let list = bars_of(plan, counts.into_iter());
        width.set(bucket);
        bars.set(list);
        crate::instrument::mark_once("audit:timeline-first-drawn");
    });

    let label = move |b: &Bar| {
        let t = |s: &str| {
            audit_model::time::parse_api_timestamp(s)
                .map(|ts| prefs.shown_at(ts))
                .unwrap_or_default()
        };
        if b.pending {
            return format!("{} – {}: not read yet", t(&b.from), t(&b.to));
        }
        format!(
            "{} – {}: {} events",
            t(&b.from),
            t(&b.to),
            thousands(b.count)
        )
    };
    let summary = move || {
        let list = bars.get();
        if list.is_empty() {
            // Nothing counted yet: no "0 events in 0 bars" while the counts load.
            return "Events over time: counting…".to_string();
        }
        let pending = list.iter().filter(|b| b.pending).count() as u64;
        if pending > 0 {
            return format!(
                "Events over time, one bar per {}: reading the range, {} of {} known so far.",
                width_label(width.get()),
                thousands(list.len() as u64 - pending),
                crate::pages::count_of(list.len() as u64, "bar", "bars"),
            );
        }
        let total: u64 = list.iter().map(|b| b.count).sum();
        let peak = list.iter().max_by_key(|b| b.count);
        format!(
            "Events over time, one bar per {}: {} in {}{}.",
            width_label(width.get()),
            crate::pages::count_of(total, "event", "events"),
            crate::pages::count_of(list.len() as u64, "bar", "bars"),
            peak.filter(|p| p.count > 0)
                .map(|p| format!("; the busiest bar, {}", label(p)))
                .unwrap_or_default()
        )
    };

    view! {
        <figure class="timeline card" data-testid=testid::TIMELINE aria-busy=move || loading.get().to_string()>
            <figcaption class="small muted" data-testid=testid::TIMELINE_SUMMARY>{summary}</figcaption>
            <Show when=move || failed.get().is_some()>
                <p class="error small" role="alert">{move || format!("The timeline could not be loaded: {}", failed.get().unwrap_or_default())}</p>
            </Show>
            <svg on:mouseleave=move |_| drag.set(None) viewBox="0 0 1000 80" preserveAspectRatio="none" role="group"
                aria-label=move || format!("{} Arrow keys move between bars; Enter narrows the list to one.", summary())
                class:stale=move || loading.get() && !bars.with(|l| l.iter().any(|b| b.pending))>
                {move || {
                    let list = bars.get();
                    let n = list.len();
                    let max = list.iter().map(|b| b.count).max().unwrap_or(0).max(1) as f64;
                    let w = 1000.0 / n.max(1) as f64;
                    list.into_iter().enumerate().map(|(i, b)| {
                        let h = if b.pending { 76.0 } else if b.count == 0 { 0.0 } else { (b.count as f64 / max * 76.0).max(2.0) };
                        let title = label(&b);
                        let aria = title.clone();
                        let in_drag = move || drag.get().is_some_and(|(a, b)| (a.min(b)..=a.max(b)).contains(&i));
                        // One tab stop for the whole timeline (roving tabindex): arrows, Home and End
                        // move between bars, Enter or Space narrows the list to the bar.
                        let key = move |e: leptos::ev::KeyboardEvent| {
                            let to = match e.key().as_str() {
                                "ArrowRight" | "ArrowUp" => Some((i + 1).min(n.saturating_sub(1))),
                                "ArrowLeft" | "ArrowDown" => Some(i.saturating_sub(1)),
                                "Home" => Some(0),
                                "End" => Some(n.saturating_sub(1)),
                                "Enter" | " " => {
                                    e.prevent_default();
                                    drag.set(Some((i, i)));
                                    finish();
                                    None
                                }
                                _ => None,
                            };
                            if let Some(to) = to {
                                e.prevent_default();
                                focused.set(to);
                                focus_bar(to);
                            }
                        };
                        view! {
                            <g class="bar" class:pending=b.pending data-testid=testid::TIMELINE_BAR data-count=b.count.to_string() data-from=b.from.clone() data-to=b.to.clone()
                                data-start=b.start.to_string() class:selected=in_drag
                                role="button" aria-label=aria
                                tabindex=move || if focused.get().min(n.saturating_sub(1)) == i { "0" } else { "-1" }
                                on:focus=move |_| focused.set(i)
                                on:keydown=key
                                on:mousedown=move |e| { e.prevent_default(); drag.set(Some((i, i))); }
                                on:mouseenter=move |_| drag.update(|d| if let Some((_, end)) = d { *end = i; })
                                on:mouseup=move |_| finish()>
                                <rect class="hit" x=crate::pages::coord(i as f64 * w) y="0" width=crate::pages::coord(w) height="80"></rect>
                                <rect class="fill" x=crate::pages::coord(i as f64 * w + w * 0.1) y=crate::pages::coord(80.0 - h)
                                    width=crate::pages::coord(w * 0.8) height=crate::pages::coord(h)></rect>
                                <title>{title}</title>
                            </g>
                        }
                    }).collect_view()
                }}
            </svg>
        </figure>
    }
}
