//! The archive's alerts: its watch's hits (Sigma rules run on every new event), newest first,
//! each with its rule, level and the events behind it. Only an archive has them; against the
//! plain API the page says so.

use std::sync::Arc;

use audit_model::archive::{About, Alert, ANSWERS_ALERTS};
use audit_model::EventQuery;
use leptos::prelude::*;
use leptos_router::components::A;
use ui_names::testid;

use crate::components::error::ErrorBanner;
use crate::routes::paths::{event_path, list_href};
use crate::session::Session;

/// Alerts in one view.
const SHOWN: u32 = 200;

/// What the page shows: the server's announcement and its alerts, or nothing to show.
#[derive(Clone)]
enum Shown {
    /// The server is the plain API, or an archive without a watch.
    NoWatch,
    /// The archive's rules and its alerts, newest first.
    Alerts(Arc<About>, Vec<Alert>),
}

/// An alert's delivery to the team's webhook, said so that it reads alone (on a phone the
/// column has no heading).
fn delivery(state: &str) -> &'static str {
    match state {
        "delivered" => "delivered to the webhook",
        "pending" => "webhook delivery pending",
        "dead" => "webhook delivery failed (gave up)",
        _ => "not sent (no webhook)",
    }
}

/// The list of an alert's events, through the `id:` qualifier.
pub fn alert_list_href(alert: &Alert) -> String {
    list_href(&EventQuery {
        filter: Some(alert.events_filter()),
        ..Default::default()
    })
}

/// The Alerts page.
#[component]
pub fn AlertsPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let prefs = expect_context::<crate::prefs::Prefs>();
    crate::browser::set_title("Alerts");
    let loaded = crate::load::load_screen(
        move || session.client(),
        move |client: crate::api::Client, signal| async move {
            match session.archive.known(&client).await {
                Some(about) if about.answers(ANSWERS_ALERTS) => {
                    let alerts = client.alerts(SHOWN, Some(&signal)).await?;
                    Ok(Shown::Alerts(about, alerts))
                }
                _ => Ok(Shown::NoWatch),
            }
        },
        None,
        |_| {},
    );
    let (loading, error) = (loaded.loading, loaded.error);
    let when = move |at: &str| match audit_model::time::parse_api_timestamp(at) {
        Ok(t) => prefs.shown_at(t),
        Err(_) => at.to_string(),
    };
    let table = move |alerts: Vec<Alert>| {
        let rows = alerts
            .into_iter()
            .map(|a| {
                let n = a.events.len();
                let list = alert_list_href(&a);
                let last = a.events.last().map(|id| event_path(id));
                let (level, level_attr) = (a.level.clone(), a.level.clone());
                view! {
                    <tr data-testid=testid::ALERT_ROW data-rule=a.rule.clone()>
                        <td class="nowrap">{when(&a.at)}</td>
                        <td><span class="level" data-level=level_attr>{level}</span></td>
                        <td>{a.title.clone()}</td>
                        <td class="nowrap">
                            <a href=crate::browser::app_href(&list) data-testid=testid::ALERT_EVENTS>
                                {if n == 1 { "1 event".to_string() } else { format!("{n} events") }}
                            </a>
                            {last.map(|href| view! { " · " <A href=crate::browser::app_href(&href)>{if n == 1 { "open" } else { "open the latest" }}</A> })}
                        </td>
                        <td class="small">{delivery(&a.delivery)}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="scroll-x"><table class="events" data-testid=testid::ALERTS_TABLE>
                <caption class="sr-only">"Alerts, newest first"</caption>
                <thead><tr>
                    <th scope="col">{move || format!("When ({})", prefs.zone_label())}</th><th scope="col">"Level"</th><th scope="col">"Rule"</th>
                    <th scope="col">"Events"</th><th scope="col">"Delivery"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table></div>
        }
    };
    view! {
        <section class="alerts">
            <h1 id="alerts-heading" tabindex="-1">"Alerts"</h1>
            <ErrorBanner error=error on_retry=loaded.on_retry()/>
            {move || match (loading.get(), loaded.value.get()) {
                (true, None) => view! { <p class="muted" role="status">"Reading the alerts…"</p> }.into_any(),
                (_, Some(Shown::NoWatch)) => view! {
                    <p data-testid=testid::ALERTS_NONE>"Alerts come from an archive's watch: "
                        <code>"audit-archive --rules DIR"</code>
                        " runs Sigma rules on every new event and keeps their hits. This account's server has no watch, so there are none to show; the "
                        <A href=crate::browser::app_href(crate::routes::paths::SECURITY)>"security overview"</A>
                        " finds the same patterns in the range you choose."</p>
                }.into_any(),
                (_, Some(Shown::Alerts(about, alerts))) => {
                    let rules = about.rules.len();
                    let summary = if alerts.is_empty() {
                        format!("No rule has fired. The watch runs {rules} rules on every new event.")
                    } else {
                        format!("{} alerts, newest first, from {rules} rules run on every new event.", crate::pages::thousands(alerts.len() as u64))
                    };
                    let rule_items = about.rules.iter().map(|r| view! {
                        <li>{r.title.clone()} " " <span class="level" data-level=r.level.clone()>{r.level.clone()}</span></li>
                    }).collect_view();
                    view! {
                        <p role="status" data-testid=testid::ALERTS_SUMMARY>{summary}</p>
                        {(!alerts.is_empty()).then(|| table(alerts))}
                        <details class="card">
                            <summary>{format!("The rules ({rules})")}</summary>
                            <ul>{rule_items}</ul>
                        </details>
                    }.into_any()
                }
                (false, None) => ().into_any(),
            }}
        </section>
    }
}
