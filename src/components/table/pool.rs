//! The row pool: the table body's rows are kept and rewritten in place when the page changes.

use std::collections::HashSet;

use super::rows::RowText;

/// The attribute every event row carries: its event's id (what opens it, and what finds it).
pub const ROW_ID_ATTR: &str = "data-id";
/// Finds event rows (never by test id).
pub const ROW_SELECTOR: &str = "table.event-list tbody tr[data-id]";
/// On a cell's value button: the qualifier a click on it adds (`ip`, `user`, …).
pub const FILTER_FIELD_ATTR: &str = "data-filter";
/// Finds the value buttons.
pub const FILTER_SELECTOR: &str = "button.cell-filter";

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
        // A value that filters is the text of the button inside its cell.
        let inner = |el: Option<web_sys::Element>| el.and_then(|e| e.first_element_child());
        let texts = vec![
            text_of(cell(0))?,
            text_of(inner(cell(1)))?,
            text_of(inner(user.item(0)))?,
            text_of(user.item(1))?,
            text_of(inner(cell(3)))?,
            text_of(inner(cell(4)))?,
            text_of(inner(cell(5)))?,
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
