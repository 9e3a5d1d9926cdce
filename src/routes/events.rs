//! The events list: filters, table and pager, all driven by the URL's query string.

use ui_names::testid;

use audit_model::{EventQuery, EventsPage};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

use crate::api::ApiError;
use crate::components::error::ErrorBanner;
use crate::components::filters::Filters;
use crate::components::pager::Pager;
use crate::components::table::EventsTable;
use crate::memory::ListMemory;
use crate::routes::paths::list_href;
use crate::session::Session;

/// Puts the window back where it was when this list view was left for a detail view.
fn restore_place(memory: ListMemory, query: &EventQuery) {
    if let Some(place) = memory.take_place(query) {
        // After this render: the rows must be in the DOM for the page to be tall enough.
        request_animation_frame(move || {
            if let Some(w) = web_sys::window() {
                w.scroll_to_with_x_and_y(0.0, place.scroll_y);
            }
            // Focus returns to the row that opened the detail view.
            crate::components::table::pool::focus_row(&place.row);
        });
    }
}

/// The list page.
#[component]
pub fn EventsPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let memory = expect_context::<ListMemory>();
    let location = use_location();
    let navigate = use_navigate();

    // The URL is the single source of truth for what is shown.
    // While the router leaves this view, the URL already names the next one for a moment: the
    // query keeps what it was, so nothing starts loading the unfiltered list on the way out.
    // ("/sub/" and "/sub" are the same view under a sub-path.)
    let home = location
        .pathname
        .get_untracked()
        .trim_end_matches('/')
        .to_string();
    let parsed = Memo::new(
        move |prev: Option<&Result<EventQuery, audit_model::QueryError>>| {
            let search = location.search.get();
            if location.pathname.with(|p| p.trim_end_matches('/') != home) {
                if let Some(prev) = prev {
                    return prev.clone();
                }
            }
            EventQuery::parse_app(&search).and_then(|(q, _)| q.validate().map(|_| q))
        },
    );
    let query = Memo::new(move |_| parsed.get().unwrap_or_default());
    // The same query at page 1: what the filters and the timeline show does not depend on the
    // page, so moving between pages neither refetches the timeline nor resets the form.
    let filters = Memo::new(move |_| query.with(|q| q.at_page(1)));
    let go = Callback::new(move |q: EventQuery| navigate(&list_href(&q), Default::default()));
    remember_recent(filters);
    title_names_the_list(query);
    // Coming back to the view last shown (e.g. from a detail view): its rows appear at once.
    let cached = session
        .source_untracked()
        .and_then(|source| memory.page(&source, &query.get_untracked()));
    let live = crate::live::LiveTail::new();
    // The keyboard shortcuts' help: opened by its button or by "?".
    let shortcuts = RwSignal::new(false);
    if cached.is_some() {
        restore_place(memory, &query.get_untracked());
    }

    // The range in view is read into the tab's local copy (once per account and range).
    Effect::new(move |_| {
        let q = filters.get();
        if let Some(crate::source::Source::Api(client, copy, _)) = session.source() {
            untrack(|| copy.ensure(client, &q));
        }
    });

    let (types, descriptions) = event_types(session);
    // Each new query aborts the one in flight, and a late answer to an old query is dropped
    // (crate::load). An address the API would refuse is the app's own error: nothing is sent.
    let loaded = crate::load::load_screen(
        move || {
            session.copy.version.track();
            Some((parsed.get(), session.source()?))
        },
        move |(parsed, source): (
            Result<EventQuery, audit_model::QueryError>,
            crate::source::Source,
        ),
              signal| async move {
            let q = parsed.map_err(|e| ApiError::InvalidQuery(e.to_string()))?;
            // A copy kept on this device answers once open, without asking the API.
            if let crate::source::Source::Api(client, copy, _) = &source {
                copy.opening(client).await;
            }
            // The request's address, for the benchmark marks; none when the copy answers.
            let url = if source.answers_locally(&q) {
                None
            } else {
                source.page_url(&q)
            };
            let page = source.events(&q, Some(&signal)).await?;
            Ok((page, url))
        },
        cached.map(|page| (page, None)),
        move |(p, url): &(EventsPage, Option<String>)| {
            if let Some(source) = session.source_untracked() {
                memory.shown(source, query.get_untracked(), p.clone());
            }
            restore_place(memory, &query.get_untracked());
            crate::instrument::mark_once("audit:first-rows");
            crate::instrument::list_delivered(url.as_deref());
        },
    );
    let (loading, error) = (loaded.loading, loaded.error);
    // The page shown, copied once per answer.
    let page = Memo::new(move |_| loaded.value.with(|v| v.as_ref().map(|(p, _)| p.clone())));

    let empty = move || no_rows(page, loading, error);
    let rows = Signal::derive(move || {
        page.with(|p| p.as_ref().map(|p| p.events().to_vec()).unwrap_or_default())
    });
    let navigate_detail = use_navigate();
    let open = Callback::new(move |id: String| {
        let qs = query.get_untracked().to_compact_query_string();
        let suffix = if qs.is_empty() {
            String::new()
        } else {
            format!("?{qs}")
        };
        let y = web_sys::window()
            .and_then(|w| w.scroll_y().ok())
            .unwrap_or(0.0);
        memory.leave(query.get_untracked(), id.clone(), y);
        navigate_detail(
            &format!("{}{suffix}", crate::routes::paths::event_path(&id)),
            Default::default(),
        );
    });
    view! {
        <section class="events-page">
            <h1 class="sr-only">"Audit events"</h1>
            <crate::components::print::PrintStatement what=Signal::derive(move || Some(crate::export::Printed::Query(query.get())))/>
            <Filters query=filters types on_apply=go/>
            <crate::components::local_copy::LocalCopy filters=filters/>
            <ErrorBanner error=error on_retry=loaded.on_retry()/>
            // The place is kept under an error, but not passed off as the answer to it.
            <Show when=move || error.with(Option::is_some) && page.with(Option::is_some)>
                <p class="muted small" role="note" data-testid=testid::ROWS_STALE>
                    "The rows below are the last ones that loaded, not an answer to the filters above."
                </p>
            </Show>
            <crate::components::timeline::Timeline query=filters on_pick=go refresh=live.arrivals/>
            <div class="toolbar">
                <crate::live::LiveControl live=live filters=filters shown=query on_go=go
                    refresh_list=loaded.on_retry()/>
                <crate::components::saved_views::SavedViews filters=filters/>
                <crate::components::table::TablePrefs shortcuts=shortcuts/>
            </div>
            <crate::components::table::Shortcuts open=shortcuts/>
            <div class="toolbar">
                <Pager page=page query=query on_go=go/>
                <crate::components::export::ExportControl query=query
                    total=Signal::derive(move || page.with(|p| p.as_ref().map_or(0, |p| p.info().total_elements)))/>
            </div>
            <Show when=move || loading.get() && page.with(Option::is_none)>
                <p class="muted" data-testid=testid::LOADING>"Loading events…"</p>
            </Show>
            <Show when=move || loading.get() && page.with(Option::is_some)>
                <p class="sr-only" role="status" data-testid=testid::REFRESHING>"Loading…"</p>
            </Show>
            <NoRows page query loading error on_go=go/>
            // No header without rows: the empty-state card above says why.
            <div class="with-facets">
                <crate::components::facets::Facets query=filters on_go=go/>
                <div prop:hidden=empty class:rows-behind-error=move || error.with(Option::is_some)>
                    <EventsTable rows=rows descriptions=descriptions stale=loading on_open=open highlight=live.new_ids
                        marks=Signal::derive(move || filters.with(audit_model::marks::marks))
                        on_filter=Callback::new(move |(field, value, exclude): (String, String, bool)| {
                            go.run(crate::components::facets::narrowed(&filters.get_untracked(), &field, &value, exclude))
                        })/>
                </div>
            </div>
        </section>
    }
}

/// The query looked at joins the recent ones (not the page: the same question).
fn remember_recent(filters: Memo<EventQuery>) {
    Effect::new(move |_| {
        let qs = filters.with(EventQuery::to_compact_query_string);
        let size_only = filters.with(|q| {
            q.at_page(1)
                == EventQuery {
                    size: q.size,
                    ..Default::default()
                }
        });
        if !size_only {
            crate::saved::remember(&qs);
        }
    });
}

/// The tab names what is listed: the types filtered on, and the page past the first.
fn title_names_the_list(query: Memo<EventQuery>) {
    Effect::new(move |_| {
        let q = query.get();
        let what = match q.event_types.as_slice() {
            [] => "Events".to_string(),
            [one] => format!("{one} events"),
            [first, rest @ ..] => format!("{first} and {} more types", rest.len()),
        };
        let title = if q.page > 1 {
            format!("{what}, page {}", q.page)
        } else {
            what
        };
        crate::browser::set_title(&title);
    });
}

/// The event types, loaded once per account (or file), in parallel with the first page, through
/// the same loader as everything else; and each type's description by name.
#[allow(clippy::type_complexity)]
fn event_types(
    session: Session,
) -> (
    Signal<Option<Result<Vec<audit_model::EventType>, ApiError>>>,
    Memo<std::collections::HashMap<String, String>>,
) {
    let types = RwSignal::new(None::<Result<Vec<audit_model::EventType>, ApiError>>);
    crate::load::load(
        move || session.source(),
        |source: crate::source::Source, signal| async move { source.event_types(Some(&signal)).await },
        move || types.set(None),
        move |result| types.set(Some(result)),
    );
    let descriptions = Memo::new(move |_| {
        types
            .get()
            .and_then(Result::ok)
            .map(|list| {
                list.into_iter()
                    .filter_map(|t| Some((t.name, t.description?)))
                    .collect()
            })
            .unwrap_or_default()
    });
    (types.into(), descriptions)
}

/// Nothing is loading, nothing failed, and the page has no events.
fn no_rows(
    page: Memo<Option<EventsPage>>,
    loading: RwSignal<bool>,
    error: RwSignal<Option<ApiError>>,
) -> bool {
    !loading.get()
        && error.with(Option::is_none)
        && page.with(|p| p.as_ref().is_some_and(|p| p.events().is_empty()))
}

/// What the list says when a page has no rows: past the last page of a query that has events
/// (with a way to the last), or no event matching at all (with a way to reset).
#[component]
fn NoRows(
    page: Memo<Option<EventsPage>>,
    query: Memo<EventQuery>,
    loading: RwSignal<bool>,
    error: RwSignal<Option<ApiError>>,
    on_go: Callback<EventQuery>,
) -> impl IntoView {
    let go = on_go;
    let empty = move || no_rows(page, loading, error);
    // An empty page past the last one of a query that has events: say so, not "no events".
    let past_last = move || {
        page.with(|p| {
            p.as_ref()
                .map(EventsPage::info)
                .filter(|i| i.total_elements > 0)
                .map(|i| crate::pages::last_page(&i))
        })
        .filter(|last| query.with(|q| q.page > *last))
    };
    view! {
            <Show when=move || empty() && past_last().is_some()>
                <div class="empty card" data-testid=testid::PAST_LAST>
                    <p>{move || format!(
                        "Page {} is past the last page of these events ({}).",
                        crate::pages::thousands(u64::from(query.with(|q| q.page))),
                        crate::pages::thousands(u64::from(past_last().unwrap_or(1))),
                    )}</p>
                    <button type="button" data-testid=testid::GO_LAST
                        on:click=move |_| go.run(query.get_untracked().at_page(past_last().unwrap_or(1)))>
                        {move || format!("Go to page {}", crate::pages::thousands(u64::from(past_last().unwrap_or(1))))}
                    </button>
                </div>
            </Show>
            <Show when=move || empty() && past_last().is_none()>
                <div class="empty card" data-testid=testid::EMPTY>
                    <p>"No events match these filters."</p>
                    <button type="button" data-testid=testid::EMPTY_RESET
                        on:click=move |_| go.run(EventQuery { size: query.get_untracked().size, ..Default::default() })>
                        "Reset filters"
                    </button>
                </div>
            </Show>
    }
}
