//! One event, fetched with the single-event call so the page can be reloaded and shared.

use audit_model::time::{format_display, format_offset};
use audit_model::{AuditEvent, EventQuery};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_navigate, use_params_map};
use ui_names::testid;

use crate::browser::copy_text;
use crate::components::error::ErrorBanner;
use crate::components::json_tree::JsonTree;
use crate::routes::paths::{event_path, list_href};
use crate::session::Session;

/// The event detail page.
#[component]
pub fn DetailPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let prefs = expect_context::<crate::prefs::Prefs>();
    let memory = expect_context::<crate::memory::ListMemory>();
    let params = use_params_map();
    let location = use_location();
    let navigate = use_navigate();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    // Fast j/k or link clicks: each new id aborts the read before it, whose answer is dropped.
    let loaded = crate::load::load_screen(
        move || Some((id.get(), session.source()?)),
        move |(id, source): (String, crate::source::Source), signal| async move {
            source.event(&id, Some(&signal)).await
        },
        None,
        // Move focus to the heading so keyboard and screen-reader users land on it.
        |_| request_animation_frame(|| crate::browser::focus("detail-heading")),
    );
    let error = loaded.error;
    // The event shown: none under an error (it would be another id's).
    let event = Signal::derive(move || {
        if error.with(Option::is_some) {
            None
        } else {
            loaded.value.get()
        }
    });
    let copied = RwSignal::new(None::<&'static str>);
    // The tab names the event: its type and time, or what went wrong.
    Effect::new(move |_| {
        let title = match (event.get(), error.get()) {
            (Some(ev), _) => {
                let when = prefs.shown_time(&ev);
                format!("{} at {when}", ev.event_type)
            }
            (None, Some(_)) => "Event not shown".to_string(),
            (None, None) => "Event".to_string(),
        };
        crate::browser::set_title(&title);
    });

    // The list this event was opened from travels in the query string.
    let back_href = move || {
        let q = EventQuery::parse_app(&location.search.get())
            .map(|(q, _)| q)
            .unwrap_or_default();
        list_href(&q)
    };
    let back = move || {
        let history = web_sys::window().and_then(|w| w.history().ok());
        match history {
            // Going back in history restores the list exactly, scroll position included.
            Some(h) if memory.take_opened_from_list() => {
                let _ = h.back();
            }
            _ => navigate(&back_href(), Default::default()),
        }
    };
    let back_click = back.clone();
    // Esc closes the detail view wherever the focus is.
    let esc = window_event_listener(leptos::ev::keydown, move |e| {
        if e.key() == "Escape" {
            back();
        }
    });
    on_cleanup(move || esc.remove());

    let copy = move |what: &'static str| {
        let Some(ev) = event.get_untracked() else {
            return;
        };
        let text = if what == "json" {
            serde_json::to_string_pretty(&ev).unwrap_or_default()
        } else {
            ev.id.clone()
        };
        crate::load::spawn_for_view(|_| async move {
            if copy_text(&text).await {
                copied.set(Some(if what == "json" {
                    "JSON copied"
                } else {
                    "ID copied"
                }));
            } else {
                copied.set(Some("Copying was refused by the browser"));
            }
        });
    };

    // What the held events (or an archive) say around this one, with the id of the event it
    // is about (shown only for that event); asked again when the copy completes or grows.
    let relatives = RwSignal::new(None::<(String, audit_model::related::Related)>);
    crate::load::load(
        move || {
            session.copy.status.with(std::mem::discriminant);
            session.copy.version.track();
            Some((event.get()?, session.source()?))
        },
        |(ev, source): (AuditEvent, crate::source::Source), signal| async move {
            let found = source.related(&ev, Some(&signal)).await.transpose()?;
            Ok(found.map(|r| (ev.id, r)))
        },
        || {},
        // Nothing around an event is worth a banner: what cannot be read is not shown.
        move |result| relatives.set(result.ok().flatten()),
    );
    let related = Memo::new(move |_| {
        let id = event.with(|e| e.as_ref().map(|e| e.id.clone()))?;
        relatives.with(|a| {
            a.as_ref()
                .filter(|(of, _)| *of == id)
                .map(|(_, r)| r.clone())
        })
    });
    // Links to other events keep the list they were opened from.
    let event_href = move |id: &str| match location.search.get_untracked() {
        search if search.is_empty() => event_path(id),
        search => format!("{}?{}", event_path(id), search.trim_start_matches('?')),
    };

    // What the list it was opened from looks for, highlighted in the fields and the context.
    let section = NodeRef::<leptos::html::Section>::new();
    Effect::new(move |_| {
        event.track();
        let marks = EventQuery::parse_app(&location.search.get())
            .map(|(q, _)| audit_model::marks::marks(&q))
            .unwrap_or_default();
        request_animation_frame(move || {
            if let Some(el) = section.get_untracked() {
                crate::browser::highlight(DETAIL_HIGHLIGHT, &el, &marks);
            }
        });
    });
    on_cleanup(|| {
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            crate::browser::highlight(DETAIL_HIGHLIGHT, &doc, &Default::default());
        }
    });

    let field = |label: &'static str, testid: &'static str, value: String| {
        view! { <dt>{label}</dt><dd data-testid=testid>{value}</dd> }
    };

    view! {
        <section class="detail" data-testid=testid::DETAIL node_ref=section>
            <div class="detail-head">
                <a href=move || crate::browser::app_href(&back_href()) class="back" data-testid=testid::BACK
                    on:click=move |e| { e.prevent_default(); back_click(); }>"← Back to the list"</a>
                <Show when=move || event.with(Option::is_some)>
                    <div class="actions">
                        <button type="button" data-testid=testid::COPY_JSON on:click=move |_| copy("json")>"Copy JSON"</button>
                        <button type="button" data-testid=testid::COPY_ID on:click=move |_| copy("id")>"Copy ID"</button>
                        <span role="status" class="muted small" data-testid=testid::COPIED>{move || copied.get()}</span>
                    </div>
                </Show>
            </div>
            <ErrorBanner error=error on_retry=loaded.on_retry()/>
            {move || event.get().map(|ev| {
                let ts = ev.timestamp();
                let time = match ts {
                    Some(t) => {
                        let off = prefs.offset_at(t);
                        format!("{} ({})", format_display(t, off), format_offset(off))
                    }
                    None => ev.created_at.clone(),
                };
                let description = ev.event_type_description.clone()
                    .or_else(|| audit_model::catalog::describe(&ev.event_type).map(str::to_string))
                    .unwrap_or_default();
                let ev_for_history = ev.clone();
                let extra = (!ev.extra.is_empty()).then(|| serde_json::to_value(&ev.extra).unwrap_or_default());
                view! {
                    <h1 id="detail-heading" tabindex="-1" data-testid=testid::DETAIL_TYPE>{ev.event_type.clone()}</h1>
                    <p class="muted" data-testid=testid::DETAIL_DESCRIPTION>{description}</p>
                    <crate::components::print::PrintStatement
                        what=Signal::stored(Some(crate::export::Printed::Event(ev.id.clone())))/>
                    // What else happened then: every type, 15 minutes either side.
                    // And the same user, address or resource at any time the copy holds.
                    <p class="pivots">
                        {ts.map(|t| view! {
                            <A href=crate::browser::app_href(&crate::routes::paths::list_href(&around(t))) attr:data-testid=testid::AROUND>
                                "Around this event (±15 minutes, every type)"
                            </A>
                        })}
                        {pivots(&ev).into_iter().map(|(label, id, q)| view! {
                            <A href=crate::browser::app_href(&crate::routes::paths::list_href(&q)) attr:data-testid=id>{label}</A>
                        }).collect_view()}
                    </p>
                    {move || related.with(|r| r.as_ref().map(|r| {
                        let step = |e: &Option<AuditEvent>, label: &'static str, id: &'static str| e.as_ref().map(|e| {
                            let when = prefs.shown_time(e);
                            view! {
                                <A href=crate::browser::app_href(&event_href(&e.id)) attr:data-testid=id>{label}</A>
                                <span class="muted small">{format!(" {} · {when}", e.event_type)}</span>
                            }
                        });
                        (r.previous.is_some() || r.next.is_some()).then(|| view! {
                            <p class="pivots">
                                <span>{step(&r.previous, "← Previous event of this user", testid::PREVIOUS_BY_USER)}</span>
                                <span>{step(&r.next, "Next event of this user →", testid::NEXT_BY_USER)}</span>
                            </p>
                        })
                    }))}
                    <dl class="fields card">
                        {field("Event ID", testid::DETAIL_ID, ev.id.clone())}
                        {field("Time", testid::DETAIL_TIME, time)}
                        {field("Recorded as", testid::DETAIL_CREATED_AT, ev.created_at.clone())}
                        {field("User email", testid::DETAIL_EMAIL, ev.user_email.clone().unwrap_or_default())}
                        {field("User ID", testid::DETAIL_USER_ID, ev.user_id.as_ref().map(ToString::to_string).unwrap_or_default())}
                        {field("Account (API key)", testid::DETAIL_ACCOUNT, ev.account_id.clone().unwrap_or_default())}
                        {field("Source", testid::DETAIL_SOURCE, format!("{} {}", ev.source.clone().unwrap_or_default(), ev.source_description.clone().map(|d| format!("({d})")).unwrap_or_default()))}
                        {field("Source IP", testid::DETAIL_IP, ev.source_ip.clone().unwrap_or_default())}
                        {field("Country", testid::DETAIL_COUNTRY, ev.source_country.clone().unwrap_or_default())}
                    </dl>
                    {changes_view(&ev)}
                    {move || related.with(|r| r.as_ref().and_then(|r| history_view(&ev_for_history, r, prefs, event_href)))}
                    <h2>"Context"</h2>
                    {match ev.context.as_deref().cloned() {
                        Some(ctx) => view! { <JsonTree value=ctx/> }.into_any(),
                        None => view! { <p class="muted">"No context recorded."</p> }.into_any(),
                    }}
                    {extra.map(|x| view! { <h2>"Other fields"</h2> <JsonTree value=x/> })}
                }
            })}
        </section>
    }
}

/// The highlight (CSS Custom Highlight API) of what the list looked for, in the detail view.
pub const DETAIL_HIGHLIGHT: &str = "audit-detail";

/// The list of every event within [`AROUND_MS`] of `t`.
pub fn around(t: i64) -> audit_model::EventQuery {
    audit_model::EventQuery {
        date_from: Some(audit_model::time::format_api(t - AROUND_MS)),
        date_to: Some(audit_model::time::format_api(t + AROUND_MS)),
        ..Default::default()
    }
}

/// "What changed": each change the context records, before and after, as text.
fn changes_view(ev: &audit_model::AuditEvent) -> Option<impl IntoView> {
    use audit_model::changes::{changes, one_line};
    let list = changes(ev);
    (!list.is_empty()).then(|| {
        let rows = list
            .into_iter()
            .map(|c| {
                let kind = c.kind();
                let note = if c.unchanged() { " (the same)" } else { "" };
                let old = c.old.as_ref().map(one_line).unwrap_or_default();
                let new = c.new.as_ref().map(one_line).unwrap_or_default();
                view! {
                    <tr data-kind=kind>
                        <th scope="row">{c.path.clone()}</th>
                        <td class="old">{old}</td>
                        <td class="new">{new}{note}</td>
                        <td class="muted small">{kind}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <h2>"What changed"</h2>
            <div class="scroll-x">
                <table class="changes" data-testid=testid::DETAIL_CHANGES>
                    <thead><tr><th scope="col">"Field"</th><th scope="col">"Before"</th><th scope="col">"After"</th><th scope="col"><span class="sr-only">"Kind"</span></th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
    })
}

/// The history of the resource `ev` is about: the events held that name it, oldest first, each
/// with what it changed. Nothing when it has no resource or is the only event about it.
fn history_view(
    ev: &AuditEvent,
    related: &audit_model::related::Related,
    prefs: crate::prefs::Prefs,
    href: impl Fn(&str) -> String,
) -> Option<impl IntoView> {
    let (key, value) = audit_model::related::resource(ev)?;
    if related.history_total < 2 {
        return None;
    }
    let all = audit_model::related::resource_qualifier(ev).map(|filter| EventQuery {
        filter: Some(filter),
        ..Default::default()
    })?;
    let shown = related.history.len();
    let note = if shown < related.history_total {
        format!(
            "{} events about it are held here, oldest first; these are the {shown} around this one.",
            crate::pages::thousands(related.history_total as u64)
        )
    } else {
        format!("{shown} events about it are held here, oldest first.")
    };
    let rows = related
        .history
        .iter()
        .map(|e| {
            let when = prefs.shown_time(e);
            let this = e.id == ev.id;
            let user = e
                .user_email
                .clone()
                .or_else(|| e.user_id.as_ref().map(ToString::to_string))
                .unwrap_or_default();
            view! {
                <tr data-testid=testid::HISTORY_ROW data-id=e.id.clone() aria-current=this.then_some("true")>
                    <td class="nowrap">{if this {
                        view! { <strong>{when}" (this event)"</strong> }.into_any()
                    } else {
                        view! { <A href=crate::browser::app_href(&href(&e.id))>{when}</A> }.into_any()
                    }}</td>
                    <td class="type-name">{e.event_type.clone()}</td>
                    <td>{user}</td>
                    <td class="summary">{e.details_summary(140)}</td>
                </tr>
            }
        })
        .collect_view();
    Some(view! {
        <h2>{format!("History of {key} {value}")}</h2>
        <p class="muted small">{note}" "
            <A href=crate::browser::app_href(&crate::routes::paths::list_href(&all))>"List them all"</A>
        </p>
        <div class="scroll-x">
            <table class="history" data-testid=testid::RESOURCE_HISTORY>
                <thead><tr><th scope="col">"Time"</th><th scope="col">"Type"</th><th scope="col">"User"</th><th scope="col">"What it recorded"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    })
}

/// "Same user", "Same IP" and "Same resource": the list of every event (of any time and type)
/// sharing that value, through exact qualifiers.
pub fn pivots(
    ev: &audit_model::AuditEvent,
) -> Vec<(String, &'static str, audit_model::EventQuery)> {
    use audit_model::filter::qualifier;
    let list = |filter: String| audit_model::EventQuery {
        filter: Some(filter),
        ..Default::default()
    };
    let mut out = Vec::new();
    let user = ev
        .user_email
        .clone()
        .filter(|e| !e.is_empty())
        .or_else(|| ev.user_id.as_ref().map(ToString::to_string));
    if let Some(user) = user {
        out.push((
            format!("Same user ({user})"),
            testid::SAME_USER,
            list(qualifier("user", &user)),
        ));
    }
    if let Some(ip) = ev.source_ip.clone().filter(|ip| !ip.is_empty()) {
        out.push((
            format!("Same IP ({ip})"),
            testid::SAME_IP,
            list(qualifier("ip", &ip)),
        ));
    }
    if let Some((key, value)) = audit_model::related::resource(ev) {
        out.push((
            format!("Same resource ({key} {value})"),
            testid::SAME_RESOURCE,
            list(qualifier(&format!("context.{key}"), &value)),
        ));
    }
    out
}

/// How far "Around this event" reaches either side.
pub const AROUND_MS: i64 = 15 * 60_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn around_is_fifteen_minutes_either_side_of_every_type() {
        let t = audit_model::time::parse_api_timestamp("2026-11-20T08:30:00.250Z").expect("t");
        let q = around(t);
        assert_eq!(q.date_from.as_deref(), Some("2026-11-20T08:15:00"));
        assert_eq!(q.date_to.as_deref(), Some("2026-11-20T08:45:00"));
        assert!(q.event_types.is_empty() && q.search_text.is_none());
        assert!(q.validate().is_ok());
    }

    #[test]
    fn pivots_name_the_user_the_address_and_the_resource() {
        let ev = audit_model::testing::event("e1")
            .user("carol@acme.example")
            .ip("2001:db8::1")
            .context(serde_json::json!({"name": "Support line", "appId": "978812f5"}))
            .build();
        let got: Vec<(String, Option<String>)> = pivots(&ev)
            .into_iter()
            .map(|(label, _, q)| (label, q.filter))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "Same user (carol@acme.example)".to_string(),
                    Some("user:carol@acme.example".to_string())
                ),
                (
                    "Same IP (2001:db8::1)".to_string(),
                    Some("ip:2001:db8::1".to_string())
                ),
                (
                    "Same resource (appId 978812f5)".to_string(),
                    Some("context.appId:978812f5".to_string())
                ),
            ]
        );
        // Nothing to pivot on: no links.
        assert!(pivots(&audit_model::testing::event("e2").build()).is_empty());
    }
}
