//! The events table: one row per event, every value rendered as text.

use std::collections::HashMap;

use audit_model::time::format_display;
use audit_model::AuditEvent;
use leptos::prelude::*;

use crate::session::Session;

/// The columns: key (for preferences and CSS) and heading.
pub const COLUMNS: [(&str, &str); 7] = [
    ("time", "Time"),
    ("type", "Event type"),
    ("user", "User"),
    ("source", "Source"),
    ("ip", "IP"),
    ("country", "Country"),
    ("details", "Details"),
];

/// The text a column sorts by.
fn sort_key(e: &AuditEvent, key: &str) -> String {
    let s = |v: &Option<String>| v.clone().unwrap_or_default().to_lowercase();
    match key {
        "time" => e.created_at.clone(),
        "type" => e.event_type.clone(),
        "user" => s(&e.user_email),
        "source" => s(&e.source),
        // Numeric parts padded so 192.0.2.9 sorts before 192.0.2.10.
        "ip" => s(&e.source_ip)
            .split(['.', ':'])
            .map(|p| format!("{p:>5}"))
            .collect::<Vec<_>>()
            .join("."),
        "country" => s(&e.source_country),
        _ => e.context_summary(200).to_lowercase(),
    }
}

/// The paged events table.
#[component]
pub fn EventsTable(
    /// Rows to show.
    #[prop(into)]
    rows: Signal<Vec<AuditEvent>>,
    /// Event-type descriptions from the event-types call.
    #[prop(into)]
    descriptions: Signal<HashMap<String, String>>,
    /// Dims the rows while a newer page loads.
    #[prop(into)]
    stale: Signal<bool>,
    /// Opens an event by id.
    on_open: Callback<String>,
    /// Ids of rows to highlight as new (live tail).
    #[prop(into, optional)]
    highlight: Signal<std::collections::HashSet<String>>,
) -> impl IntoView {
    let session = expect_context::<Session>();
    // Sorting applies to the rows of this page only: (column, ascending).
    let sort = RwSignal::new(None::<(&'static str, bool)>);
    let sorted = move || {
        let mut list = rows.get();
        if let Some((key, asc)) = sort.get() {
            list.sort_by_cached_key(|e| sort_key(e, key));
            if !asc {
                list.reverse();
            }
        }
        list
    };
    let table_class = move || {
        let mut c = String::from("events");
        if session.compact.get() {
            c.push_str(" compact");
        }
        for h in session.hidden_columns.get() {
            c.push_str(" hide-");
            c.push_str(&h);
        }
        c
    };
    let header = COLUMNS
        .iter()
        .map(|(key, label)| {
            let key = *key;
            let aria = move || match sort.get() {
                Some((k, true)) if k == key => "ascending",
                Some((k, false)) if k == key => "descending",
                _ => "none",
            };
            view! {
                <th scope="col" class=format!("col-{key}") aria-sort=aria>
                    <button type="button" class="sort" data-testid=format!("sort-{key}")
                        title="Sort this page by this column"
                        on:click=move |_| sort.update(|s| *s = match *s {
                            Some((k, true)) if k == key => Some((key, false)),
                            _ => Some((key, true)),
                        })>
                        {*label}
                        {move || match sort.get() { Some((k, true)) if k == key => " ▲", Some((k, false)) if k == key => " ▼", _ => "" }}
                    </button>
                </th>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap" class:stale=move || stale.get() aria-busy=move || stale.get().to_string()>
            <table class=table_class data-testid="events-table">
                <caption class="sr-only">"Audit events, newest first. Press Enter on a row to open it."</caption>
                <thead>
                    <tr>{header}</tr>
                </thead>
                <tbody>
                    // Rows are plain text once built; a zone switch or the descriptions arriving
                    // rebuilds them, which keeps a page switch to building 100 static rows.
                    {move || {
                    let utc = session.utc.get();
                    let descriptions = descriptions.get();
                    view! {
                    <For each=sorted key=|e| e.id.clone() let:ev>
                        {
                            let id = ev.id.clone();
                            let open_id = id.clone();
                            let key_id = id.clone();
                            let ts = ev.timestamp();
                            let raw_time = ev.created_at.clone();
                            let time = match ts {
                                Some(t) => format_display(t, if utc { 0 } else { crate::util::local_offset_minutes(t) }),
                                None => raw_time,
                            };
                            let ty = ev.event_type.clone();
                            let ty_title = {
                                let ty = ty.clone();
                                descriptions
                                    .get(&ty)
                                    .cloned()
                                    .or_else(|| ev.event_type_description.clone())
                                    .or_else(|| audit_model::catalog::describe(&ty).map(str::to_string))
                                    .unwrap_or_else(|| "Event type not in the API's list".to_string())
                            };
                            let user_id = ev.user_id.as_ref().map(ToString::to_string).unwrap_or_default();
                            let source = ev.source_description.clone().or(ev.source.clone()).unwrap_or_default();
                            let source_code = ev.source.clone().unwrap_or_default();
                            let summary = ev.context_summary(140);
                            view! {
                                <tr tabindex="0" data-testid="event-row" data-id=id.clone()
                                    class:new={ let id = id.clone(); move || highlight.with(|h| h.contains(&id)) }
                                    on:click=move |_| on_open.run(open_id.clone())
                                    on:keydown=move |e| if e.key() == "Enter" { on_open.run(key_id.clone()) }>
                                    <td class="nowrap" data-testid="cell-time" data-col="time">{time}</td>
                                    <td data-testid="cell-type" data-col="type" title=ty_title><span class="type-name">{ty}</span></td>
                                    <td data-testid="cell-user" data-col="user">
                                        <div>{ev.user_email.clone().unwrap_or_default()}</div>
                                        <div class="muted small">{user_id}</div>
                                    </td>
                                    <td data-testid="cell-source" data-col="source" title=source_code>{source}</td>
                                    <td class="nowrap" data-testid="cell-ip" data-col="ip">{ev.source_ip.clone().unwrap_or_default()}</td>
                                    <td data-testid="cell-country" data-col="country">{ev.source_country.clone().unwrap_or_default()}</td>
                                    <td class="summary" data-testid="cell-summary" data-col="details">{summary}</td>
                                </tr>
                            }
                        }
                    </For>
                    }
                    }}
                </tbody>
            </table>
        </div>
    }
}

/// The column chooser and the density switch, both remembered.
#[component]
pub fn TablePrefs() -> impl IntoView {
    let session = expect_context::<Session>();
    view! {
        <div class="prefs">
            <details class="dropdown" data-testid="columns">
                <summary>"Columns"</summary>
                <div class="dropdown-panel">
                    {COLUMNS.iter().map(|(key, label)| {
                        let key = *key;
                        view! {
                            <label class="check">
                                <input type="checkbox" data-testid=format!("column-{key}")
                                    prop:checked=move || !session.hidden_columns.with(|h| h.iter().any(|c| c == key))
                                    on:change=move |ev| session.set_column(key, event_target_checked(&ev))/>
                                {*label}
                            </label>
                        }
                    }).collect_view()}
                </div>
            </details>
            <label class="check">
                <input type="checkbox" data-testid="compact" prop:checked=move || session.compact.get()
                    on:change=move |ev| session.set_compact(event_target_checked(&ev))/>
                "Compact rows"
            </label>
            <button type="button" class="link" data-testid="show-shortcuts"
                on:click=move |_| crate::components::table::toggle_shortcuts()>"Keyboard shortcuts (?)"</button>
        </div>
    }
}

thread_local! {
    static SHORTCUTS: std::cell::Cell<Option<RwSignal<bool>>> = const { std::cell::Cell::new(None) };
}

/// Opens or closes the shortcuts help (the list page owns its signal).
pub fn toggle_shortcuts() {
    if let Some(s) = SHORTCUTS.with(std::cell::Cell::get) {
        s.update(|v| *v = !*v);
    }
}

/// The shortcuts help and the keys themselves (the WAI-ARIA grid pattern, roughly): arrows or
/// j/k move between rows, Enter opens, `/` focuses search, `?` shows this, Esc closes it.
#[component]
pub fn Shortcuts() -> impl IntoView {
    let open = RwSignal::new(false);
    SHORTCUTS.with(|s| s.set(Some(open)));
    let keys = window_event_listener(leptos::ev::keydown, move |e| {
        let typing = e
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
            .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"));
        let key = e.key();
        if key == "Escape" {
            open.set(false);
            return;
        }
        if typing || e.ctrl_key() || e.meta_key() || e.alt_key() {
            return;
        }
        match key.as_str() {
            "j" | "ArrowDown" | "k" | "ArrowUp" => {
                let down = key == "j" || key == "ArrowDown";
                if move_row(down) {
                    e.prevent_default();
                }
            }
            "/" => {
                e.prevent_default();
                crate::util::focus("search-text");
            }
            "?" => open.update(|v| *v = !*v),
            _ => {}
        }
    });
    on_cleanup(move || {
        keys.remove();
        SHORTCUTS.with(|s| s.set(None));
    });
    view! {
        <Show when=move || open.get()>
            <div class="card shortcuts" role="dialog" aria-label="Keyboard shortcuts" data-testid="shortcuts">
                <h2>"Keyboard shortcuts"</h2>
                <ul>
                    <li><kbd>"↓"</kbd>" or "<kbd>"j"</kbd>" next row, "<kbd>"↑"</kbd>" or "<kbd>"k"</kbd>" previous row"</li>
                    <li><kbd>"Enter"</kbd>" open the row; "<kbd>"Esc"</kbd>" close the event or this help"</li>
                    <li><kbd>"/"</kbd>" search; "<kbd>"?"</kbd>" this help"</li>
                </ul>
                <button type="button" on:click=move |_| open.set(false)>"Close"</button>
            </div>
        </Show>
    }
}

/// Focuses the next or previous row (the first one when none has focus). Returns whether a row
/// was focused.
fn move_row(down: bool) -> bool {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return false;
    };
    let Ok(rows) = doc.query_selector_all("[data-testid=\"event-row\"]") else {
        return false;
    };
    let n = rows.length();
    if n == 0 {
        return false;
    }
    let active = doc.active_element();
    let current = (0..n).find(|i| {
        rows.get(*i)
            .is_some_and(|r| active.as_ref().is_some_and(|a| a.is_same_node(Some(&r))))
    });
    let next = match current {
        None => 0,
        Some(i) if down => (i + 1).min(n - 1),
        Some(i) => i.saturating_sub(1),
    };
    rows.get(next)
        .and_then(|r| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(r).ok())
        .is_some_and(|el| el.focus().is_ok())
}
