//! The events table: one row per event, every value rendered as text.

use std::collections::HashMap;

use audit_model::time::format_display;
use audit_model::AuditEvent;
use leptos::prelude::*;

use crate::session::Session;

/// The paged events table.
#[component]
pub fn EventsTable(
    /// Rows to show.
    #[prop(into)]
    rows: Signal<Vec<AuditEvent>>,
    /// Event-type descriptions from the event-types call.
    #[prop(into)]
    descriptions: Signal<HashMap<String, String>>,
    /// Dims the rows while a newer page loads.
    #[prop(into)]
    stale: Signal<bool>,
    /// Opens an event by id.
    on_open: Callback<String>,
    /// Ids of rows to highlight as new (live tail).
    #[prop(into, optional)]
    highlight: Signal<std::collections::HashSet<String>>,
) -> impl IntoView {
    let session = expect_context::<Session>();
    view! {
        <div class="table-wrap" class:stale=move || stale.get() aria-busy=move || stale.get().to_string()>
            <table class="events" data-testid="events-table">
                <caption class="sr-only">"Audit events, newest first. Press Enter on a row to open it."</caption>
                <thead>
                    <tr>
                        <th scope="col">"Time"</th>
                        <th scope="col">"Event type"</th>
                        <th scope="col">"User"</th>
                        <th scope="col">"Source"</th>
                        <th scope="col">"IP"</th>
                        <th scope="col">"Country"</th>
                        <th scope="col">"Details"</th>
                    </tr>
                </thead>
                <tbody>
                    // Rows are plain text once built; a zone switch or the descriptions arriving
                    // rebuilds them, which keeps a page switch to building 100 static rows.
                    {move || {
                    let utc = session.utc.get();
                    let descriptions = descriptions.get();
                    view! {
                    <For each=move || rows.get() key=|e| e.id.clone() let:ev>
                        {
                            let id = ev.id.clone();
                            let open_id = id.clone();
                            let key_id = id.clone();
                            let ts = ev.timestamp();
                            let raw_time = ev.created_at.clone();
                            let time = match ts {
                                Some(t) => format_display(t, if utc { 0 } else { crate::util::local_offset_minutes(t) }),
                                None => raw_time,
                            };
                            let ty = ev.event_type.clone();
                            let ty_title = {
                                let ty = ty.clone();
                                descriptions
                                    .get(&ty)
                                    .cloned()
                                    .or_else(|| ev.event_type_description.clone())
                                    .or_else(|| audit_model::catalog::describe(&ty).map(str::to_string))
                                    .unwrap_or_else(|| "Event type not in the API's list".to_string())
                            };
                            let user_id = ev.user_id.as_ref().map(ToString::to_string).unwrap_or_default();
                            let source = ev.source_description.clone().or(ev.source.clone()).unwrap_or_default();
                            let source_code = ev.source.clone().unwrap_or_default();
                            let summary = ev.context_summary(140);
                            view! {
                                <tr tabindex="0" data-testid="event-row" data-id=id.clone()
                                    class:new={ let id = id.clone(); move || highlight.with(|h| h.contains(&id)) }
                                    on:click=move |_| on_open.run(open_id.clone())
                                    on:keydown=move |e| if e.key() == "Enter" { on_open.run(key_id.clone()) }>
                                    <td class="nowrap" data-testid="cell-time">{time}</td>
                                    <td data-testid="cell-type" title=ty_title><span class="type-name">{ty}</span></td>
                                    <td data-testid="cell-user">
                                        <div>{ev.user_email.clone().unwrap_or_default()}</div>
                                        <div class="muted small">{user_id}</div>
                                    </td>
                                    <td data-testid="cell-source" title=source_code>{source}</td>
                                    <td class="nowrap" data-testid="cell-ip">{ev.source_ip.clone().unwrap_or_default()}</td>
                                    <td data-testid="cell-country">{ev.source_country.clone().unwrap_or_default()}</td>
                                    <td class="summary" data-testid="cell-summary">{summary}</td>
                                </tr>
                            }
                        }
                    </For>
                    }
                    }}
                </tbody>
            </table>
        </div>
    }
}
