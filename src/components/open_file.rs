//! Opening an export offline (JSON Lines, a JSON array of events, or a saved API answer): a file
//! picker and a drop zone.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use ui_names::testid;

use crate::api::ApiError;
use crate::session::Session;
use crate::source::OfflineFile;

async fn read(file: web_sys::File) -> Result<OfflineFile, ApiError> {
    let text = wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .map_err(|_| ApiError::FileUnreadable(file.name()))?;
    let text = text.as_string().unwrap_or_default();
    Ok(OfflineFile::parse(file.name(), &text))
}

/// A button that opens a file, and a zone that takes a dropped one.
#[component]
pub fn OpenFile() -> impl IntoView {
    let session = expect_context::<Session>();
    let navigate = use_navigate();
    let error = RwSignal::new(None::<ApiError>);
    let dragging = RwSignal::new(false);
    let open = Callback::new(move |file: web_sys::File| {
        let navigate = navigate.clone();
        crate::load::spawn_for_view(|_| async move {
            match read(file).await {
                Ok(f) => {
                    error.set(None);
                    session.open_file(f);
                    navigate("/", Default::default());
                }
                Err(e) => error.set(Some(e)),
            }
        });
    });
    let on_change = move |ev: leptos::ev::Event| {
        let input = event_target::<web_sys::HtmlInputElement>(&ev);
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            open.run(file);
        }
        input.set_value("");
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        if let Some(file) = ev
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|f| f.get(0))
        {
            open.run(file);
        }
    };
    view! {
        <div class="dropzone" class:dragging=move || dragging.get() data-testid=testid::DROPZONE
            on:dragover=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); dragging.set(true); }
            on:dragleave=move |_| dragging.set(false)
            on:drop=on_drop>
            <label class="button">"Open file…"
                <input class="sr-only" data-testid=testid::OPEN_FILE type="file" accept=".jsonl,.ndjson,.json,application/x-ndjson"
                    on:change=on_change/>
            </label>
            <span class="muted small">" or drop a .jsonl or .json file here"</span>
        </div>
        <Show when=move || error.get().is_some()>
            <p class="error" role="alert">{move || error.get().map(|e| e.to_string())}</p>
        </Show>
    }
}

/// The banner shown while a file is open: its name, event count, bad lines, and Close.
#[component]
pub fn OfflineBanner() -> impl IntoView {
    let session = expect_context::<Session>();
    let navigate = use_navigate();
    view! {
        {move || session.offline.get().map(|f| {
            let navigate = navigate.clone();
            let bad: Vec<String> = f.errors.iter().take(5).map(ToString::to_string).collect();
            let more = f.errors.len().saturating_sub(5);
            view! {
                <div class="banner warn" role="status" data-testid=testid::OFFLINE_BANNER>
                    <strong>"Offline: "</strong>
                    <span data-testid=testid::OFFLINE_NAME>{f.name.clone()}</span>
                    {format!(" — {} events, read in this browser; nothing is sent anywhere. ", crate::pages::thousands(f.store.len() as u64))}
                    <button type="button" data-testid=testid::CLOSE_FILE on:click=move |_| {
                        session.close_file();
                        navigate("/", Default::default());
                    }>"Close file"</button>
                    <Show when={let n = f.errors.len(); move || n > 0}>
                        <div class="error" data-testid=testid::OFFLINE_ERRORS>
                            {format!("{} {}(s) could not be read and were skipped:", f.errors.len(), f.errors.first().map_or("line", |e| e.unit))}
                            <ul>{bad.clone().into_iter().map(|b| view! { <li>{b}</li> }).collect_view()}</ul>
                            {(more > 0).then(|| format!("…and {more} more"))}
                        </div>
                    </Show>
                </div>
            }
        })}
    }
}
