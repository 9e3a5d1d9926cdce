//! The table's preferences: the column chooser, the density switch, and the way to the
//! keyboard shortcuts.

use leptos::prelude::*;
use ui_names::testid;

use crate::prefs::Column;

/// The column chooser and the density switch, both remembered.
#[component]
pub fn TablePrefs(
    /// Whether the keyboard shortcuts' help is open.
    shortcuts: RwSignal<bool>,
) -> impl IntoView {
    let prefs = expect_context::<crate::prefs::Prefs>();
    view! {
        <div class="prefs">
            <details class="dropdown" data-testid=testid::COLUMNS>
                <summary>"Columns"</summary>
                <div class="dropdown-panel">
                    {Column::ALL.map(|column| {
                        let hidden = move || prefs.hidden_columns.with(|h| h.contains(&column));
                        view! {
                            <label class="check">
                                <input type="checkbox" data-testid=testid::column(column.key())
                                    prop:checked=move || !hidden()
                                    // The last column shown stays: a table of no columns is an empty bar.
                                    disabled=move || !hidden() && prefs.hidden_columns.with(|h| h.len() + 1 >= Column::ALL.len())
                                    on:change=move |ev| prefs.set_column(column, event_target_checked(&ev))/>
                                {column.label()}
                            </label>
                        }
                    })}
                </div>
            </details>
            <label class="check">
                <input type="checkbox" data-testid=testid::COMPACT prop:checked=move || prefs.compact.get()
                    on:change=move |ev| prefs.set_compact(event_target_checked(&ev))/>
                "Compact rows"
            </label>
            <button type="button" class="link" data-testid=testid::SHOW_SHORTCUTS
                on:click=move |_| shortcuts.update(|open| *open = !*open)>"Keyboard shortcuts (?)"</button>
        </div>
    }
}
