//! Security overview: for a range, the logins by country and IP with first-seen marks, changes at
//! unusual hours, and key and secret changes — each linking to the events behind it.

use audit_model::time::{format_api, format_display, format_offset};
use audit_model::{AuditEvent, EventQuery};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use ui_names::testid;

use crate::components::error::ErrorBanner;
use crate::date_range::Preset;
use crate::insight::{
    login_places, unusual_changes, Place, KEY_TYPES, LOOK_BACK_MS, SECURITY_TYPES,
};
use crate::routes::paths::list_href;
use crate::session::Session;
use crate::source::fetch_each;

/// A section of events as CSV (the export's columns), made when asked for.
fn events_csv(events: Vec<AuditEvent>) -> std::rc::Rc<dyn Fn() -> (String, u64)> {
    std::rc::Rc::new(move || (crate::export::csv_chunk(&events, true), events.len() as u64))
}

/// The overview's reads, in the order they are asked for, so what is smallest and matters most
/// is painted first: the range's key and secret changes, its other changes, its logins, and the
/// logins of the look-back before it.
const KEYS: usize = 0;
const CHANGES: usize = 1;
const LOGINS: usize = 2;
const EARLIER: usize = 3;
const PARTS: usize = 4;

/// What the reads of the security overview hold so far: each part once all its pages are in.
#[derive(Clone, Default)]
struct SecurityRead {
    parts: [Option<std::sync::Arc<Vec<AuditEvent>>>; PARTS],
    from: i64,
    to: i64,
    /// The range's query (every security type), for links and evidence.
    query: EventQuery,
}

impl SecurityRead {
    /// The parts `which`, once all of them are in.
    fn all(&self, which: &[usize]) -> Option<Vec<&[AuditEvent]>> {
        which
            .iter()
            .map(|i| self.parts[*i].as_deref().map(Vec::as_slice))
            .collect()
    }
}

/// The four queries of a range `from..=to` (API times): see [`KEYS`].
fn part_queries(from: i64, to: i64) -> [EventQuery; PARTS] {
    let of = |types: Vec<String>, from: i64, to: i64| EventQuery {
        event_types: types,
        date_from: Some(format_api(from)),
        date_to: Some(format_api(to)),
        ..Default::default()
    };
    let named = |list: &[&str]| list.iter().map(|t| t.to_string()).collect::<Vec<_>>();
    let changes: Vec<String> = SECURITY_TYPES
        .iter()
        .filter(|t| **t != "USER_LOGIN" && !KEY_TYPES.contains(t))
        .map(|t| t.to_string())
        .collect();
    [
        of(named(&KEY_TYPES), from, to),
        of(changes, from, to),
        of(named(&["USER_LOGIN"]), from, to),
        // The places the account already used are never "first seen".
        of(named(&["USER_LOGIN"]), from - LOOK_BACK_MS, from - 1000),
    ]
}

/// What a section waiting for its parts says: how much of them is read.
#[component]
fn Pending(
    section: &'static str,
    /// The parts the section needs (see [`KEYS`]).
    parts: &'static [usize],
    what: &'static str,
    /// Pages read and pages in all, per part.
    progress: RwSignal<[(u32, u32); PARTS]>,
    loading: Signal<bool>,
) -> impl IntoView {
    let text = move || {
        let (done, all) = progress.with(|p| {
            parts
                .iter()
                .fold((0, 0), |(d, a), i| (d + p[*i].0, a + p[*i].1))
        });
        if all == 0 || loading.get() && done == 0 {
            format!("Reading {what}…")
        } else {
            format!("Reading {what}… {done} of {all} pages")
        }
    };
    view! {
        <p class="muted" role="status" aria-busy="true" data-testid=testid::in_section(section, "pending")>{text}</p>
    }
}

/// A section's evidence: a CSV of all its rows and a manifest with the file's SHA-256, both made
/// when asked for (`csv` gives the text and its row count), not at every render.
#[component]
fn SectionExport(
    section: &'static str,
    query: EventQuery,
    csv: std::rc::Rc<dyn Fn() -> (String, u64)>,
) -> impl IntoView {
    let session = expect_context::<Session>();
    let q = query;
    let day = |d: &Option<String>| d.clone().unwrap_or_default().replace(':', "");
    let name = format!(
        "security-{section}_{}_to_{}.csv",
        day(&q.date_from),
        day(&q.date_to)
    );
    let mime = crate::export::Format::Csv.mime();
    let (csv_name, csv_text) = (name.clone(), csv.clone());
    let save_csv = move |_| crate::export::run::download_text(&csv_text().0, &csv_name, mime);
    let save_manifest = move |_| {
        let (text, rows) = csv();
        let manifest = crate::export::manifest(
            &q,
            crate::export::Format::Csv,
            &name,
            &crate::export::written(&text, rows),
            &crate::export::Origin::of(&session),
            crate::browser::now_ms(),
        );
        let file = crate::export::manifest_name(&name);
        crate::export::run::download_text(&manifest, &file, "application/json");
    };
    view! {
        <div class="actions small" data-testid=testid::in_section(section, "export")>
            <button type="button" data-testid=testid::in_section(section, "csv") on:click=save_csv>
                "Export CSV"
            </button>
            <button type="button" data-testid=testid::in_section(section, "manifest")
                title="The query, the account key, the time, the row count and the CSV's SHA-256"
                on:click=save_manifest>
                "Evidence manifest"
            </button>
        </div>
    }
}

/// A moment on the clock shown, with its offset.
fn at(prefs: crate::prefs::Prefs, t: i64) -> String {
    let off = prefs.offset_at(t);
    format!("{} ({})", format_display(t, off), format_offset(off))
}

/// Logins by place (country or address): the first 50, each linking to exactly its logins.
#[component]
fn PlaceTable(
    section: &'static str,
    /// The qualifier the links filter by: `country` or `ip`.
    field: &'static str,
    places: Vec<Place>,
    query: EventQuery,
) -> impl IntoView {
    const SHOWN: usize = 50;
    let prefs = expect_context::<crate::prefs::Prefs>();
    let section_id = section;
    let q = query;
    let all = places.clone();
    let csv: std::rc::Rc<dyn Fn() -> (String, u64)> =
        std::rc::Rc::new(move || (crate::export::places_csv(&all), all.len() as u64));
    let rows = places.into_iter().take(SHOWN).map(|p| {
        // Exactly the logins from there (`country:US`), not every event mentioning the text.
        let link = list_href(&EventQuery {
            event_types: vec!["USER_LOGIN".into()],
            filter: Some(audit_model::filter::qualifier(field, &p.name)),
            page: 1,
            ..q.clone()
        });
        let first = at(prefs, p.first);
        let name = p.name.clone();
        let is_new = p.first_seen;
        let new_for = p.new_for_users.join(", ");
        view! {
            <tr data-testid=testid::in_section(section_id, "row") data-name=p.name.clone() data-new=is_new.to_string()>
                <td><A href=crate::browser::app_href(&link)>{name}</A>
                    {is_new.then(|| view! { " " <span class="badge" title="No login in the 90 days before the range came from here">"first seen"</span> })}</td>
                <td class="num">{p.logins}</td>
                <td class="num">{p.users}</td>
                <td class="nowrap">{first}</td>
                <td class="small">{(!new_for.is_empty()).then(|| format!("new for {new_for}"))}</td>
            </tr>
        }
    }).collect_view();
    view! {
        <SectionExport section=section_id query=q.clone() csv/>
        <div class="scroll-x"><table class="events" data-testid=section_id>
            <thead><tr><th scope="col">"Where"</th><th scope="col">"Logins"</th><th scope="col">"Users"</th><th scope="col">"First login in range"</th><th scope="col">"Notes"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table></div>
    }
}

/// Against an archive whose watch alerts on what `section` finds (its rules tagged
/// `overview.<section>`), which rules: the team hears of it without this page open.
#[component]
fn WatchedBy(section: &'static str) -> impl IntoView {
    let session = expect_context::<Session>();
    move || {
        let about = session.archive.about()?;
        let titles = about.rules_covering(section);
        (!titles.is_empty()).then(|| {
            let text = format!("Alerted on by the archive's rules: {}.", titles.join("; "));
            view! { <p class="small muted" data-testid=testid::in_section(section, "rules")>{text}</p> }
        })
    }
}

/// A section's events, newest first: the first few, the rest one keypress away; each with links
/// to everything its user, or its address, did in the range.
#[component]
fn EventList(events: Vec<AuditEvent>, section: &'static str, query: EventQuery) -> impl IntoView {
    let prefs = expect_context::<crate::prefs::Prefs>();
    let section_id = section;
    let q = query;
    // Everything that user, or that address, did in the range: exact qualifiers.
    let every = move |field: &str, value: &str| {
        list_href(&EventQuery {
            filter: Some(audit_model::filter::qualifier(field, value)),
            page: 1,
            ..q.clone()
        })
    };
    if events.is_empty() {
        return view! { <p class="muted" data-testid=section_id>"None in this range."</p> }
            .into_any();
    }
    let item = move |e: AuditEvent| {
        let href = crate::routes::paths::event_path(&e.id);
        let who = e.user_email.clone().filter(|w| !w.is_empty()).map(|w| {
                    let (href, title) = (every("user", &w), format!("Everything {w} did in this range"));
                    view! { " · " <A href=crate::browser::app_href(&href) attr:data-testid=testid::in_section(section_id, "user") attr:title=title>{w}</A> }
                });
        let from = e.source_ip.clone().filter(|ip| !ip.is_empty()).map(|ip| {
                    let (href, title) = (every("ip", &ip), format!("Everything from {ip} in this range"));
                    view! { " · " <A href=crate::browser::app_href(&href) attr:data-testid=testid::in_section(section_id, "ip") attr:title=title>{ip}</A> }
                });
        let when = match e.timestamp() {
            Some(t) => at(prefs, t),
            None => e.created_at.clone(),
        };
        let ty = e.event_type.clone();
        view! {
            <li data-testid=testid::in_section(section_id, "item") data-type=e.event_type.clone()>
                <A href=crate::browser::app_href(&href)>{when}</A>
                " · " <span class="type-name">{ty}</span>
                {who} {from}
            </li>
        }
    };
    // The newest few, and the rest one keypress away, so the sections below stay in reach.
    const SHOWN: usize = 8;
    let mut events = events;
    let rest = events.split_off(events.len().min(SHOWN));
    let more = (!rest.is_empty()).then(|| {
        let label = format!(
            "Show all {}",
            crate::pages::thousands((SHOWN + rest.len()) as u64)
        );
        view! {
            <details class="more" data-testid=testid::in_section(section_id, "more")>
                <summary>{label}</summary>
                <ul class="findings">{rest.into_iter().map(&item).collect_view()}</ul>
            </details>
        }
    });
    view! {
        <div data-testid=section_id>
            <ul class="findings">{events.into_iter().map(&item).collect_view()}</ul>
            {more}
        </div>
    }
    .into_any()
}

/// The security overview page.
#[component]
pub fn SecurityPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let prefs = expect_context::<crate::prefs::Prefs>();
    crate::browser::set_title("Security overview");
    let query = use_query_map();
    let navigate = use_navigate();
    let preset = Memo::new(move |_| {
        query
            .with(|q| q.get("range"))
            .and_then(|k| Preset::from_key(&k))
            .unwrap_or(Preset::Quarter)
    });
    // What was read: the parts, the range and the query. Each section is painted as soon as the
    // parts it needs are in, and follows the clock shown (hours of the day are read in the zone
    // the user chose) without reading again.
    let read = RwSignal::new(None::<SecurityRead>);
    // Pages read and pages in all, per part.
    let progress = RwSignal::new([(0u32, 0u32); PARTS]);
    let key_changes = Memo::new(move |_| {
        read.with(|r| {
            r.as_ref()?
                .all(&[KEYS])
                .map(|p| crate::insight::key_changes(p[0]))
        })
    });
    let places = Memo::new(move |_| {
        read.with(|r| {
            let r = r.as_ref()?;
            let p = r.all(&[LOGINS, EARLIER])?;
            Some(login_places(p[0], p[1], r.from, r.to))
        })
    });
    let unusual = Memo::new(move |_| {
        read.with(|r| {
            let p = r.as_ref()?.all(&[KEYS, CHANGES, LOGINS])?;
            Some(unusual_changes(&p, |t| prefs.offset_at(t)))
        })
    });
    // The range read, for links and evidence; it changes only with the range.
    let range_query = Memo::new(move |_| read.with(|r| r.as_ref().map(|r| r.query.clone())));
    // Everything is in: the count, and the statement printed with the page.
    let whole = Memo::new(move |_| {
        read.with(|r| {
            let r = r.as_ref()?;
            let n = r
                .all(&[KEYS, CHANGES, LOGINS])?
                .iter()
                .map(|p| p.len())
                .sum::<usize>();
            r.all(&[EARLIER])?;
            Some((n, r.query.clone()))
        })
    });
    /// A copy checked for new events less than this long ago counts as current.
    const SYNC_AFTER_MS: i64 = 30_000;

    // A newer range always wins: switching while a read is pending aborts it, and nothing of it
    // is painted after (fetch_each hands nothing over once its signal has aborted).
    let loaded = crate::load::load_screen(
        move || {
            session.copy.version.track();
            Some((preset.get(), session.source()?))
        },
        move |(p, source): (Preset, crate::source::Source), signal| async move {
            let now = crate::browser::now_ms();
            let (from, to) = (now - p.millis(), now);
            let queries = part_queries(from, to);
            let (range_from, range_to) = p.range(now);
            read.set(Some(SecurityRead {
                from,
                to,
                query: EventQuery {
                    event_types: SECURITY_TYPES.iter().map(|t| t.to_string()).collect(),
                    date_from: Some(range_from),
                    date_to: Some(range_to),
                    ..Default::default()
                },
                ..Default::default()
            }));
            progress.set([(0, 0); PARTS]);
            // A copy that holds the whole look-back answers, brought up to now. Without one (a
            // new tab, a bookmark) the overview asks the API for what it shows — its event
            // types, and the look-back's logins — at once, all connections to itself, and the
            // copy the other views use is read after.
            let mut read_copy_after = None;
            if let crate::source::Source::Api(client, copy, _) = &source {
                let whole = EventQuery {
                    date_from: queries[EARLIER].date_from.clone(),
                    ..Default::default()
                };
                if copy.covers(client, &whole) {
                    copy.sync_if_older(client, &signal, SYNC_AFTER_MS).await?;
                } else {
                    read_copy_after = Some((*copy, client.clone(), whole));
                }
            }
            // Six pages in flight, the browser's connections to one HTTP/1.1 host.
            fetch_each(
                &source,
                &queries,
                6,
                &signal,
                |i, done, all| progress.update(|p| p[i] = (done, all)),
                |i, events| {
                    read.update(|r| {
                        if let Some(r) = r {
                            r.parts[i] = Some(std::sync::Arc::new(events));
                        }
                    });
                    crate::instrument::mark_once("audit:findings-first");
                },
            )
            .await?;
            if let Some((copy, client, whole)) = read_copy_after {
                // Once the findings are painted.
                crate::browser::after_next_paint(|| {}, move || copy.ensure(client, &whole));
            }
            Ok(())
        },
        None,
        |_| crate::instrument::mark_once("audit:findings"),
    );
    let (loading, error) = (loaded.loading, loaded.error);
    let loading = Signal::from(loading);
    view! {
        <section class="security">
            <div class="detail-head">
                <h1>"Security overview"</h1>
                <label for="security-range" class="inline">"Range"
                    <select id="security-range" data-testid=testid::SECURITY_RANGE prop:value=move || preset.get().key()
                        on:change=move |ev| navigate(&crate::routes::paths::security_path(&event_target_value(&ev)), Default::default())>
                        {[Preset::Day, Preset::Week, Preset::Month, Preset::Quarter].into_iter()
                            .map(|p| view! { <option value=p.key()>{p.label()}</option> }).collect_view()}
                    </select>
                </label>
            </div>
            <crate::components::print::PrintStatement
                what=Signal::derive(move || whole.with(|w| w.as_ref().map(|(_, q)| crate::export::Printed::Query(q.clone()))))/>
            <p class="muted">"Logins, API key and secret changes, IP whitelist, account setting and user changes in the range. A place is marked first seen when no login in the 90 days before the range came from it (for an account without such history: when first used after the range's first quarter, at most its first 7 days)."</p>
            <ErrorBanner error=error on_retry=loaded.on_retry()/>
            {move || if loading.get() {
                view! { <p class="muted" role="status" data-testid=testid::SECURITY_LOADING>"Reading the security events…"</p> }.into_any()
            } else {
                whole.get().map(|(n, _)| view! {
                    <p role="status" data-testid=testid::SECURITY_SUMMARY>{format!("{} security events read.", crate::pages::thousands(n as u64))}</p>
                }).into_any()
            }}
            // Each section in its place from the start, painted when the parts it needs are in:
            // the key and secret changes first (few, and what matters most), so nothing painted
            // moves when the longer reads below finish.
            {move || range_query.get().map(|q| {
                let (q1, q2, q3) = (q.clone(), q.clone(), q.clone());
                view! {
                    <section class="card">
                        <h2>"API key and secret changes, newest first"</h2>
                        <WatchedBy section=testid::KEY_CHANGES/>
                        {move || match key_changes.get() {
                            Some(list) => view! {
                                <SectionExport section=testid::KEY_CHANGES query=q1.clone() csv=events_csv(list.clone())/>
                                <EventList events=list section=testid::KEY_CHANGES query=q1.clone()/>
                            }.into_any(),
                            None => view! { <Pending section=testid::KEY_CHANGES parts=&[KEYS] what="the key and secret changes" progress loading/> }.into_any(),
                        }}
                    </section>
                    <section class="card">
                        <h2>"Logins by country"</h2>
                        <WatchedBy section=testid::COUNTRIES/>
                        {move || match places.get() {
                            Some((countries, _)) => view! { <PlaceTable section=testid::COUNTRIES field="country" places=countries query=q2.clone()/> }.into_any(),
                            None => view! { <Pending section=testid::COUNTRIES parts=&[LOGINS, EARLIER] what="the logins" progress loading/> }.into_any(),
                        }}
                    </section>
                    <section class="card">
                        <h2>"Logins by source IP"</h2>
                        <WatchedBy section=testid::IPS/>
                        {move || match places.get() {
                            Some((_, ips)) => view! { <PlaceTable section=testid::IPS field="ip" places=ips query=q3.clone()/> }.into_any(),
                            None => view! { <Pending section=testid::IPS parts=&[LOGINS, EARLIER] what="the logins" progress loading/> }.into_any(),
                        }}
                    </section>
                    <section class="card">
                        <h2>"Changes at unusual hours"</h2>
                        <WatchedBy section=testid::UNUSUAL/>
                        {move || match unusual.get() {
                            Some((hours, list)) => {
                                let hours = hours.iter().map(|h| format!("{h:02}")).collect::<Vec<_>>().join(", ");
                                view! {
                                    <SectionExport section=testid::UNUSUAL query=q.clone() csv=events_csv(list.clone())/>
                                    <p class="muted small" data-testid=testid::UNUSUAL_HOURS>{if hours.is_empty() { "Not enough activity to tell which hours are unusual.".to_string() } else { format!("Hours ({}) with under 2% of the account's activity: {hours}", prefs.zone_label()) }}</p>
                                    <EventList events=list section=testid::UNUSUAL query=q.clone()/>
                                }.into_any()
                            }
                            None => view! { <Pending section=testid::UNUSUAL parts=&[KEYS, CHANGES, LOGINS] what="the changes and logins" progress loading/> }.into_any(),
                        }}
                    </section>
                }
            })}
        </section>
    }
}
