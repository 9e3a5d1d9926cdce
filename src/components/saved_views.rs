//! The "Views" dropdown: save the list as it is (filters, range, qualifiers, page size and the
//! columns shown) under a name; open, rename or delete saved views; the ten queries last looked
//! at; export and import the saved views as a JSON file.

use audit_model::EventQuery;
use leptos::prelude::*;
use leptos_router::components::A;
use ui_names::testid;

use crate::prefs::Column;
use crate::saved::{self, SavedView};

/// The app path of a saved query string.
fn href(query: &str) -> String {
    if query.is_empty() {
        "/".into()
    } else {
        format!("/?{query}")
    }
}

/// The dropdown.
#[component]
pub fn SavedViews(
    /// The filters shown (page 1).
    filters: Memo<EventQuery>,
) -> impl IntoView {
    let prefs = expect_context::<crate::prefs::Prefs>();
    let views = RwSignal::new(saved::load_views());
    let recent = RwSignal::new(saved::load_recent());
    let name = RwSignal::new(String::new());
    let note = RwSignal::new(None::<String>);
    // The view being renamed, and its new name as typed.
    let editing = RwSignal::new(None::<(String, String)>);
    let keep = move |list: Vec<SavedView>| {
        saved::store_views(&list);
        views.set(list);
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let n = name.get_untracked().trim().to_string();
        if n.is_empty() {
            note.set(Some("Give the view a name first.".into()));
            return;
        }
        let view = SavedView {
            name: n.clone(),
            query: filters.get_untracked().to_compact_query_string(),
            hidden_columns: prefs
                .hidden_columns
                .get_untracked()
                .iter()
                .map(|c| c.key().to_string())
                .collect(),
        };
        keep(saved::with_saved(views.get_untracked(), view));
        name.set(String::new());
        note.set(Some(format!("Saved “{n}”.")));
    };
    let open = move |view: &SavedView| {
        // The columns come back with the view.
        for column in Column::ALL {
            let hidden = view.hidden_columns.iter().any(|k| k == column.key());
            prefs.set_column(column, !hidden);
        }
    };
    let import = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        crate::load::spawn_for_view(|_| async move {
            let text = wasm_bindgen_futures::JsFuture::from(file.text())
                .await
                .ok()
                .and_then(|t| t.as_string())
                .unwrap_or_default();
            match saved::import(views.get_untracked(), &text) {
                Ok(list) => {
                    let added = list.len().saturating_sub(views.get_untracked().len());
                    keep(list);
                    note.set(Some(format!("Imported; {added} new.")));
                }
                Err(e) => note.set(Some(e.0)),
            }
        });
    };
    view! {
        <details class="dropdown views" data-testid=testid::VIEWS
            on:toggle=move |_| recent.set(saved::load_recent())>
            <summary>"Views"</summary>
            <div class="dropdown-panel">
                <form on:submit=save class="row">
                    <label for="view-name" class="sr-only">"Save this view as"</label>
                    <input id="view-name" type="text" data-testid=testid::VIEW_NAME placeholder="Name this view"
                        prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                    <button type="submit" data-testid=testid::VIEW_SAVE>"Save"</button>
                </form>
                <p class="small" role="status" data-testid=testid::VIEW_NOTE>{move || note.get()}</p>
                <h3>"Saved"</h3>
                {move || views.with(Vec::is_empty).then(|| view! { <p class="muted small">"None yet."</p> })}
                <ul class="views-list">
                    {move || views.get().into_iter().map(|v| {
                        let (for_open, for_edit, for_delete) = (v.clone(), v.name.clone(), v.name.clone());
                        let is_editing = {
                            let n = v.name.clone();
                            move || editing.with(|e| e.as_ref().is_some_and(|(from, _)| *from == n))
                        };
                        view! {
                            <li>
                                <Show when=is_editing.clone() fallback=move || {
                                    let (for_open, for_edit, for_delete) = (for_open.clone(), for_edit.clone(), for_delete.clone());
                                    let (link, label, text) = (href(&for_open.query), for_open.name.clone(), for_open.name.clone());
                                    view! {
                                        <A href=crate::browser::app_href(&link) attr:data-testid=testid::VIEW_LINK attr:data-name=label
                                            on:click=move |_| open(&for_open)>{text}</A>
                                        <button type="button" class="link" data-testid=testid::VIEW_RENAME
                                            on:click=move |_| editing.set(Some((for_edit.clone(), for_edit.clone())))>"Rename"</button>
                                        <button type="button" class="link" data-testid=testid::VIEW_DELETE
                                            on:click=move |_| {
                                                let mut list = views.get_untracked();
                                                list.retain(|x| x.name != for_delete);
                                                keep(list);
                                                note.set(Some(format!("Deleted “{for_delete}”.")));
                                            }>"Delete"</button>
                                    }
                                }>
                                    <form class="row" on:submit=move |ev: leptos::ev::SubmitEvent| {
                                        ev.prevent_default();
                                        if let Some((from, to)) = editing.get_untracked() {
                                            match saved::renamed(views.get_untracked(), &from, &to) {
                                                Ok(list) => { keep(list); editing.set(None); note.set(None); }
                                                Err(e) => note.set(Some(e.0)),
                                            }
                                        }
                                    }>
                                        <label class="sr-only" for="view-rename-input">"New name"</label>
                                        <input id="view-rename-input" type="text"
                                            prop:value=move || editing.get().map(|(_, to)| to).unwrap_or_default()
                                            on:input=move |ev| editing.update(|e| if let Some((_, to)) = e { *to = event_target_value(&ev); })/>
                                        <button type="submit">"OK"</button>
                                        <button type="button" on:click=move |_| editing.set(None)>"Cancel"</button>
                                    </form>
                                </Show>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <h3>"Recent"</h3>
                {move || recent.with(Vec::is_empty).then(|| view! { <p class="muted small">"None yet."</p> })}
                <ul class="views-list">
                    {move || recent.get().into_iter().map(|q| view! {
                        <li><A href=crate::browser::app_href(&href(&q)) attr:data-testid=testid::RECENT_LINK attr:class="small">{q.clone()}</A></li>
                    }).collect_view()}
                </ul>
                <div class="row">
                    <button type="button" data-testid=testid::VIEWS_EXPORT
                        prop:disabled=move || views.with(Vec::is_empty)
                        on:click=move |_| crate::export::run::download_text(
                            &saved::export(&views.get_untracked()), "audit-viewer-views.json", "application/json")>
                        "Export views"
                    </button>
                    <label class="button">"Import views"
                        <input type="file" accept=".json,application/json" class="sr-only" data-testid=testid::VIEWS_IMPORT on:change=import/>
                    </label>
                </div>
            </div>
        </details>
    }
}
