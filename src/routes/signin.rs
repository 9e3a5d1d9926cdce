//! Sign-in: API key and secret. The view behind the form loads with them at once, and its first
//! answer is their check (one round trip to the first table); with *Keep a local copy* ticked
//! they are checked first, since the copy kept on this device must not be shown before.

use leptos::prelude::*;
use ui_names::testid;

use crate::api::Credentials;
use crate::session::Session;

/// Shows its children when signed in, the sign-in form otherwise. The URL does not change, so
/// after signing in (again) the same view appears.
#[component]
pub fn RequireSignIn(children: ChildrenFn) -> impl IntoView {
    let session = expect_context::<Session>();
    view! {
        <Show
            when=move || session.credentials.with(Option::is_some) || session.offline.with(Option::is_some)
            fallback=|| view! { <SignIn/> }
        >
            {children()}
        </Show>
    }
}

/// The sign-in form.
#[component]
pub fn SignIn() -> impl IntoView {
    let session = expect_context::<Session>();
    crate::browser::set_title("Sign in");
    // After a refused sign-in: what was typed (never the secret), and why.
    let refused = session.refused.get_untracked();
    // What was typed into the page's own form before the app started.
    let typed_early = session.typed_early.try_update_value(Option::take).flatten();
    let keep_typed = typed_early.as_ref().map(|b| b.keep);
    let boot = typed_early.unwrap_or_default();
    let key = RwSignal::new(refused.as_ref().map(|r| r.key.clone()).unwrap_or(boot.key));
    let secret = RwSignal::new(match &refused {
        Some(r) => r.secret.clone().unwrap_or_default(),
        None => boot.secret,
    });
    let show_secret = RwSignal::new(false);
    let remember = RwSignal::new(refused.as_ref().map_or(boot.remember, |r| r.remember));
    // Events read are kept in IndexedDB (never the secret) so a later visit asks only for
    // what is new; the choice is remembered.
    let keep = RwSignal::new(keep_typed.unwrap_or_else(|| session.copy.keep.get_untracked()));
    let busy = RwSignal::new(false);
    // Back from a refused sign-in, focus goes where the person continues: the secret when it
    // was refused, else the button that tries again.
    if let Some(r) = &refused {
        let target = if r.secret.is_none() {
            "api-secret"
        } else {
            "sign-in-submit"
        };
        request_animation_frame(move || crate::browser::focus(target));
    }
    let error = RwSignal::new(refused.map(|r| r.message));

    // Signs in with the fields' credentials.
    let attempt = move || {
        let credentials = Credentials {
            key: key.get_untracked().trim().to_string(),
            secret: secret.get_untracked(),
        };
        if credentials.key.is_empty() || credentials.secret.is_empty() {
            error.set(Some("Enter both the API key and the API secret.".into()));
            return;
        }
        error.set(None);
        if !keep.get_untracked() {
            if session.copy.keep.get_untracked() {
                session.set_keep_copy(false);
            }
            session.sign_in_unconfirmed(credentials, remember.get_untracked());
            return;
        }
        let client = session.client_to(session.api_base(), credentials.clone());
        busy.set(true);
        crate::load::spawn_for_view(|signal| async move {
            let result = client.event_types(Some(&signal)).await;
            busy.set(false);
            match result {
                Ok(_) => {
                    session.set_keep_copy(true);
                    session.sign_in(credentials, remember.get_untracked())
                }
                Err(e) => {
                    if e.needs_sign_in() {
                        secret.set(String::new());
                    }
                    error.set(Some(e.sign_in_message()));
                }
            }
        });
    };
    // For the benchmarks: the app's own form is on screen.
    crate::instrument::mark_once("audit:app-sign-in");
    // Sent before the app started: signed in now; else typing goes on where it was.
    if boot.submitted {
        request_animation_frame(attempt);
    } else if let Some((id, start, end)) = boot.focus {
        request_animation_frame(move || crate::browser::focus_at(id, start, end));
    }
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        attempt();
    };

    view! {
        <section class="signin card" aria-labelledby="signin-title">
            <h1 id="signin-title">"Sign in"</h1>
            <Show when=move || session.notice.get().is_some()>
                <p class="banner warn" role="status" data-testid=testid::SIGNIN_NOTICE>{move || session.notice.get()}</p>
            </Show>
            <form on:submit=submit data-testid=testid::SIGNIN_FORM>
                <label for="api-key">"API key"</label>
                <input id="api-key" name="api-key" data-testid=testid::API_KEY autocomplete="username" spellcheck="false"
                    prop:value=move || key.get() on:input=move |ev| key.set(event_target_value(&ev))/>
                <label for="api-secret">"API secret"</label>
                <div class="row">
                    <input id="api-secret" name="api-secret" data-testid=testid::API_SECRET autocomplete="current-password"
                        spellcheck="false"
                        type=move || if show_secret.get() { "text" } else { "password" }
                        prop:value=move || secret.get() on:input=move |ev| secret.set(event_target_value(&ev))/>
                    <button type="button" data-testid=testid::TOGGLE_SECRET aria-controls="api-secret"
                        aria-pressed=move || show_secret.get().to_string()
                        on:click=move |_| show_secret.update(|s| *s = !*s)>
                        {move || if show_secret.get() { "Hide" } else { "Show" }}
                    </button>
                </div>
                <label class="check">
                    <input type="checkbox" data-testid=testid::REMEMBER prop:checked=move || remember.get()
                        on:change=move |ev| remember.set(event_target_checked(&ev))/>
                    "Remember on this device"
                </label>
                <label class="check">
                    <input type="checkbox" data-testid=testid::KEEP_COPY prop:checked=move || keep.get()
                        on:change=move |ev| keep.set(event_target_checked(&ev))/>
                    "Keep a local copy of the events on this device"
                </label>
                <Show when=move || remember.get()>
                    <p class="warn small" data-testid=testid::REMEMBER_WARNING>
                        "The key and secret will be stored in this browser's local storage, readable by anyone who uses this browser profile, until you sign out. Do this only on a device you alone use."
                    </p>
                </Show>
                <Show when=move || error.get().is_some()>
                    <p class="error" role="alert" data-testid=testid::SIGNIN_ERROR>{move || error.get()}</p>
                </Show>
                <div class="actions">
                    <button type="submit" id="sign-in-submit" class="primary" data-testid=testid::SIGN_IN disabled=move || busy.get()>
                        {move || if busy.get() { "Checking…" } else { "Sign in" }}
                    </button>
                    // The demo account's credentials (audit-proxy --demo), signed in at once.
                    <button type="button" data-testid=testid::TRY_DEMO disabled=move || busy.get() on:click=move |_| {
                        key.set("demo".into());
                        secret.set("demo".into());
                        attempt();
                    }>"Try the demo"</button>
                </div>
            </form>
            <aside class="note">
                <h2>"Or open an export"</h2>
                <p>"An export from this viewer (JSON Lines), a JSON array of events or a saved API answer opens here, without network or credentials."</p>
                <crate::components::open_file::OpenFile/>
            </aside>
            <aside class="note" data-testid=testid::CREDENTIALS_NOTE>
                <h2>"Where your credentials go"</h2>
                <p>
                    "The key and secret are sent only to the configured proxy, "
                    <code data-testid=testid::PROXY_URL>{move || session.api_base()}</code>
                    ", in the Authorization header of each request. That proxy sees them and passes them to the Vonage API. Run your own proxy (audit-proxy) rather than trusting someone else's, and use a dedicated API secret that you can revoke."
                </p>
                <p>"They are kept for this browser tab only unless you choose to remember them, and never put in a URL."</p>
            </aside>
        </section>
    }
}
