//! The events table: one row per event, every value rendered as text.
//!
//! - [`rows`]: what each row says and the order of the rows (plain data);
//! - [`pool`]: the body's rows, kept and rewritten in place;
//! - [`prefs`]: columns shown and density;
//! - [`shortcuts`]: keys to move between rows and open them.

pub mod pool;
pub mod prefs;
pub mod rows;
pub mod shortcuts;

use std::collections::HashMap;
use ui_names::testid;

use audit_model::AuditEvent;
use leptos::prelude::*;

use crate::prefs::Column;
use pool::RowPool;
pub use prefs::TablePrefs;
use rows::{row_order, RowText, Sort};
pub use shortcuts::Shortcuts;

/// The highlight (CSS Custom Highlight API) of what the query looks for, in the rows.
pub const ROWS_HIGHLIGHT: &str = "audit-rows";

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
    /// Adds a qualifier for a clicked cell's value: (field, value, exclude). Without it, a
    /// click on a value opens the row like a click anywhere else.
    #[prop(optional)]
    on_filter: Option<Callback<(String, String, bool)>>,
    /// What the query looks for, highlighted in the rows' text.
    #[prop(into, optional)]
    marks: Signal<audit_model::marks::Marks>,
) -> impl IntoView {
    let prefs = expect_context::<crate::prefs::Prefs>();
    // Sorting applies to the rows of this page only: (column, ascending).
    let sort = RwSignal::new(None::<Sort>);
    let tbody = NodeRef::<leptos::html::Tbody>::new();
    let pool = StoredValue::new_local(RowPool::default());
    // The rows' texts change with the page, the zone, the sort and the descriptions; the
    // live-tail highlight only toggles a class, so it does not recompute them.
    let texts = Memo::new(move |_| {
        let zone = prefs.zone.get();
        let offset = move |t: i64| zone.offset_at(t);
        let sort = sort.get();
        descriptions.with(|d| {
            rows.with(|list| {
                row_order(list, sort)
                    .into_iter()
                    .map(|i| RowText::new(&list[i], &offset, d))
                    .collect::<Vec<_>>()
            })
        })
    });
    // Rows on screen are written at once; the rest right after the next paint, so the first
    // frame lays out and paints only what can be seen. `pending` keeps the table marked busy
    // until every row shows the new page (and tells the page-switch measure when that is).
    let pending = RwSignal::new(false);
    let set_pending = move |body: &web_sys::Element, p: bool| {
        pending.try_set(p);
        crate::instrument::rows_pending(body, p);
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
    let mark = move |body: &web_sys::Element| {
        marks.with_untracked(|m| crate::browser::highlight(ROWS_HIGHLIGHT, body, m));
    };
    Effect::new(move |_| {
        let Some(body) = tbody.get() else { return };
        texts.track();
        highlight.track();
        marks.track();
        if !write(&body, true) {
            mark(&body);
            return;
        }
        set_pending(&body, true);
        crate::browser::after_next_paint(
            || {},
            move || {
                write(&body, false);
                mark(&body);
                set_pending(&body, false);
            },
        );
    });
    on_cleanup(|| {
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            crate::browser::highlight(ROWS_HIGHLIGHT, &doc, &Default::default());
        }
    });
    let row_id = |target: Option<web_sys::EventTarget>| {
        target
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
            .and_then(|el| el.closest(pool::ROW_SELECTOR).ok().flatten())
            .and_then(|tr| tr.get_attribute(pool::ROW_ID_ATTR))
    };
    // A click (or Enter) on a cell's value filters by it; anywhere else opens the row.
    let filter = move |target: Option<web_sys::EventTarget>, exclude: bool| -> bool {
        let Some(on_filter) = on_filter else {
            return false;
        };
        let Some(button) = target
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
            .and_then(|el| el.closest(pool::FILTER_SELECTOR).ok().flatten())
        else {
            return false;
        };
        let (Some(field), Some(id)) = (
            button.get_attribute(pool::FILTER_FIELD_ATTR),
            row_id(Some(button.into())),
        ) else {
            return false;
        };
        let value = rows.with_untracked(|list| {
            list.iter()
                .find(|e| e.id == id)
                .and_then(|e| audit_model::facets::value(&field, e))
        });
        match value {
            Some(value) => {
                on_filter.run((field, value, exclude));
                true
            }
            None => false,
        }
    };
    let table_class = move || {
        let mut c = String::from("events event-list");
        if prefs.compact.get() {
            c.push_str(" compact");
        }
        for h in prefs.hidden_columns.get() {
            c.push_str(" hide-");
            c.push_str(h.key());
        }
        c
    };
    let header = Column::ALL
        .into_iter()
        .map(|column| {
            let by_this = move || sort.get().filter(|s| s.column == column);
            let aria = move || match by_this() {
                Some(s) if s.ascending => "ascending",
                Some(_) => "descending",
                None => "none",
            };
            view! {
                <th scope="col" role="columnheader" class=format!("col-{}", column.key()) aria-sort=aria>
                    <button type="button" class="sort" data-testid=testid::sort(column.key())
                        title="Sort this page by this column"
                        on:click=move |_| sort.update(|s| *s = Some(Sort::clicked(*s, column)))>
                        {column.label()}
                        {move || match by_this() { Some(s) if s.ascending => " ▲", Some(_) => " ▼", None => "" }}
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
            <table class=table_class role="table" data-testid=testid::EVENTS_TABLE>
                <caption class="sr-only">"Audit events, newest first. Press Enter on a row to open it."</caption>
                <thead role="rowgroup">
                    <tr role="row">{header}</tr>
                </thead>
                <tbody role="rowgroup" node_ref=tbody
                    on:click=move |e| {
                        if filter(e.target(), e.alt_key()) { return }
                        if let Some(id) = row_id(e.target()) { on_open.run(id) }
                    }
                    on:keydown=move |e| match e.key().as_str() {
                        // The button's own click would follow: this one decides instead.
                        "Enter" | "-" if on_filter.is_some() && filter(e.target(), e.alt_key() || e.key() == "-") => e.prevent_default(),
                        "Enter" => if let Some(id) = row_id(e.target()) { on_open.run(id) },
                        "ArrowRight" | "ArrowLeft" if !e.alt_key() && !e.ctrl_key() && !e.meta_key()
                            && shortcuts::move_in_row(e.target(), e.key() == "ArrowRight") => e.prevent_default(),
                        _ => {}
                    }>
                </tbody>
            </table>
        </div>
    }
}
