//! The local copy's status line: how much of the range is read, what it holds and as of when,
//! and the two actions it offers (check for new events, try a failed read again).

use audit_model::EventQuery;
use leptos::prelude::*;
use ui_names::testid;

use crate::pages::thousands;
use crate::session::Session;
use crate::workspace::{OnDevice, Status};

/// The line under the filters.
#[component]
pub fn LocalCopy(
    /// The filters (page 1): the range the copy is for.
    filters: Memo<EventQuery>,
) -> impl IntoView {
    let session = expect_context::<Session>();
    let prefs = expect_context::<crate::prefs::Prefs>();
    let checking = RwSignal::new(false);
    let note = RwSignal::new(None::<String>);
    let check = move |_| {
        let Some(client) = session.client_untracked() else {
            return;
        };
        checking.set(true);
        note.set(None);
        crate::load::spawn_for_view(|signal| async move {
            let result = session.copy.sync(&client, &signal).await;
            checking.set(false);
            note.set(Some(match result {
                Ok(0) => "No new events.".to_string(),
                Ok(1) => "1 new event.".to_string(),
                Ok(n) => format!("{} new events.", thousands(n as u64)),
                Err(e) => format!("Could not check for new events: {e}"),
            }));
        });
    };
    let retry = move |_| {
        if let Some(client) = session.client_untracked() {
            session.copy.retry(client, &filters.get_untracked());
        }
    };
    let as_of = move || session.copy.as_of.get().map(|t| prefs.shown_at(t));
    let open_ended = move || filters.with(|q| q.date_to.is_none());
    view! {
        // Screen readers hear the state change, not each progress step.
        <p class="sr-only" role="status">{move || session.copy.status.with(|s| match s {
            Status::Idle => "",
            Status::Opening => "Opening the copy kept on this device.",
            Status::Reading { .. } => "Reading the range into this tab.",
            Status::Ready { .. } => "The range is held in this tab.",
            Status::TooMany { .. } => "The range is too large to hold in this tab; views ask the API.",
            Status::Failed(_) => "The range could not be read into this tab.",
        })}</p>
        <div class="local-copy small" data-testid=testid::LOCAL_COPY
            data-state=move || session.copy.status.with(|s| match s {
                Status::Idle => "idle",
                Status::Opening => "opening",
                Status::Reading { .. } => "reading",
                Status::Ready { .. } => "ready",
                Status::TooMany { .. } => "too-many",
                Status::Failed(_) => "failed",
            })>
            {move || match session.copy.status.get() {
                Status::Idle => ().into_any(),
                Status::Opening => view! {
                    <span class="muted">"Opening the copy kept on this device…"</span>
                }.into_any(),
                Status::Reading { held, total } => view! {
                    <span class="muted">{format!(
                        "Reading this range into the tab: {} of {} events…",
                        thousands(held), thousands(total),
                    )}</span>
                    <progress max=total.max(1).to_string() value=held.to_string()
                        aria-label="Events read into this tab"></progress>
                }.into_any(),
                Status::Ready { events } => view! {
                    <span class="muted">{format!(
                        "{} {} of this range held in this tab{}: views are answered without asking the API.",
                        thousands(events),
                        if events == 1 { "event" } else { "events" },
                        as_of().map(|t| format!(", as of {t}")).unwrap_or_default(),
                    )}</span>
                    <Show when=open_ended>
                        <button type="button" class="link" data-testid=testid::LOCAL_CHECK
                            prop:disabled=move || checking.get() on:click=check>
                            {move || if checking.get() { "Checking…" } else { "Check for new events" }}
                        </button>
                    </Show>
                    {move || note.get().map(|n| view! { <span role="status">{n}</span> })}
                    {move || match session.copy.on_device.get() {
                        OnDevice::Failed(e) if session.copy.keep.get() => Some(view! {
                            <span role="alert" data-testid=testid::KEPT_FAILED>{format!(
                                "Not kept on this device: {e}. This tab still holds the range."
                            )}</span>
                        }),
                        _ => None,
                    }}
                }.into_any(),
                Status::TooMany { total, max } => view! {
                    <span>{format!(
                        "This range holds {} events, more than the {} kept in this tab: each view asks the API. Narrow the dates to work locally.",
                        thousands(total), thousands(max),
                    )}</span>
                }.into_any(),
                Status::Failed(reason) => view! {
                    <span>{format!(
                        "The range could not be read into this tab: {}{} Views ask the API meanwhile.",
                        reason, if reason.ends_with('.') { "" } else { "." },
                    )}</span>
                    <button type="button" class="link" data-testid=testid::LOCAL_RETRY on:click=retry>"Try again"</button>
                }.into_any(),
            }}
        </div>
    }
}
