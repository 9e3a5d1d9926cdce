//! Where events come from: the API through the proxy, or a JSON Lines file opened offline. Both
//! answer the same three questions, and a file is filtered and paged by the same store code as
//! the demo account, so the same filters give the same answer.

use std::sync::Arc;

use audit_model::store::{add_self_link, parse_events_file, EventStore, LineError};
use audit_model::{AuditEvent, EventQuery, EventType, EventsPage};
use web_sys::AbortSignal;

use futures_util::{StreamExt, TryStreamExt};

use crate::api::{in_order, ApiError, Client};
use crate::archive::ArchiveLink;
use crate::workspace::LocalCopy;

/// An export file loaded into the browser.
#[derive(Debug)]
pub struct OfflineFile {
    /// The file's name.
    pub name: String,
    /// Its events, indexed.
    pub store: EventStore,
    /// Lines that were not events, with their numbers.
    pub errors: Vec<LineError>,
}

impl OfflineFile {
    /// Parses JSON Lines, a JSON array of events or a saved API page; bad lines or items are kept
    /// as errors, good ones load.
    pub fn parse(name: String, text: &str) -> Self {
        let (events, errors) = parse_events_file(text);
        OfflineFile {
            name,
            store: EventStore::new(events),
            errors,
        }
    }
}

/// Fetches every page of `q` (from page 1, at `q.size`), `in_flight` at a time, and hands each
/// page to `on_page` in page order together with the first page's metadata. Stops at the first
/// error, or as soon as `signal` aborts.
pub async fn for_each_page(
    source: &Source,
    q: &EventQuery,
    in_flight: usize,
    signal: &AbortSignal,
    mut on_page: impl FnMut(&EventsPage, audit_model::PageInfo),
) -> Result<(), ApiError> {
    let first = source.events(&q.at_page(1), Some(signal)).await?;
    let info = first.info();
    on_page(&first, info);
    let pages_total = info.total_pages.max(1) as u32;
    let rest = (2..=pages_total).map(|n| q.at_page(n));
    let mut pages = std::pin::pin!(in_order(rest, in_flight, |q| async move {
        source.events(&q, Some(signal)).await
    }));
    while let Some(page) = pages.next().await {
        if signal.aborted() {
            break;
        }
        on_page(&page?, info);
    }
    if signal.aborted() {
        return Err(ApiError::Aborted);
    }
    Ok(())
}

/// `page.totalElements` for each query (asked with `size=1`), `in_flight` at a time, reusing
/// and filling `cache` (keyed by query string). Stops at the first error, and as soon as
/// `signal` aborts (every request in flight is aborted with it).
pub async fn count_many(
    source: &Source,
    queries: &[EventQuery],
    in_flight: usize,
    cache: &std::cell::RefCell<std::collections::HashMap<String, u64>>,
    signal: &AbortSignal,
) -> Result<Vec<u64>, ApiError> {
    for q in queries {
        source.settled(q).await;
    }
    // Counted from the held events: after the rows are painted.
    if queries.first().is_some_and(|q| source.answers_locally(q)) {
        crate::browser::painted().await;
        if signal.aborted() {
            return Err(ApiError::Aborted);
        }
    }
    let asks = queries.iter().map(|q| EventQuery {
        page: 1,
        size: 1,
        ..q.clone()
    });
    let counts = in_order(asks, in_flight, |q| async move {
        // A local answer is exact and instant; only the API's are worth keeping.
        if source.answers_locally(&q) {
            return Ok(source.events(&q, Some(signal)).await?.info().total_elements);
        }
        let key = q.to_query_string();
        let cached = cache.borrow().get(&key).copied();
        if let Some(n) = cached {
            return Ok(n);
        }
        let n = source.events(&q, Some(signal)).await?.info().total_elements;
        cache.borrow_mut().insert(key, n);
        Ok(n)
    })
    .try_collect()
    .await?;
    if signal.aborted() {
        return Err(ApiError::Aborted);
    }
    Ok(counts)
}

/// Every event matching each of `queries` (all pages at the largest size), each in order: from
/// the copy when it is complete and holds them, else from the API at once, without waiting for
/// a copy being read. The first pages are asked for together; then every page left shares
/// `in_flight` requests, an earlier query's pages before a later one's, so a query with one page
/// leaves its share to the others and the first queries finish first.
///
/// Each query's events go to `done(i, events)` as soon as all its pages are in (a screen paints
/// what they answer while the rest is read), and `progress(i, pages_read, pages)` follows every
/// page. Neither is called once `signal` has aborted. Stops at the first error, or as soon as
/// `signal` aborts.
pub async fn fetch_each(
    source: &Source,
    queries: &[EventQuery],
    in_flight: usize,
    signal: &AbortSignal,
    mut progress: impl FnMut(usize, u32, u32),
    mut done: impl FnMut(usize, Vec<AuditEvent>),
) -> Result<(), ApiError> {
    let queries: Vec<EventQuery> = queries
        .iter()
        .map(|q| EventQuery {
            size: audit_model::query::MAX_SIZE,
            ..q.clone()
        })
        .collect();
    let first_pages: Vec<EventQuery> = queries.iter().map(|q| q.at_page(1)).collect();
    let firsts = futures_util::future::try_join_all(
        first_pages.iter().map(|q| source.events(q, Some(signal))),
    )
    .await?;
    if signal.aborted() {
        return Err(ApiError::Aborted);
    }
    let totals: Vec<u32> = firsts
        .iter()
        .map(|p| (p.info().total_pages as u32).max(1))
        .collect();
    // Pages arrive in order, so a query's events are its pages' events one after another.
    let mut read: Vec<(u32, Vec<AuditEvent>)> = vec![(0, Vec::new()); queries.len()];
    let mut arrived = |i: usize, page: EventsPage| {
        let (pages, events) = &mut read[i];
        *pages += 1;
        events.extend(page.embedded.map(|e| e.events).unwrap_or_default());
        progress(i, *pages, totals[i]);
        if *pages == totals[i] {
            done(i, std::mem::take(events));
        }
    };
    for (i, first) in firsts.into_iter().enumerate() {
        arrived(i, first);
    }
    let rest = totals
        .iter()
        .enumerate()
        .flat_map(|(i, total)| (2..=*total).map(move |n| (i, n)));
    let mut pages = std::pin::pin!(in_order(rest, in_flight, |(i, n)| {
        let q = queries[i].at_page(n);
        async move { Ok((i, source.events(&q, Some(signal)).await?)) }
    }));
    while let Some(page) = pages.next().await {
        if signal.aborted() {
            break;
        }
        let (i, page) = page?;
        arrived(i, page);
    }
    if signal.aborted() {
        return Err(ApiError::Aborted);
    }
    Ok(())
}

/// A source of events.
// Made per view and cloned into its loads, never kept in bulk: boxing the client would cost an
// allocation each time to save bytes nothing multiplies (in wasm the variant is far smaller).
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Source {
    /// The Audit API through the configured proxy, the tab's copy of what it answered, and
    /// what the server said it is (an archive answers the qualifiers itself).
    Api(Client, LocalCopy, ArchiveLink),
    /// A file opened in the browser.
    File(Arc<OfflineFile>),
}

impl PartialEq for Source {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Source::Api(a, ..), Source::Api(b, ..)) => a == b,
            (Source::File(a), Source::File(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

const LOCAL_BASE: &str = "file:";

impl Source {
    /// One page of events.
    pub async fn events(
        &self,
        q: &EventQuery,
        signal: Option<&AbortSignal>,
    ) -> Result<EventsPage, ApiError> {
        match self {
            // Exact qualifiers: from the events held in the tab when they cover the range, else
            // from an archive, which answers them over its whole history; against the plain
            // API, wait for the copy being read, and say what is needed when there is none.
            Source::Api(c, copy, archive) if q.filter.is_some() => {
                // A copy kept on this device answers once open, and the server is not asked
                // whether it is an archive.
                copy.opening(c).await;
                if let Some(local) = copy.answer(c, q) {
                    return local;
                }
                let answers_where = archive
                    .known(c)
                    .await
                    .is_some_and(|a| a.answers(audit_model::archive::ANSWERS_WHERE));
                if answers_where {
                    return c.page(q, signal).await;
                }
                copy.settled(c, q).await;
                copy.answer(c, q).unwrap_or(Err(ApiError::NeedsLocalCopy))
            }
            Source::Api(c, copy, _) => match copy.answer(c, q) {
                Some(local) => local,
                None => c.page(q, signal).await,
            },
            Source::File(f) => f.store.page(q, LOCAL_BASE).map_err(ApiError::from),
        }
    }

    /// The URL a page of `q` is requested from (`None` for a file, which is read in memory).
    pub fn page_url(&self, q: &EventQuery) -> Option<String> {
        match self {
            Source::Api(c, ..) => Some(c.page_url(q)),
            Source::File(_) => None,
        }
    }

    /// One event.
    pub async fn event(
        &self,
        id: &str,
        signal: Option<&AbortSignal>,
    ) -> Result<AuditEvent, ApiError> {
        match self {
            Source::Api(..) if !audit_model::event::is_event_id(id) => {
                Err(ApiError::NotAnEventId(id.to_string()))
            }
            Source::Api(c, copy, _) => match copy.event(c, id) {
                Some(ev) => Ok(ev),
                None => c.event(id, signal).await,
            },
            Source::File(f) => {
                let mut ev = f
                    .store
                    .get(id)
                    .cloned()
                    .ok_or_else(|| ApiError::NotInFile {
                        id: id.to_string(),
                        file: f.name.clone(),
                    })?;
                add_self_link(&mut ev, LOCAL_BASE);
                Ok(ev)
            }
        }
    }

    /// Whether `q` is better asked of an archive that answers `what` (an `ANSWERS_` name) than
    /// of the tab: the copy does not hold it, and the server is an archive that answers it.
    async fn archive_answers(&self, q: &EventQuery, what: &str) -> Option<&Client> {
        let Source::Api(c, copy, archive) = self else {
            return None;
        };
        copy.opening(c).await;
        if copy.covers(c, q) {
            return None;
        }
        archive
            .known(c)
            .await
            .is_some_and(|a| a.answers(what))
            .then_some(c)
    }

    /// The facets of the events matching `q` (all pages): from the local copy once read, or
    /// the file, or an archive, which counts them over its whole history; `None` when the
    /// range is not held.
    pub async fn facets(
        &self,
        q: &EventQuery,
        top: usize,
        signal: Option<&AbortSignal>,
    ) -> Option<Result<Vec<audit_model::facets::Facet>, ApiError>> {
        if let Some(c) = self
            .archive_answers(q, audit_model::archive::ANSWERS_FACETS)
            .await
        {
            return Some(c.archive_facets(q, top, signal).await);
        }
        // Counted over every held event: after the rows are painted.
        self.settled(q).await;
        crate::browser::painted().await;
        if signal.is_some_and(AbortSignal::aborted) {
            return Some(Err(ApiError::Aborted));
        }
        match self {
            Source::Api(c, copy, _) => copy.facets(c, q, top),
            Source::File(f) => Some(
                f.store
                    .matching(q)
                    .map(|events| audit_model::facets::facets(events, top))
                    .map_err(ApiError::from),
            ),
        }
    }

    /// The events matching `q` counted per bucket of `cut` in one answer, when an archive
    /// answers it and the tab's copy does not hold the range; `None` otherwise (count bucket by
    /// bucket then: [`count_many`]).
    pub async fn bucket_counts(
        &self,
        q: &EventQuery,
        cut: &audit_model::archive::Cut,
        signal: Option<&AbortSignal>,
    ) -> Option<Result<Vec<audit_model::archive::BucketCount>, ApiError>> {
        let c = self
            .archive_answers(q, audit_model::archive::ANSWERS_COUNTS)
            .await?;
        Some(c.archive_counts(q, cut, signal).await)
    }

    /// What the events held say around `ev` (see [`audit_model::related`]): from the file, or
    /// the local copy once complete, or else an archive, over its whole history; `None` while
    /// nothing holds it.
    pub async fn related(
        &self,
        ev: &AuditEvent,
        signal: Option<&AbortSignal>,
    ) -> Option<Result<audit_model::related::Related, ApiError>> {
        match self {
            Source::Api(c, copy, archive) => {
                copy.opening(c).await;
                if let Some(held) = copy.related(c, ev) {
                    return Some(Ok(held));
                }
                let answers = archive
                    .known(c)
                    .await
                    .is_some_and(|a| a.answers(audit_model::archive::ANSWERS_RELATED));
                match answers {
                    true => Some(c.archive_related(&ev.id, signal).await),
                    false => None,
                }
            }
            Source::File(f) => Some(Ok(audit_model::related::related(&f.store, ev))),
        }
    }

    /// Whether `q` is answered in the browser (a file, or the local copy covers it).
    pub fn answers_locally(&self, q: &EventQuery) -> bool {
        match self {
            Source::Api(c, copy, _) => copy.covers(c, q),
            Source::File(_) => true,
        }
    }

    /// Waits while the local copy is being read and will cover `q` (a view that counts or
    /// reads everything then asks it instead of the API).
    pub async fn settled(&self, q: &EventQuery) {
        if let Source::Api(c, copy, _) = self {
            copy.settled(c, q).await;
        }
    }

    /// The event types: from the API, or those in the file with the documented ones.
    pub async fn event_types(
        &self,
        signal: Option<&AbortSignal>,
    ) -> Result<Vec<EventType>, ApiError> {
        match self {
            Source::Api(c, copy, _) => copy.event_types(c, signal).await,
            Source::File(f) => Ok(f.store.event_type_list()),
        }
    }
}
