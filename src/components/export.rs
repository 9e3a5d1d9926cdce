//! The Export control: format, progress with an estimate, Cancel, and the download.

use audit_model::EventQuery;
use leptos::prelude::*;
use ui_names::testid;

use crate::export::{
    eta_secs, export_query, file_name, manifest, manifest_name, run, Format, Progress,
    CONFIRM_ABOVE,
};
use crate::pages::thousands;
use crate::session::Session;

/// Exports every event matching `query` (not just the page shown).
#[component]
pub fn ExportControl(
    /// The filters in the URL.
    #[prop(into)]
    query: Signal<EventQuery>,
    /// How many events match (from the page metadata), for the confirmation.
    #[prop(into)]
    total: Signal<u64>,
) -> impl IntoView {
    let session = expect_context::<Session>();
    let format = RwSignal::new(Format::Csv);
    let running = RwSignal::new(false);
    let progress = RwSignal::new(Progress::default());
    let outcome = RwSignal::new(None::<Result<String, String>>);
    // The evidence manifest of the last export: (file name, JSON).
    let evidence = RwSignal::new(None::<(String, String)>);
    // The export asked for: a number (so asking twice runs twice), the query and the format.
    let job = RwSignal::new(None::<(u32, EventQuery, Format)>);

    // Through the one loader: Cancel and leaving the list abort every request of the run, and
    // nothing of it is written afterwards.
    let loading = crate::load::load(
        move || {
            let (_, q, fmt) = job.get()?;
            // Read once when the run starts: a change later does not restart it.
            let (source, origin) =
                untrack(|| (session.source(), crate::export::Origin::of(&session)));
            Some((q, fmt, source?, origin))
        },
        move |(q, fmt, source, origin): (
            EventQuery,
            Format,
            crate::source::Source,
            crate::export::Origin,
        ),
              signal| async move {
            let name = file_name(&q, fmt);
            let (blob, written) = run::export(source, q.clone(), fmt, progress, signal).await?;
            run::download(&blob, &name);
            let text = manifest(&q, fmt, &name, &written, &origin, crate::browser::now_ms());
            Ok((name, written.events, text))
        },
        move || {
            running.set(true);
            outcome.set(None);
            evidence.set(None);
            progress.set(Progress::default());
        },
        move |result| {
            running.set(false);
            outcome.set(Some(match result {
                Ok((name, events, text)) => {
                    evidence.set(Some((manifest_name(&name), text)));
                    Ok(format!("Exported {} events to {name}", thousands(events)))
                }
                Err(e) => Err(format!("Export failed: {e}")),
            }));
        },
    );

    let start = move |_| {
        if untrack(|| session.source()).is_none() {
            return;
        }
        let n = total.get_untracked();
        if n > CONFIRM_ABOVE {
            let ok = web_sys::window()
                .and_then(|w| {
                    w.confirm_with_message(&format!(
                        "Export about {} events? This fetches {} pages.",
                        thousands(n),
                        n.div_ceil(100)
                    ))
                    .ok()
                })
                .unwrap_or(false);
            if !ok {
                return;
            }
        }
        let q = export_query(&query.get_untracked(), crate::browser::now_ms());
        let n = job.with_untracked(|j| j.as_ref().map_or(0, |j| j.0 + 1));
        job.set(Some((n, q, format.get_untracked())));
    };
    let cancel = move |_| {
        loading.abort();
        running.set(false);
        outcome.set(Some(
            Err("Export cancelled; nothing was saved.".to_string()),
        ));
    };
    let status = move || {
        let p = progress.get();
        let eta = eta_secs(p.events_done, p.events_total, p.elapsed_ms)
            .map(|s| format!(" · about {s} s left"))
            .unwrap_or_default();
        format!(
            "Page {} of {} · {} of {} events{eta}",
            p.pages_done,
            p.pages_total.max(1),
            thousands(p.events_done),
            thousands(p.events_total)
        )
    };

    view! {
        <div class="export" data-testid=testid::EXPORT_CONTROL>
            <label for="export-format">"Export"</label>
            <select id="export-format" data-testid=testid::EXPORT_FORMAT disabled=move || running.get()
                on:change=move |ev| format.set(Format::from_key(&event_target_value(&ev)))>
                {Format::ALL.into_iter().map(|f| view! { <option value=f.key()>{f.label()}</option> }).collect_view()}
            </select>
            <Show when=move || !running.get()
                fallback=move || view! {
                    <progress data-testid=testid::EXPORT_PROGRESS max=move || progress.get().events_total.max(1).to_string()
                        value=move || progress.get().events_done.to_string()></progress>
                    <span class="small" data-testid=testid::EXPORT_STATUS aria-live="polite">{status}</span>
                    <button type="button" data-testid=testid::EXPORT_CANCEL on:click=cancel>"Cancel"</button>
                }>
                <button type="button" data-testid=testid::EXPORT on:click=start disabled=move || total.get() == 0
                    title=move || if total.get() == 0 { "Nothing matches these filters: nothing to export." } else { "" }>
                    {move || format!("Export all {}", thousands(total.get()))}
                </button>
            </Show>
            {move || outcome.get().map(|o| match o {
                Ok(msg) => view! {
                    <span role="status" class="small" data-testid=testid::EXPORT_DONE>{msg}</span>
                    <button type="button" class="small" data-testid=testid::EXPORT_MANIFEST
                        title="A JSON file beside the export: the query, the account key, the time, the event count and the file's SHA-256"
                        on:click=move |_| {
                            if let Some((name, text)) = evidence.get_untracked() {
                                run::download_text(&text, &name, "application/json");
                            }
                        }>"Save evidence manifest"</button>
                }.into_any(),
                Err(msg) => view! { <span role="alert" class="small error" data-testid=testid::EXPORT_ERROR>{msg}</span> }.into_any(),
            })}
        </div>
    }
}
