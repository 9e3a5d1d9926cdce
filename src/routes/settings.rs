//! Settings: where the API (the proxy) is, and a connection test.

use leptos::prelude::*;
use ui_names::testid;

use crate::api::{ApiError, Client};
use crate::load::spawn_for_view;
use crate::session::Session;
use crate::workspace::OnDevice;

/// What a connection test found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Probe {
    /// Reached, credentials accepted.
    Ok(usize),
    /// Reached, credentials refused.
    Rejected,
    /// Reached (without CORS), but the browser may not read its answers: the origin is not allowed.
    Cors,
    /// Nothing answered.
    Unreachable,
    /// Reached, but answered with another error.
    Other(String),
}

/// Tests a base URL: the event-types call, then on a network failure an opaque `no-cors`
/// request to tell "not running" from "refuses this origin".
pub async fn probe(client: Client, signal: &web_sys::AbortSignal) -> Probe {
    let base = client.base.clone();
    match client.event_types(Some(signal)).await {
        Ok(t) => Probe::Ok(t.event_types.len()),
        Err(ApiError::Http { status: 401, .. }) => Probe::Rejected,
        Err(ApiError::Unreachable { .. }) => {
            let init = web_sys::RequestInit::new();
            init.set_mode(web_sys::RequestMode::NoCors);
            init.set_signal(Some(signal));
            let Some(window) = web_sys::window() else {
                return Probe::Unreachable;
            };
            let url = format!("{base}/healthz");
            let promise = window.fetch_with_str_and_init(&url, &init);
            match wasm_bindgen_futures::JsFuture::from(promise).await {
                Ok(_) => Probe::Cors,
                Err(_) => Probe::Unreachable,
            }
        }
        Err(e) => Probe::Other(e.to_string()),
    }
}

/// The Settings page.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let prefs = expect_context::<crate::prefs::Prefs>();
    crate::browser::set_title("Settings");
    let draft = RwSignal::new(session.api_base());
    let result = RwSignal::new(None::<Probe>);
    let testing = RwSignal::new(false);
    let saved = RwSignal::new(false);
    let invalid = RwSignal::new(None::<String>);
    // The typed URL, checked; a bad one is explained under the field and goes nowhere.
    let checked = move || {
        let r = crate::session::parse_api_base(&draft.get_untracked());
        invalid.set(r.as_ref().err().map(|e| e.0.clone()));
        r.ok()
    };

    let test = move |_| {
        let Some(base) = checked() else {
            result.set(None);
            return;
        };
        testing.set(true);
        result.set(None);
        let client = session.client_to(
            base,
            session.credentials.get_untracked().unwrap_or_default(),
        );
        spawn_for_view(|signal| async move {
            let r = probe(client, &signal).await;
            testing.set(false);
            result.set(Some(r));
        });
    };
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    let origin_for_msg = origin.clone();
    let message = move || {
        result.get().map(|r| match r {
            Probe::Ok(n) => format!("OK: the proxy answered and the credentials work ({n} event types)."),
            Probe::Rejected => "The proxy answered, but the credentials were rejected (or you are not signed in).".to_string(),
            Probe::Cors => format!("The proxy is running but refuses this page's origin ({origin_for_msg}). Start it with --allow-origin {origin_for_msg}."),
            Probe::Unreachable => "Nothing answered at that URL. Is the proxy running, and is the URL right?".to_string(),
            Probe::Other(e) => e,
        })
    };

    // The zones to choose from: the browser's list, with the one in use even if it lacks it.
    let zones = {
        let mut list = crate::browser::time_zones();
        if let crate::prefs::Zone::Named(n) = prefs.zone.get_untracked() {
            if !list.iter().any(|z| z == n.name()) {
                list.push(n.to_string());
            }
        }
        list
    };
    view! {
        <section class="settings card">
            <h1>"Settings"</h1>
            <form on:submit=move |ev| {
                ev.prevent_default();
                if let Some(base) = checked() {
                    draft.set(base.clone());
                    session.set_override(Some(base));
                    saved.set(true);
                }
            }>
                <label for="api-base">"API base URL (the proxy)"</label>
                <input id="api-base" data-testid=testid::API_BASE type="text" inputmode="url" spellcheck="false"
                    autocomplete="url" aria-describedby="api-base-error"
                    aria-invalid=move || invalid.with(Option::is_some).to_string()
                    prop:value=move || draft.get()
                    on:input=move |ev| { draft.set(event_target_value(&ev)); saved.set(false); invalid.set(None); }/>
                <p id="api-base-error" class="error small" role="alert" data-testid=testid::API_BASE_ERROR>{move || invalid.get()}</p>
                <p class="muted small">
                    "From config.json: " <code data-testid=testid::CONFIG_BASE>{move || session.config_base.get()}</code>
                    ". A value saved here overrides it in this browser."
                </p>
                <div class="actions">
                    <button type="submit" class="primary" data-testid=testid::SAVE_SETTINGS>"Save"</button>
                    <button type="button" data-testid=testid::TEST_CONNECTION on:click=test disabled=move || testing.get()>
                        {move || if testing.get() { "Testing…" } else { "Test connection" }}
                    </button>
                    <button type="button" data-testid=testid::USE_CONFIG on:click=move |_| {
                        session.set_override(None);
                        draft.set(session.config_base.get_untracked());
                        saved.set(true);
                    }>"Use config.json"</button>
                </div>
                <Show when=move || saved.get()><p role="status" data-testid=testid::SAVED>"Saved."</p></Show>
                <p role="status" data-testid=testid::CONNECTION_RESULT>{message}</p>
            </form>
            <p class="muted small">"This page's origin is " <code>{origin}</code> "; the proxy must allow it (--allow-origin)."</p>
            <h2>"Time zone"</h2>
            <label for="zone-name">"Show, type and read times in"</label>
            // UTC, the browser's zone, or any IANA zone the browser knows (its Intl; no zone data
            // in the app).
            <select id="zone-name" data-testid=testid::ZONE_NAME
                prop:value=move || prefs.zone.with(|z| z.key().to_string())
                on:change=move |ev| prefs.set_zone(crate::prefs::Zone::from_key(&event_target_value(&ev)))>
                <option value="utc">"UTC"</option>
                <option value="local">"The browser's local time"</option>
                {zones.into_iter().map(|z| view! { <option value=z.clone()>{z.clone()}</option> }).collect_view()}
            </select>
            <p class="muted small" data-testid=testid::ZONE_LABEL>{move || prefs.zone_label()}</p>
            <LocalCopySettings/>
            <SavedViewsSettings/>
        </section>
    }
}

/// Whether the local copy is kept on this device, how much is kept, and deleting it.
#[component]
fn LocalCopySettings() -> impl IntoView {
    let session = expect_context::<Session>();
    let kept = RwSignal::new(None::<String>);
    // What is kept is measured when the page opens and whenever a save or delete has ended
    // (committed or failed), never while one runs.
    Effect::new(move |_| {
        let ended = session.copy.on_device.get();
        if ended == OnDevice::Writing {
            return;
        }
        spawn_for_view(move |_| async move {
            let size = match crate::kept::size().await {
                Ok((0, _)) => "Nothing is kept on this device.".to_string(),
                Ok((n, bytes)) => format!(
                    "Kept on this device: {} for {} {}.",
                    crate::pages::bytes(bytes),
                    n,
                    if n == 1 { "account" } else { "accounts" }
                ),
                Err(e) => format!("What is kept could not be read: {e}."),
            };
            kept.set(Some(match ended {
                OnDevice::Failed(e) => {
                    format!("The last change could not be kept on this device: {e}. {size}")
                }
                _ => size,
            }));
        });
    });
    view! {
        <h2>"Local copy"</h2>
        <p class="muted small">
            "The events of the range in view are read once into this tab, and every view inside that range is answered from them. "
            "Kept on this device, they also survive a reload or a visit tomorrow: only newer events are then asked for. "
            "They are stored in this browser's IndexedDB under the API key, never with the secret, and Sign out deletes them."
        </p>
        <label class="check">
            <input type="checkbox" data-testid=testid::KEEP_COPY prop:checked=move || session.copy.keep.get()
                on:change=move |ev| {
                    session.set_keep_copy(event_target_checked(&ev));
                }/>
            "Keep a local copy of the events on this device"
        </label>
        <p role="status" class="small" data-testid=testid::KEPT_SIZE>{move || kept.get()}</p>
        <button type="button" data-testid=testid::KEPT_DELETE on:click=move |_| session.copy.forget()>"Delete what is kept on this device"</button>
    }
}

/// How many saved views this browser keeps, and deleting them all. (Sign out keeps them: they
/// are the person's own; the recent queries go with sign-out.)
#[component]
fn SavedViewsSettings() -> impl IntoView {
    let count = RwSignal::new(crate::saved::load_views().len());
    let said = move || match count.get() {
        0 => "No saved views are kept in this browser.".to_string(),
        1 => "1 saved view is kept in this browser's local storage.".to_string(),
        n => format!("{n} saved views are kept in this browser's local storage."),
    };
    view! {
        <h2>"Saved views"</h2>
        <p role="status" class="small" data-testid=testid::SAVED_VIEWS_COUNT>{said}</p>
        <button type="button" data-testid=testid::SAVED_VIEWS_DELETE
            prop:disabled=move || count.get() == 0
            on:click=move |_| {
                crate::browser::remove(crate::browser::Store::Local, crate::saved::VIEWS_KEY);
                count.set(0);
            }>"Delete all saved views"</button>
    }
}
