//! The row pool: the table body's rows are kept and rewritten in place when the page changes.

use std::collections::HashSet;

use super::rows::{RowText, CELL_TEXTS};

/// The attribute every event row carries: its event's id (what opens it, and what finds it).
pub const ROW_ID_ATTR: &str = "data-id";
/// Finds event rows (never by test id).
pub const ROW_SELECTOR: &str = "table.event-list tbody tr[data-id]";

/// Focuses the table row of event `id`, if it is shown (back from its detail view).
pub fn focus_row(id: &str) {
    let Some(rows) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector_all(ROW_SELECTOR).ok())
    else {
        return;
    };
    for i in 0..rows.length() {
        if let Some(el) = rows
            .get(i)
            .and_then(|n| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(n).ok())
        {
            if el.get_attribute("data-id").as_deref() == Some(id) {
                let _ = el.focus_with_options(&{
                    let o = web_sys::FocusOptions::new();
                    o.set_prevent_scroll(true);
                    o
                });
                return;
            }
        }
    }
}
/// On a cell's value button: the qualifier a click on it adds (`ip`, `user`, …).
pub const FILTER_FIELD_ATTR: &str = "data-filter";
/// Finds the value buttons.
pub const FILTER_SELECTOR: &str = "button.cell-filter";

/// Where each of a row's written values goes, as offsets from the row's first target: its
/// [`CELL_TEXTS`] text nodes (in [`RowText::cells`] order), then the three cells with tooltips,
/// then the row itself (its id).
const TYPE_TITLE: u32 = CELL_TEXTS as u32;
const SOURCE_TITLE: u32 = TYPE_TITLE + 1;
const DETAILS_TITLE: u32 = TYPE_TITLE + 2;
const ROW_ID: u32 = TYPE_TITLE + 3;
const TARGETS_PER_ROW: u32 = ROW_ID + 1;

#[wasm_bindgen::prelude::wasm_bindgen(module = "/src/components/table/write.js")]
extern "C" {
    /// Sets `targets[which[i]]` (a text node's data, or the element's attribute `attrs[…]`) to
    /// the `i`th piece of `all`, which ends at UTF-16 offset `ends[i]`.
    #[wasm_bindgen(js_name = writeBatch)]
    fn write_batch(
        targets: &js_sys::Array,
        attrs: &js_sys::Array,
        which: &[u32],
        all: &str,
        ends: &[u32],
    );
}

/// Values to write, gathered so they cross into JavaScript in one call.
#[derive(Default)]
struct Batch {
    which: Vec<u32>,
    all: String,
    ends: Vec<u32>,
    utf16_len: u32,
}

impl Batch {
    fn set(&mut self, target: u32, value: &str) {
        self.which.push(target);
        self.all.push_str(value);
        self.utf16_len += value.encode_utf16().count() as u32;
        self.ends.push(self.utf16_len);
    }
}

/// Every row's write targets, in the order of [`TARGETS_PER_ROW`] per row, and for each the
/// attribute it takes (none for a text node).
struct Targets {
    nodes: js_sys::Array,
    attrs: js_sys::Array,
}

impl Targets {
    fn write(&self, batch: &Batch) {
        if !batch.which.is_empty() {
            write_batch(
                &self.nodes,
                &self.attrs,
                &batch.which,
                &batch.all,
                &batch.ends,
            );
        }
    }
}

/// One row: its element, where its targets start, and what it shows now.
struct RowNodes {
    tr: web_sys::Element,
    first: u32,
    shown: RowText,
    new: bool,
}

impl RowNodes {
    /// Whether the row shows something other than `want`.
    fn differs(&self, want: &RowText, is_new: bool) -> bool {
        self.shown != *want || self.new != is_new
    }

    /// Adds to `batch` what differs from `want` (texts, the row's id, tooltips) and sets the
    /// new-row mark.
    fn write(&mut self, want: &RowText, is_new: bool, batch: &mut Batch) {
        let at = |offset: u32| self.first + offset;
        if self.shown.id != want.id {
            batch.set(at(ROW_ID), &want.id);
        }
        for (i, (old, text)) in self.shown.cells.iter().zip(&want.cells).enumerate() {
            if old != text {
                batch.set(at(i as u32), text);
            }
        }
        if self.shown.type_title != want.type_title {
            batch.set(at(TYPE_TITLE), &want.type_title);
        }
        if self.shown.source_code != want.source_code {
            batch.set(at(SOURCE_TITLE), &want.source_code);
        }
        if self.shown.details_title != want.details_title {
            batch.set(at(DETAILS_TITLE), &want.details_title);
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
    targets: Option<Targets>,
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
                if let Some(t) = &self.targets {
                    t.nodes.set_length(r.first);
                    t.attrs.set_length(r.first);
                }
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
        let mut batch = Batch::default();
        for (row, want) in self.rows.iter_mut().zip(texts) {
            row.write(want, new.contains(&want.id), &mut batch);
        }
        self.flush(&batch);
        false
    }

    fn flush(&self, batch: &Batch) {
        if let Some(t) = &self.targets {
            t.write(batch);
        }
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
            let mut batch = Batch::default();
            for (row, want) in self.rows[end..next].iter_mut().zip(&texts[end..next]) {
                row.write(want, new.contains(&want.id), &mut batch);
            }
            self.flush(&batch);
            end = next;
        }
    }

    /// A fresh row: a deep copy of the prototype, its write targets added after the last row's.
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
        // A value that filters is the text of the button inside its cell.
        let inner = |el: Option<web_sys::Element>| el.and_then(|e| e.first_element_child());
        let texts: [web_sys::Text; CELL_TEXTS] = [
            text_of(cell(0))?,
            text_of(inner(cell(1)))?,
            text_of(inner(user.item(0)))?,
            text_of(user.item(1))?,
            text_of(inner(cell(3)))?,
            text_of(inner(cell(4)))?,
            text_of(inner(cell(5)))?,
            text_of(cell(6))?,
        ];
        let titled = [cell(1)?, cell(3)?, cell(6)?];
        let targets = self.targets.get_or_insert_with(|| Targets {
            nodes: js_sys::Array::new(),
            attrs: js_sys::Array::new(),
        });
        let first = targets.nodes.length();
        let none = wasm_bindgen::JsValue::UNDEFINED;
        for text in texts {
            targets.nodes.push(&text);
            targets.attrs.push(&none);
        }
        let title = wasm_bindgen::JsValue::from_str("title");
        for td in titled {
            targets.nodes.push(&td);
            targets.attrs.push(&title);
        }
        targets.nodes.push(&tr);
        targets
            .attrs
            .push(&wasm_bindgen::JsValue::from_str(ROW_ID_ATTR));
        debug_assert_eq!(targets.nodes.length(), first + TARGETS_PER_ROW);
        Some(RowNodes {
            tr,
            first,
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
            ("data-testid", ui_names::testid::EVENT_ROW),
        ],
    )?;
    let td = |col: &str, class: &str| {
        let testid = ui_names::testid::cell(col);
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
    // The value a click filters by (Alt-click excludes): a button, out of the tab order (the
    // row's arrow keys reach it), whose field the click handler reads.
    let filter_button = |field: &str, class: &str| {
        let title = if field == "type" {
            String::new()
        } else {
            format!("Only events with this {field}; Alt-click to exclude them")
        };
        let b = el(
            "button",
            &[
                ("type", "button"),
                ("class", &format!("cell-filter {class}")),
                ("tabindex", "-1"),
                (FILTER_FIELD_ATTR, field),
            ],
        )?;
        if !title.is_empty() {
            b.set_attribute("title", &title)?;
        }
        with_text(b)
    };
    let cell_with_filter = |col: &str, class: &str, field: &str| {
        let cell = td(col, class)?;
        add(&cell, filter_button(field, "")?)?;
        Ok::<_, wasm_bindgen::JsValue>(cell)
    };
    add(&tr, with_text(td("time", "nowrap")?)?)?;
    let ty = td("type", "")?;
    add(&ty, filter_button("type", "type-name")?)?;
    add(&tr, ty)?;
    let user = td("user", "")?;
    let email = el("div", &[])?;
    add(&email, filter_button("user", "")?)?;
    add(&user, email)?;
    add(&user, with_text(el("div", &[("class", "muted small")])?)?)?;
    add(&tr, user)?;
    add(&tr, cell_with_filter("source", "", "source")?)?;
    add(&tr, cell_with_filter("ip", "nowrap", "ip")?)?;
    add(&tr, cell_with_filter("country", "", "country")?)?;
    add(&tr, with_text(td("details", "summary")?)?)?;
    Ok(tr)
}
