//! Keyboard use of the list: the shortcuts and their help.

use leptos::prelude::*;
use ui_names::testid;

/// The shortcuts help and the keys themselves (the WAI-ARIA grid pattern, roughly): arrows or
/// j/k move between rows, Enter opens, `/` focuses search, `?` shows this, Esc closes it.
#[component]
pub fn Shortcuts(
    /// Whether the help is open (the list page's, shared with the button that opens it).
    open: RwSignal<bool>,
) -> impl IntoView {
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
                crate::browser::focus("search-text");
            }
            "?" => open.update(|v| *v = !*v),
            _ => {}
        }
    });
    on_cleanup(move || keys.remove());
    view! {
        <Show when=move || open.get()>
            <div class="card shortcuts" role="dialog" aria-label="Keyboard shortcuts" data-testid=testid::SHORTCUTS>
                <h2>"Keyboard shortcuts"</h2>
                <ul>
                    <li><kbd>"↓"</kbd>" or "<kbd>"j"</kbd>" next row, "<kbd>"↑"</kbd>" or "<kbd>"k"</kbd>" previous row"</li>
                    <li><kbd>"Enter"</kbd>" open the row; "<kbd>"Esc"</kbd>" close the event or this help"</li>
                    <li><kbd>"→"</kbd>" "<kbd>"←"</kbd>" move along the row's values; on a value, "<kbd>"Enter"</kbd>" shows only its events, "<kbd>"-"</kbd>" or "<kbd>"Alt"</kbd>"+"<kbd>"Enter"</kbd>" excludes them"</li>
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
    let Ok(rows) = doc.query_selector_all(super::pool::ROW_SELECTOR) else {
        return false;
    };
    let n = rows.length();
    if n == 0 {
        return false;
    }
    // The row holding focus, whether on the row itself or on one of its values.
    let active = doc
        .active_element()
        .and_then(|a| a.closest(super::pool::ROW_SELECTOR).ok().flatten());
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

/// Moves focus along a row: the row itself, then each value that filters (those shown, with
/// text), left or right. Returns whether focus moved.
pub fn move_in_row(target: Option<web_sys::EventTarget>, right: bool) -> bool {
    use wasm_bindgen::JsCast;
    let Some(from) = target.and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else {
        return false;
    };
    let Some(row) = from.closest(super::pool::ROW_SELECTOR).ok().flatten() else {
        return false;
    };
    let mut stops: Vec<web_sys::HtmlElement> = row.clone().dyn_into().into_iter().collect();
    if let Ok(buttons) = row.query_selector_all(super::pool::FILTER_SELECTOR) {
        stops.extend(
            (0..buttons.length())
                .filter_map(|i| buttons.get(i))
                .filter_map(|b| b.dyn_into::<web_sys::HtmlElement>().ok())
                .filter(|b| {
                    b.offset_parent().is_some() && b.text_content().is_some_and(|t| !t.is_empty())
                }),
        );
    }
    let Some(at) = stops.iter().position(|s| s.is_same_node(Some(&from))) else {
        return false;
    };
    let next = if right {
        (at + 1).min(stops.len() - 1)
    } else {
        at.saturating_sub(1)
    };
    next != at && stops[next].focus().is_ok()
}
