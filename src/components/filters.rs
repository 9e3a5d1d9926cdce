//! Filter controls: event types, date range with presets and zone switch, search text.
//! Nothing is sent until Apply, and invalid input is reported inline.

use audit_model::query::{escape_search_text, unescape_search_text};
use audit_model::{EventQuery, EventType};
use leptos::prelude::*;
use ui_names::testid;

use crate::browser::now_ms;
use crate::date_range::{from_input, is_date_only, to_input, Preset};
use crate::prefs::Zone;
use crate::session::Session;
use audit_model::time::RangeEnd;
use leptos_router::components::A;

/// Longest the type list waits for its counts before drawing in the API's order.
const ORDER_WAIT_MS: u32 = 600;

/// The filter form. It mirrors `query` (the URL) and calls `on_apply` with a validated query.
#[component]
pub fn Filters(
    /// The query in the URL.
    #[prop(into)]
    query: Signal<EventQuery>,
    /// Event types from the API (`None` while loading).
    #[prop(into)]
    types: Signal<Option<Result<Vec<EventType>, crate::api::ApiError>>>,
    /// Receives the new query (page 1) when the form is applied.
    on_apply: Callback<EventQuery>,
) -> impl IntoView {
    let prefs = expect_context::<crate::prefs::Prefs>();
    let selected = RwSignal::new(Vec::<String>::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    // The preset the dates came from; None is "Custom".
    let preset = RwSignal::new(None::<Preset>);
    let error = RwSignal::new(None::<String>);
    let types_open = RwSignal::new(false);
    let offset = move |ts: i64| prefs.offset_at(ts);

    // The form follows the URL: a reload, back/forward or a shared link restores it.
    Effect::new(move |_| {
        let q = query.get();
        let zone = prefs.zone.get();
        let off = move |ts: i64| zone.offset_at(ts);
        selected.set(q.event_types.clone());
        from.set(
            q.date_from
                .as_deref()
                .map(|d| to_input(d, &off))
                .unwrap_or_default(),
        );
        to.set(
            q.date_to
                .as_deref()
                .map(|d| to_input(d, &off))
                .unwrap_or_default(),
        );
        // The box holds the exact qualifiers and the text search together, as typed.
        let text = q.search_text.as_deref().map(unescape_search_text);
        search.set(
            [q.filter.clone(), text]
                .into_iter()
                .flatten()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" "),
        );
        // A range as long as a preset is named by it, after a reload or from a shared link too.
        let named = Preset::matching(q.date_from.as_deref(), q.date_to.as_deref());
        preset.set(named);
        error.set(None);
    });

    let build = move || -> Result<EventQuery, String> {
        let date_from = from_input(&from.get_untracked(), RangeEnd::Start, offset)
            .map_err(|e| format!("From: {e}"))?;
        let date_to = from_input(&to.get_untracked(), RangeEnd::End, offset)
            .map_err(|e| format!("To: {e}"))?;
        // Qualifiers (`country:US`) are the app's exact filters; the rest is the API's text
        // search, as typed.
        let raw = search.get_untracked();
        let (filter, text) = split_search(&raw).map_err(|e| e.0)?;
        let q = EventQuery {
            event_types: selected.get_untracked(),
            date_from,
            date_to,
            search_text: text.map(|t| escape_search_text(&t)),
            filter,
            page: 1,
            size: query.get_untracked().size,
        };
        q.validate().map_err(|e| e.to_string())?;
        Ok(q)
    };

    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        types_open.set(false);
        match build() {
            Ok(q) => {
                error.set(None);
                on_apply.run(q);
            }
            Err(e) => error.set(Some(e)),
        }
    };
    let reset = move |_| {
        error.set(None);
        on_apply.run(EventQuery {
            size: query.get_untracked().size,
            ..Default::default()
        });
    };
    view! {
        <form class="filters card" on:submit=apply data-testid=testid::FILTERS aria-label="Filters">
            <TypePicker query types selected open=types_open/>
            <RangeFields from to preset/>
            <SearchField query types search/>
            <div class="actions">
                <button type="submit" class="primary" data-testid=testid::APPLY>"Apply"</button>
                <button type="button" data-testid=testid::RESET on:click=reset>"Reset"</button>
            </div>
            <Show when=move || error.get().is_some()>
                <p class="error" role="alert" data-testid=testid::FILTER_ERROR>{move || error.get()}</p>
            </Show>
        </form>
    }
}

/// The event-type dropdown: the API's types (and any in the URL it does not list), searchable,
/// each with its count for the range and search in the URL, busiest first.
#[component]
fn TypePicker(
    query: Signal<EventQuery>,
    types: Signal<Option<Result<Vec<EventType>, crate::api::ApiError>>>,
    /// The types ticked (the form's, sent on Apply).
    selected: RwSignal<Vec<String>>,
    /// Whether the list is open (Apply closes it).
    open: RwSignal<bool>,
) -> impl IntoView {
    let session = expect_context::<Session>();
    let types_open = open;
    let type_search = RwSignal::new(String::new());
    // Each type's count for the range and search in the URL, fetched when the list opens.
    let type_counts = RwSignal::new(std::collections::HashMap::<String, u64>::new());
    // The options never move under the pointer: when the list opens it waits for the counts (at
    // most ORDER_WAIT_MS), is drawn busiest first by the counts it has then, and keeps that order
    // while it stays open; counts arriving later only fill in the numbers.
    let order_counts = RwSignal::new(std::collections::HashMap::<String, u64>::new());
    let options_ready = RwSignal::new(false);
    let opened = StoredValue::new(0u32);
    Effect::new(move |_| {
        if !types_open.get() {
            options_ready.set(false);
            return;
        }
        let this_open = opened.get_value() + 1;
        opened.set_value(this_open);
        crate::load::spawn_for_view(|_| async move {
            crate::browser::sleep_ms(ORDER_WAIT_MS).await;
            if opened.try_get_value() == Some(this_open)
                && options_ready.try_get_untracked() == Some(false)
            {
                // No counts yet: the API's order, counts filling in as they come.
                order_counts.set(std::collections::HashMap::new());
                options_ready.set(true);
            }
        });
    });
    // Shared with the counting runs; never a reactive value, so a run left behind touches nothing
    // that is gone.
    let count_cache: std::rc::Rc<std::cell::RefCell<std::collections::HashMap<String, u64>>> =
        std::rc::Rc::default();
    crate::load::load(
        move || {
            if !types_open.get() {
                return None;
            }
            let Some(Ok(list)) = types.get() else {
                return None;
            };
            session.copy.version.track();
            let source = session.source()?;
            let base = EventQuery {
                event_types: Vec::new(),
                ..query.get()
            };
            let names: Vec<String> = list
                .iter()
                .map(|t| t.name.clone())
                .filter(|n| {
                    audit_model::EventQuery {
                        event_types: vec![n.clone()],
                        ..Default::default()
                    }
                    .validate()
                    .is_ok()
                })
                .collect();
            Some((source, base, names))
        },
        move |(source, base, names): (crate::source::Source, EventQuery, Vec<String>), signal| {
            let cache = count_cache.clone();
            async move {
                let queries: Vec<EventQuery> = names
                    .iter()
                    .map(|n| EventQuery {
                        event_types: vec![n.clone()],
                        ..base.clone()
                    })
                    .collect();
                let counts =
                    crate::source::count_many(&source, &queries, 6, &cache, &signal).await?;
                Ok(names.into_iter().zip(counts).collect())
            }
        },
        || {},
        move |result: Result<std::collections::HashMap<String, u64>, crate::api::ApiError>| {
            // The counts are a hint beside each type: an error leaves them out.
            if let Ok(counts) = result {
                if !options_ready.get_untracked() {
                    order_counts.set(counts.clone());
                    options_ready.set(true);
                }
                type_counts.set(counts);
            }
        },
    );
    let toggle_type = move |name: String, on: bool| {
        selected.update(|s| {
            s.retain(|t| *t != name);
            if on {
                s.push(name);
                audit_model::sorting::sort(s);
            }
        });
    };

    view! {
            <fieldset class="types">
                <legend>"Event types"</legend>
                <details class="dropdown" data-testid=testid::TYPE_FILTER prop:open=move || types_open.get()
                    on:toggle=move |ev| types_open.set(event_target::<web_sys::HtmlDetailsElement>(&ev).open())
                    on:keydown=move |ev| if ev.key() == "Escape" { types_open.set(false); }>
                    <summary data-testid=testid::TYPE_SUMMARY>
                        {move || match selected.with(Vec::len) {
                            0 => "All event types".to_string(),
                            1 => selected.with(|s| s[0].clone()),
                            n => format!("{n} event types"),
                        }}
                    </summary>
                    <div class="dropdown-panel">
                        <label for="type-search" class="sr-only">"Search event types"</label>
                        <input id="type-search" data-testid=testid::TYPE_SEARCH type="search" placeholder="Type to search…"
                            prop:value=move || type_search.get() on:input=move |ev| type_search.set(event_target_value(&ev))/>
                        <ul class="options" data-testid=testid::TYPE_OPTIONS>
                            {move || match types.get() {
                                None => view! { <li class="muted">"Loading event types…"</li> }.into_any(),
                                Some(Ok(_)) if !options_ready.get() => view! { <li class="muted">"Counting…"</li> }.into_any(),
                                Some(Err(e)) => view! { <li class="error">{format!("Event types could not be loaded: {e}")}</li> }.into_any(),
                                Some(Ok(list)) => {
                                    let needle = type_search.get().to_lowercase();
                                    // Types selected in the URL but unknown to the API still show.
                                    let mut all: Vec<(String, String)> = list
                                        .iter()
                                        .map(|t| (t.name.clone(), t.description.clone().unwrap_or_default()))
                                        .collect();
                                    for s in selected.get_untracked() {
                                        if !all.iter().any(|(n, _)| *n == s) {
                                            all.push((s.clone(), audit_model::catalog::describe(&s).unwrap_or("").to_string()));
                                        }
                                    }
                                    // With counts for the current range and search: busiest first, in the
                                    // order fixed when the list was drawn.
                                    let order = order_counts.get();
                                    if !order.is_empty() {
                                        audit_model::sorting::sort_by_key(&mut all, |(n, _)| std::cmp::Reverse(order.get(n).copied().unwrap_or(0)));
                                    }
                                    let counts = type_counts.get();
                                    all.into_iter()
                                        .filter(|(n, d)| needle.is_empty() || n.to_lowercase().contains(&needle) || d.to_lowercase().contains(&needle))
                                        .map(|(name, desc)| {
                                            let count = counts.get(&name).copied();
                                            let count_id = testid::type_count(&name);
                                            let id = format!("type-{name}");
                                            let checked_name = name.clone();
                                            let toggled_name = name.clone();
                                            view! {
                                                <li class:zero={ count == Some(0) }>
                                                    <label class="check" for=id.clone()>
                                                        <input type="checkbox" id=id.clone() data-testid=testid::type_option(&name)
                                                            prop:checked=move || selected.with(|s| s.contains(&checked_name))
                                                            on:change=move |ev| toggle_type(toggled_name.clone(), event_target_checked(&ev))/>
                                                        <span class="type-name">{name}</span>
                                                        <span class="muted small">{desc}</span>
                                                        {count.map(|n| view! { <span class="count" data-testid=count_id>{crate::pages::thousands(n)}</span> })}
                                                    </label>
                                                </li>
                                            }
                                        })
                                        .collect_view()
                                        .into_any()
                                }
                            }}
                        </ul>
                        <button type="button" class="link" data-testid=testid::TYPES_CLEAR on:click=move |_| selected.set(Vec::new())>"Clear selection"</button>
                    </div>
                </details>
            </fieldset>
    }
}

/// The time range: a preset, or From and To typed in the chosen zone, and the zone switch.
#[component]
fn RangeFields(
    from: RwSignal<String>,
    to: RwSignal<String>,
    /// The preset the dates came from; None is "Custom".
    preset: RwSignal<Option<Preset>>,
) -> impl IntoView {
    let prefs = expect_context::<crate::prefs::Prefs>();
    let offset = move |ts: i64| prefs.offset_at(ts);
    let choose_preset = move |ev: leptos::ev::Event| {
        let chosen = Preset::from_key(&event_target_value(&ev));
        preset.set(chosen);
        if let Some(p) = chosen {
            let (f, t) = p.range(now_ms());
            from.set(to_input(&f, offset));
            to.set(to_input(&t, offset));
        }
    };
    let switch_zone = move |zone: Zone| {
        // Keep what is typed: convert the inputs from the old zone to the new one.
        let f = from_input(&from.get_untracked(), RangeEnd::Start, offset);
        let t = from_input(&to.get_untracked(), RangeEnd::End, offset);
        prefs.set_zone(zone);
        if let Ok(f) = f {
            from.set(f.map(|d| to_input(&d, offset)).unwrap_or_default());
        }
        if let Ok(t) = t {
            to.set(t.map(|d| to_input(&d, offset)).unwrap_or_default());
        }
    };
    // A date alone covers its whole day; say so while it is typed.
    let date_hint = move || {
        let (f, t) = (from.get(), to.get());
        match (is_date_only(&f), is_date_only(&t)) {
            (true, true) => format!("From {} 00:00:00 through {} 23:59:59.", f.trim(), t.trim()),
            (true, false) => format!("From {} 00:00:00.", f.trim()),
            (false, true) => format!("Through {} 23:59:59.", t.trim()),
            (false, false) => String::new(),
        }
    };
    let zone_label = move || prefs.zone_label();

    view! {
            <fieldset class="dates">
                <legend>"Time range (" <span data-testid=testid::ZONE_LABEL>{zone_label}</span> ")"</legend>
                <label for="preset">"Preset"</label>
                <select id="preset" data-testid=testid::PRESET on:change=choose_preset prop:value=move || preset.get().map_or("", Preset::key)>
                    <option value="">"Custom"</option>
                    {Preset::ALL.into_iter().map(|p| view! { <option value=p.key()>{p.label()}</option> }).collect_view()}
                </select>
                <label for="date-from">"From"</label>
                <input id="date-from" data-testid=testid::DATE_FROM placeholder="YYYY-MM-DD HH:MM:SS" spellcheck="false"
                    prop:value=move || from.get() on:input=move |ev| { from.set(event_target_value(&ev)); preset.set(None); }/>
                <label for="date-to">"To"</label>
                <input id="date-to" data-testid=testid::DATE_TO placeholder="YYYY-MM-DD HH:MM:SS" spellcheck="false"
                    prop:value=move || to.get() on:input=move |ev| { to.set(event_target_value(&ev)); preset.set(None); }/>
                // Only while a date alone is typed, so the form does not grow otherwise.
                <Show when=move || !date_hint().is_empty()>
                    <p class="muted small date-hint" data-testid=testid::DATE_HINT role="status">{date_hint}</p>
                </Show>
                <div class="zone" role="radiogroup" aria-label="Time zone">
                    <label class="check"><input type="radio" name="zone" data-testid=testid::ZONE_UTC prop:checked=move || prefs.zone.with(|z| *z == Zone::Utc) on:change=move |_| switch_zone(Zone::Utc)/>"UTC"</label>
                    <label class="check"><input type="radio" name="zone" data-testid=testid::ZONE_LOCAL prop:checked=move || prefs.zone.with(|z| *z == Zone::Local) on:change=move |_| switch_zone(Zone::Local)/>"Local"</label>
                    // Any other IANA zone is chosen in Settings; once chosen, it is offered here too.
                    {move || prefs.zone.with(|z| match z {
                        Zone::Named(name) => {
                            let zone = Zone::Named(name.clone());
                            view! {
                                <label class="check"><input type="radio" name="zone" data-testid=testid::ZONE_NAMED prop:checked=true
                                    on:change=move |_| switch_zone(zone.clone())/>{name.to_string()}</label>
                            }.into_any()
                        }
                        _ => view! { <A href=crate::browser::app_href(crate::routes::paths::SETTINGS) attr:class="small">"Other zone…"</A> }.into_any(),
                    })}
                </div>
            </fieldset>
    }
}

/// The search box, with completions from the values the range's events carry.
#[component]
fn SearchField(
    query: Signal<EventQuery>,
    types: Signal<Option<Result<Vec<EventType>, crate::api::ApiError>>>,
    search: RwSignal<String>,
) -> impl IntoView {
    let session = expect_context::<Session>();
    // Completions for the search box, from the values the range's held events carry (and the
    // API's types): counted when the box first gets focus, again when the range or copy changes.
    let wants_completions = RwSignal::new(false);
    let seen_values = RwSignal::new(Vec::<audit_model::facets::Facet>::new());
    let copy_state = Memo::new(move |_| session.copy.status.with(std::mem::discriminant));
    crate::load::load(
        move || {
            if !wants_completions.get() {
                return None;
            }
            session.copy.version.track();
            copy_state.track();
            let range = query.with(|q| EventQuery {
                date_from: q.date_from.clone(),
                date_to: q.date_to.clone(),
                ..Default::default()
            });
            Some((range, session.source()?))
        },
        |(q, source): (EventQuery, crate::source::Source), signal| async move {
            Ok(source
                .facets(&q, SUGGESTED_VALUES, Some(&signal))
                .await
                .and_then(Result::ok)
                .unwrap_or_default())
        },
        || {},
        move |r: Result<Vec<audit_model::facets::Facet>, crate::api::ApiError>| {
            seen_values.set(r.unwrap_or_default());
        },
    );
    let vocabulary = Memo::new(move |_| {
        let names: Vec<String> = types.with(|t| {
            t.as_ref()
                .and_then(|r| r.as_ref().ok())
                .map(|list| list.iter().map(|t| t.name.clone()).collect())
                .unwrap_or_default()
        });
        seen_values.with(|f| audit_model::suggest::Vocabulary::new(f, &names))
    });
    let completions = Memo::new(move |_| {
        let typed = search.get();
        vocabulary.with(|v| audit_model::suggest::suggest(&typed, v, SUGGESTIONS))
    });
    view! {
            <fieldset class="search">
                <legend>"Search"</legend>
                <label for="search-text" class="sr-only">"Search text"</label>
                <input id="search-text" data-testid=testid::SEARCH_TEXT type="search" placeholder="Text, or country:US ip:… user:… type:…"
                    aria-describedby="search-help" list="search-completions" autocomplete="off"
                    on:focus=move |_| wants_completions.set(true)
                    prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev))/>
                // Each option is the whole box as it would read, so the browser's own list offers
                // them (arrow keys, Enter) with no script of ours in between.
                <datalist id="search-completions" data-testid=testid::SEARCH_COMPLETIONS>
                    {move || completions.get().into_iter().map(|c| view! { <option value=c/> }).collect_view()}
                </datalist>
                <p id="search-help" class="muted small">
                    "Plain words search the whole event. Exact: "
                    <code>"type:"</code>", "<code>"user:"</code>", "<code>"ip:"</code>" (or a range such as 198.51.100.0/24), "
                    <code>"country:"</code>", "<code>"source:"</code>", "<code>"context.<path>:"</code>
                    "; commas for either, "<code>"-"</code>" to exclude."
                </p>
            </fieldset>
    }
}

/// Values per qualifier that completions draw on.
const SUGGESTED_VALUES: usize = 25;
/// Completions offered at once.
const SUGGESTIONS: usize = 12;

/// Splits the search box: its qualifiers in canonical form (the app's exact filters) and its
/// plain text (the API's `search_text`), as typed. A qualifier that does not parse is the
/// message to show beside the box.
pub fn split_search(
    raw: &str,
) -> Result<(Option<String>, Option<String>), crate::field::FieldError> {
    let parsed =
        audit_model::filter::Filter::parse(raw).map_err(|e| crate::field::FieldError(e.0))?;
    let qualifiers = audit_model::filter::Filter {
        clauses: parsed.clauses.clone(),
        text: Vec::new(),
    };
    let filter = (!qualifiers.is_empty()).then(|| qualifiers.to_string());
    // Without qualifiers, the text goes to the API exactly as typed (spaces and all).
    let text = if filter.is_none() {
        Some(raw.trim().to_string()).filter(|t| !t.is_empty())
    } else {
        parsed.search_text()
    };
    Ok((filter, text))
}

#[cfg(test)]
mod tests {
    use super::split_search;

    #[test]
    fn the_box_splits_into_qualifiers_and_text() {
        assert_eq!(split_search("  ").expect("ok"), (None, None));
        assert_eq!(
            split_search("  two  words ").expect("ok"),
            (None, Some("two  words".into()))
        );
        assert_eq!(
            split_search("country:us bob -ip:198.51.100.0/24").expect("ok"),
            (
                Some("country:us -ip:198.51.100.0/24".into()),
                Some("bob".into())
            )
        );
        assert!(split_search("colour:red")
            .expect_err("unknown")
            .0
            .contains("type:, user:, ip:"));
    }
}
