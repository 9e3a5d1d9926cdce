//! The events table: one row per event, every value rendered as text.

use std::collections::{HashMap, HashSet};

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
        // By the instant, so times with offsets (`+02:00`) fall where they belong; a time that does
        // not parse sorts after every one that does.
        "time" => match e.timestamp() {
            Some(ms) => format!("{:020}", i128::from(ms) - i128::from(i64::MIN)),
            None => format!("~{}", e.created_at),
        },
        "type" => e.event_type.clone(),
        "user" => s(&e.user_email),
        "source" => s(&e.source),
        // By value: 192.0.2.9 before 192.0.2.10, 2001:db8::ff:1 after 2001:db8:0:0:0:0:1:0.
        "ip" => audit_model::ip::sort_key(e.source_ip.as_deref().unwrap_or_default()),
        "country" => s(&e.source_country),
        _ => e.context_summary(200).to_lowercase(),
    }
}

/// What one row shows, all of it text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RowText {
    /// The event's id (the row's `data-id`, which opens it).
    pub id: String,
    /// The cells' texts in row order: time, type, user email, user id, source, IP, country,
    /// details.
    pub cells: [String; CELL_TEXTS],
    /// The type cell's tooltip: the type's description.
    pub type_title: String,
    /// The source cell's tooltip: the source code (e.g. `CD`).
    pub source_code: String,
    /// The details cell's tooltip: the context at length, where the cell cuts it short.
    pub details_title: String,
}

/// Text nodes in a row.
pub const CELL_TEXTS: usize = 8;

impl RowText {
    /// The row for `ev`, with times shifted by `offset_minutes(timestamp)` and type titles from
    /// the event-types call's `descriptions`.
    pub fn new(
        ev: &AuditEvent,
        offset_minutes: impl Fn(i64) -> i32,
        descriptions: &HashMap<String, String>,
    ) -> Self {
        let time = match ev.timestamp() {
            Some(t) => format_display(t, offset_minutes(t)),
            None => ev.created_at.clone(),
        };
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        RowText {
            id: ev.id.clone(),
            cells: [
                time,
                ev.event_type.clone(),
                text(&ev.user_email),
                ev.user_id
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                ev.source_description
                    .clone()
                    .or_else(|| ev.source.clone())
                    .unwrap_or_default(),
                text(&ev.source_ip),
                text(&ev.source_country),
                ev.context_summary(140),
            ],
            type_title: descriptions
                .get(&ev.event_type)
                .cloned()
                .or_else(|| ev.event_type_description.clone())
                .or_else(|| audit_model::catalog::describe(&ev.event_type).map(str::to_string))
                .unwrap_or_else(|| "Event type not in the API's list".to_string()),
            source_code: text(&ev.source),
            details_title: ev.context_summary(1_000),
        }
    }
}

/// The rows of `list` in the order the table shows them: as given, or sorted by a column.
pub fn row_order(list: &[AuditEvent], sort: Option<(&str, bool)>) -> Vec<usize> {
    let mut order: Vec<usize> = (0..list.len()).collect();
    if let Some((key, asc)) = sort {
        order.sort_by_cached_key(|&i| sort_key(&list[i], key));
        if !asc {
            order.reverse();
        }
    }
    order
}

/// The paged events table.
///
/// The body's rows are kept and rewritten in place when the page changes (see [`RowPool`]):
/// a page switch changes text nodes instead of building and discarding a thousand elements,
/// and one listener on the body opens whichever row was clicked.
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
    let tbody = NodeRef::<leptos::html::Tbody>::new();
    let pool = StoredValue::new_local(RowPool::default());
    // The rows' texts change with the page, the zone, the sort and the descriptions; the
    // live-tail highlight only toggles a class, so it does not recompute them.
    let texts = Memo::new(move |_| {
        let utc = session.utc.get();
        let offset = move |t: i64| {
            if utc {
                0
            } else {
                crate::util::local_offset_minutes(t)
            }
        };
        let sort = sort.get();
        descriptions.with(|d| {
            rows.with(|list| {
                row_order(list, sort)
                    .into_iter()
                    .map(|i| RowText::new(&list[i], offset, d))
                    .collect::<Vec<_>>()
            })
        })
    });
    // Rows on screen are written at once; the rest right after the next paint, so the first
    // frame lays out and paints only what can be seen. `pending` keeps the table marked busy
    // until every row shows the new page (and tells the page-switch measure when that is).
    let pending = RwSignal::new(false);
    let set_pending = move |p: bool| {
        pending.try_set(p);
        crate::instrument::rows_pending(p);
    };
    // Writes the current texts (untracked: the effect below subscribes); true when rows off
    // screen were left for later.
    let write = move |body: &web_sys::Element, on_screen_first: bool| {
        texts
            .try_with_untracked(|texts| {
                highlight.try_with_untracked(|new| {
                    pool.try_update_value(|p| p.show(body, texts, new, on_screen_first))
                })
            })
            .flatten()
            .flatten()
            .unwrap_or(false)
    };
    Effect::new(move |_| {
        let Some(body) = tbody.get() else { return };
        texts.track();
        highlight.track();
        if !write(&body, true) {
            return;
        }
        set_pending(true);
        crate::util::after_next_paint(
            || {},
            move || {
                write(&body, false);
                set_pending(false);
            },
        );
    });
    let row_id = |target: Option<web_sys::EventTarget>| {
        target
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
            .and_then(|el| el.closest("tr[data-id]").ok().flatten())
            .and_then(|tr| tr.get_attribute("data-id"))
    };
    let table_class = move || {
        let mut c = String::from("events event-list");
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
                <th scope="col" role="columnheader" class=format!("col-{key}") aria-sort=aria>
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
    // Rows are laid out as flex lines (style/main.css), so the ARIA roles keep the table's
    // meaning for assistive technology whatever the display.
    view! {
        <div class="table-wrap" class:stale=move || stale.get()
            aria-busy=move || (stale.get() || pending.get()).to_string()>
            <table class=table_class role="table" data-testid="events-table">
                <caption class="sr-only">"Audit events, newest first. Press Enter on a row to open it."</caption>
                <thead role="rowgroup">
                    <tr role="row">{header}</tr>
                </thead>
                <tbody role="rowgroup" node_ref=tbody
                    on:click=move |e| if let Some(id) = row_id(e.target()) { on_open.run(id) }
                    on:keydown=move |e| if e.key() == "Enter" {
                        if let Some(id) = row_id(e.target()) { on_open.run(id) }
                    }>
                </tbody>
            </table>
        </div>
    }
}

/// One row's elements: the row, its text nodes (in [`RowText::cells`] order), the two cells
/// with tooltips, and what they show now.
struct RowNodes {
    tr: web_sys::Element,
    texts: Vec<web_sys::Text>,
    type_td: web_sys::Element,
    source_td: web_sys::Element,
    details_td: web_sys::Element,
    shown: RowText,
    new: bool,
}

impl RowNodes {
    /// Whether the row shows something other than `want`.
    fn differs(&self, want: &RowText, is_new: bool) -> bool {
        self.shown != *want || self.new != is_new
    }

    /// Rewrites what differs from `want`: texts, the row's id, tooltips and the new-row mark.
    fn write(&mut self, want: &RowText, is_new: bool) {
        if self.shown.id != want.id {
            let _ = self.tr.set_attribute("data-id", &want.id);
        }
        for ((node, old), text) in self.texts.iter().zip(&self.shown.cells).zip(&want.cells) {
            if old != text {
                node.set_data(text);
            }
        }
        if self.shown.type_title != want.type_title {
            let _ = self.type_td.set_attribute("title", &want.type_title);
        }
        if self.shown.source_code != want.source_code {
            let _ = self.source_td.set_attribute("title", &want.source_code);
        }
        if self.shown.details_title != want.details_title {
            let _ = self.details_td.set_attribute("title", &want.details_title);
        }
        if self.new != is_new {
            let _ = self.tr.class_list().toggle_with_force("new", is_new);
            self.new = is_new;
        }
        self.shown.clone_from(want);
    }
}

/// The table body's rows, built once from a prototype and rewritten in place: a node's text
/// or attribute is set only when it differs from what it shows.
#[derive(Default)]
pub struct RowPool {
    prototype: Option<web_sys::Element>,
    rows: Vec<RowNodes>,
}

impl RowPool {
    /// Makes `body` show `texts`, marking rows whose id is in `new`. With `on_screen_first`
    /// and an unchanged row count, only the rows on screen are written; the return value says
    /// whether others were left to write (call again without it).
    pub fn show(
        &mut self,
        body: &web_sys::Element,
        texts: &[RowText],
        new: &HashSet<String>,
        on_screen_first: bool,
    ) -> bool {
        if on_screen_first && self.rows.len() == texts.len() {
            let written = self.write_on_screen(texts, new);
            return self
                .rows
                .iter()
                .zip(texts)
                .enumerate()
                .any(|(i, (row, want))| {
                    !written.contains(&i) && row.differs(want, new.contains(&want.id))
                });
        }
        while self.rows.len() > texts.len() {
            if let Some(r) = self.rows.pop() {
                r.tr.remove();
            }
        }
        while self.rows.len() < texts.len() {
            let Some(row) = self.new_row() else {
                return false;
            };
            if body.append_child(&row.tr).is_err() {
                return false;
            }
            self.rows.push(row);
        }
        for (row, want) in self.rows.iter_mut().zip(texts) {
            row.write(want, new.contains(&want.id));
        }
        false
    }

    /// Writes the rows the viewport shows and returns their range. Rows are in document order,
    /// so binary searches over their boxes find them; rewritten rows may be shorter than
    /// before, so the search goes on from the first unwritten row until it starts below the
    /// viewport. (Reading a box lays out what changed, work the coming frame would do anyway.)
    fn write_on_screen(
        &mut self,
        texts: &[RowText],
        new: &HashSet<String>,
    ) -> std::ops::Range<usize> {
        let Some(height) = web_sys::window()
            .and_then(|w| w.inner_height().ok())
            .and_then(|h| h.as_f64())
        else {
            return 0..0;
        };
        let rect = |r: &RowNodes| r.tr.get_bounding_client_rect();
        let start = self.rows.partition_point(|r| rect(r).bottom() < 0.0);
        let mut end = start;
        loop {
            let next = end + self.rows[end..].partition_point(|r| rect(r).top() < height);
            if next == end {
                return start..end;
            }
            for (row, want) in self.rows[end..next].iter_mut().zip(&texts[end..next]) {
                row.write(want, new.contains(&want.id));
            }
            end = next;
        }
    }

    /// A fresh row: a deep copy of the prototype, with handles on its nodes.
    fn new_row(&mut self) -> Option<RowNodes> {
        if self.prototype.is_none() {
            self.prototype = prototype_row().ok();
        }
        let tr: web_sys::Element = wasm_bindgen::JsCast::dyn_into(
            self.prototype.as_ref()?.clone_node_with_deep(true).ok()?,
        )
        .ok()?;
        let cells = tr.children();
        let cell = |i: u32| cells.item(i);
        let text_of = |el: Option<web_sys::Element>| {
            el.and_then(|e| e.first_child())
                .and_then(|n| wasm_bindgen::JsCast::dyn_into::<web_sys::Text>(n).ok())
        };
        let user = cell(2)?.children();
        let texts = vec![
            text_of(cell(0))?,
            text_of(cell(1)?.first_element_child())?,
            text_of(user.item(0))?,
            text_of(user.item(1))?,
            text_of(cell(3))?,
            text_of(cell(4))?,
            text_of(cell(5))?,
            text_of(cell(6))?,
        ];
        Some(RowNodes {
            type_td: cell(1)?,
            source_td: cell(3)?,
            details_td: cell(6)?,
            tr,
            texts,
            shown: RowText::default(),
            new: false,
        })
    }
}

/// The empty row every row is copied from. Built with DOM calls, never from markup; each text
/// node starts empty and only ever receives text.
fn prototype_row() -> Result<web_sys::Element, wasm_bindgen::JsValue> {
    let doc = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| wasm_bindgen::JsValue::from_str("no document"))?;
    let el =
        |tag: &str, attrs: &[(&str, &str)]| -> Result<web_sys::Element, wasm_bindgen::JsValue> {
            let e = doc.create_element(tag)?;
            for (k, v) in attrs {
                e.set_attribute(k, v)?;
            }
            Ok(e)
        };
    let with_text = |e: web_sys::Element| -> Result<web_sys::Element, wasm_bindgen::JsValue> {
        e.append_child(&doc.create_text_node(""))?;
        Ok(e)
    };
    let tr = el(
        "tr",
        &[
            ("tabindex", "0"),
            ("role", "row"),
            ("data-testid", "event-row"),
        ],
    )?;
    let td = |col: &str, class: &str| {
        let testid = if col == "details" {
            "cell-summary".to_string()
        } else {
            format!("cell-{col}")
        };
        el(
            "td",
            &[
                ("role", "cell"),
                ("class", class),
                ("data-testid", &testid),
                ("data-col", col),
            ],
        )
    };
    let add = |parent: &web_sys::Element, child: web_sys::Element| {
        parent.append_child(&child).map(|_| ())
    };
    add(&tr, with_text(td("time", "nowrap")?)?)?;
    let ty = td("type", "")?;
    add(&ty, with_text(el("span", &[("class", "type-name")])?)?)?;
    add(&tr, ty)?;
    let user = td("user", "")?;
    add(&user, with_text(el("div", &[])?)?)?;
    add(&user, with_text(el("div", &[("class", "muted small")])?)?)?;
    add(&tr, user)?;
    add(&tr, with_text(td("source", "")?)?)?;
    add(&tr, with_text(td("ip", "nowrap")?)?)?;
    add(&tr, with_text(td("country", "")?)?)?;
    add(&tr, with_text(td("details", "summary")?)?)?;
    Ok(tr)
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
                                    // The last column shown stays: a table of no columns is an empty bar.
                                    disabled=move || session.hidden_columns.with(|h| {
                                        !h.iter().any(|c| c == key) && h.len() + 1 >= COLUMNS.len()
                                    })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, ip: &str, created_at: &str) -> AuditEvent {
        AuditEvent {
            id: id.into(),
            event_type: "USER_LOGIN".into(),
            created_at: created_at.into(),
            user_email: Some("ann@example.com".into()),
            source: Some("CD".into()),
            source_description: Some("Customer Dashboard".into()),
            source_ip: Some(ip.into()),
            context: Some(serde_json::json!({"login_method": "password"})),
            ..Default::default()
        }
    }

    #[test]
    fn a_row_is_the_events_text_in_column_order() {
        let ev = event("e1", "192.0.2.9", "2026-11-01T10:00:00.000Z");
        let descriptions = HashMap::from([("USER_LOGIN".to_string(), "A login".to_string())]);
        let row = RowText::new(&ev, |_| 60, &descriptions);
        assert_eq!(row.id, "e1");
        assert_eq!(row.cells[0], "2026-11-01 11:00:00", "shifted by the offset");
        assert_eq!(row.cells[1], "USER_LOGIN");
        assert_eq!(row.cells[2], "ann@example.com");
        assert_eq!(row.cells[4], "Customer Dashboard");
        assert_eq!(row.cells[5], "192.0.2.9");
        assert!(row.cells[7].contains("login_method"));
        assert_eq!(row.type_title, "A login");
        assert_eq!(row.source_code, "CD");
        // Without the API's description, the catalog's is used.
        let row = RowText::new(&ev, |_| 0, &HashMap::new());
        assert_eq!(row.cells[0], "2026-11-01 10:00:00");
        assert_ne!(row.type_title, "Event type not in the API's list");
    }

    #[test]
    fn rows_sort_by_a_column_both_ways_and_ips_numerically() {
        let list = [
            event("a", "192.0.2.10", "2026-11-01T10:00:00.000Z"),
            event("b", "192.0.2.9", "2026-11-01T09:00:00.000Z"),
            event("c", "192.0.2.100", "2026-11-01T11:00:00.000Z"),
        ];
        assert_eq!(row_order(&list, None), [0, 1, 2]);
        assert_eq!(row_order(&list, Some(("ip", true))), [1, 0, 2]);
        assert_eq!(row_order(&list, Some(("ip", false))), [2, 0, 1]);
        assert_eq!(row_order(&list, Some(("time", true))), [1, 0, 2]);
    }

    #[test]
    fn ipv6_sorts_by_value_and_times_by_instant() {
        let list = [
            event("a", "2001:db8::ff:1", "2026-11-01T10:30:00+02:00"),
            event("b", "2001:db8:0:0:0:0:1:0", "2026-11-01T09:00:00Z"),
            event("c", "198.51.100.7", "2026-11-01T08:45:00.5-01:00"),
            event("d", "unknown", "yesterday"),
        ];
        // IPv4 first, then IPv6 by value (::1:0 < ::ff:1), then text.
        assert_eq!(row_order(&list, Some(("ip", true))), [2, 1, 0, 3]);
        // 08:30Z, 09:00Z, 09:45:00.5Z, then the unparseable one.
        assert_eq!(row_order(&list, Some(("time", true))), [0, 1, 2, 3]);
        assert_eq!(row_order(&list, Some(("time", false))), [3, 2, 1, 0]);
    }
}
