//! Audit Events Viewer: a Leptos client-side app for the Vonage Audit API.
//!
//! - [`api`]: the typed client (the only code that builds API URLs);
//! - [`early`]: the first view's requests, sent by boot.js before the app has started;
//! - [`session`]: configuration, credentials and display settings, as context;
//! - [`load`]: the one way screens load data (a newer question always wins);
//! - [`workspace`]: the local copy of the range in view, which answers every view inside it;
//! - [`pages`]: page arithmetic and counts; [`date_range`]: presets and date inputs (plain tests);
//! - [`browser`]: browser helpers (storage, focus, title, timers);
//! - [`routes`]: one page per file; [`components`]: the pieces pages share.

pub mod api;
pub mod archive;
pub mod browser;
pub mod components;
pub mod date_range;
pub mod early;
pub mod export;
pub mod field;
pub mod insight;
pub mod instrument;
pub mod kept;
pub mod live;
pub mod load;
pub mod memory;
pub mod pages;
pub mod prefs;
pub mod routes;
pub mod saved;
pub mod session;
pub mod source;
pub mod workspace;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;
use ui_names::testid;

use routes::detail::DetailPage;
use routes::events::EventsPage;
use routes::settings::SettingsPage;
use routes::signin::RequireSignIn;
use session::{load_config, resolve_config_base, Session};

/// The whole app: loads config.json, then routes.
#[component]
pub fn App() -> impl IntoView {
    instrument::start();
    let session = Session::restore();
    provide_context(session);
    let prefs = prefs::Prefs::restore();
    provide_context(prefs);
    let memory = memory::ListMemory::new();
    provide_context(memory);
    let ready = RwSignal::new(false);
    let config_error = RwSignal::new(None::<session::ConfigError>);
    spawn_local(async move {
        match load_config().await {
            Ok(cfg) => {
                if let Some(secs) = cfg.request_timeout_secs.filter(|s| *s > 0) {
                    session
                        .request_timeout_ms
                        .set_value(secs.saturating_mul(1000));
                }
                if let Some(max) = cfg.local_max_events {
                    session.copy.max_events.set_value(max);
                }
                if let Some(base) = cfg.api_base_url.filter(|b| !b.trim().is_empty()) {
                    session.config_base.set(resolve_config_base(&base));
                }
            }
            Err(e) => config_error.set(Some(e)),
        }
        // The page's own first paint gives way to the app's views now: what was typed into
        // its sign-in form is taken over by the app's.
        session.typed_early.set_value(browser::boot_sign_in());
        browser::remove_boot();
        ready.set(true);
    });
    let base = browser::base_path();
    browser::install_dropdown_behaviour();
    // The theme is an attribute on <html>, so CSS's light-dark() follows it.
    Effect::new(move |_| {
        let theme = prefs.theme.get();
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = if theme == prefs::Theme::System {
                root.remove_attribute("data-theme")
            } else {
                root.set_attribute("data-theme", theme.key())
            };
        }
    });

    view! {
        <Router base=base>
            <header class="topbar">
                <A href=crate::browser::app_href("/") attr:class="brand">"Audit Events Viewer"</A>
                <nav aria-label="Main">
                    <EventsLink/>
                    <A href=crate::browser::app_href(crate::routes::paths::SECURITY)>"Security overview"</A>
                    <AlertsLink/>
                    <A href=crate::browser::app_href(crate::routes::paths::SETTINGS)>"Settings"</A>
                    <label class="inline small">"Theme"
                        <select data-testid=testid::THEME prop:value=move || prefs.theme.get().key()
                            on:change=move |ev| prefs.set_theme(prefs::Theme::from_key(&event_target_value(&ev)))>
                            {prefs::Theme::ALL.map(|t| view! { <option value=t.key()>{t.label()}</option> })}
                        </select>
                    </label>
                    <Show when=move || session.credentials.with(Option::is_some)>
                        <span class="account" data-testid=testid::ACCOUNT>
                            "Account " {move || session.credentials.get().map(|c| c.key).unwrap_or_default()}
                        </span>
                        {move || session.archive.about().map(|a| view! {
                            <span class="account small" data-testid=testid::SOURCE_NAME
                                title="This account is read from an archive (audit-archive), which keeps its whole history">
                                {archive_name(&a)}
                            </span>
                        })}
                        <button type="button" class="link" data-testid=testid::SIGN_OUT on:click=move |_| { memory.forget(); session.sign_out() }>
                            "Sign out"
                        </button>
                    </Show>
                </nav>
            </header>
            <Show when=move || config_error.get().is_some()>
                <p class="banner warn" role="status">
                    {move || config_error.get().map(|e| e.to_string()).unwrap_or_default()}
                    " Using " {move || session.api_base()} "; change it in Settings."
                </p>
            </Show>
            <main id="main">
                <components::open_file::OfflineBanner/>
                <Show when=move || ready.get() fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    <Routes fallback=|| view! { <p>"This page does not exist. " <A href=crate::browser::app_href("/")>"Go to the events"</A></p> }>
                        <Route path=path!("/") view=|| view! { <RequireSignIn><EventsPage/></RequireSignIn> }/>
                        <Route path=path!("/events/:id") view=|| view! { <RequireSignIn><DetailPage/></RequireSignIn> }/>
                        <Route path=path!("/settings") view=SettingsPage/>
                        <Route path=path!("/alerts") view=|| view! { <RequireSignIn><routes::alerts::AlertsPage/></RequireSignIn> }/>
                        <Route path=path!("/security") view=|| view! { <RequireSignIn><routes::security::SecurityPage/></RequireSignIn> }/>
                    </Routes>
                </Show>
            </main>
        </Router>
    }
}

/// The main navigation's link to the Alerts view, shown while the account's server is an archive
/// with a watch; marked current there.
#[component]
fn AlertsLink() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let session = expect_context::<Session>();
    let base = browser::base_path();
    let current = Memo::new(move |_| {
        location.pathname.with(|p| {
            routes::paths::Page::of(p.strip_prefix(base.as_str()).unwrap_or(p))
                == routes::paths::Page::Alerts
        })
    });
    view! {
        <Show when=move || session.archive.about().is_some_and(|a| a.answers(audit_model::archive::ANSWERS_ALERTS))>
            <a href=browser::app_href(routes::paths::ALERTS) data-testid=testid::NAV_ALERTS
                aria-current=move || current.get().then_some("page")>"Alerts"</a>
        </Show>
    }
}

/// How an archive names itself in the top bar: "Archive, 2,104,220 events since 2024-03-02".
pub fn archive_name(about: &audit_model::archive::About) -> String {
    let events = crate::pages::thousands(about.events);
    match about.oldest.as_deref().and_then(|t| t.get(..10)) {
        Some(day) => format!("Archive, {events} events since {day}"),
        None => format!("Archive, {events} events"),
    }
}

/// The main navigation's link to the events: back to the list as it was last shown (its filters,
/// page and size), as an investigator coming back from the security overview or settings
/// expects, and marked current on the list and on an event opened from it. The brand link and
/// the filters' Reset start afresh.
#[component]
fn EventsLink() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let session = expect_context::<Session>();
    let base = browser::base_path();
    // Which page the route shows.
    let page = {
        let base = base.clone();
        move || {
            location
                .pathname
                .with(|p| routes::paths::Page::of(p.strip_prefix(base.as_str()).unwrap_or(p)))
        }
    };
    let current = {
        let page = page.clone();
        Memo::new(move |_| {
            matches!(
                page(),
                routes::paths::Page::List | routes::paths::Page::Event
            )
        })
    };
    // The list's query: the one in view on the list, the one an event was opened from (its URL
    // carries it), else the last one seen; none after signing out.
    let list = Memo::new(move |last: Option<&String>| {
        if session.credentials.with(Option::is_none) {
            return "/".to_string();
        }
        if current.get() {
            let search = location.search.get();
            let q = search.trim_start_matches('?');
            if page() == routes::paths::Page::Event && q.is_empty() {
                return last.cloned().unwrap_or_else(|| "/".into());
            }
            return if q.is_empty() {
                "/".into()
            } else {
                format!("/?{q}")
            };
        }
        last.cloned().unwrap_or_else(|| "/".into())
    });
    view! {
        <a href=move || browser::app_href(&list.get()) data-testid=testid::NAV_EVENTS
            aria-current=move || current.get().then_some("page")>"Events"</a>
    }
}
