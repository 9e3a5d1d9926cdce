//! Collecting: the account's history read from the Audit API into the archive — first the newest
//! page, then a backfill back to the oldest event the API answers, and every `--poll-secs` what is
//! newer than the newest held. Every page is written in one transaction with what is held after
//! it, so a process killed at any moment resumes from the database, and writes are idempotent
//! (the event id is the key).

use std::time::Duration;

use audit_model::{EventQuery, EventsPage};

use crate::db::DbError;
use crate::store::{Archive, Held, Listed};

/// Events per page asked of the API: its largest.
pub const PAGE_SIZE: u32 = audit_model::query::MAX_SIZE;

/// How far back of the newest held event a poll reads again, for events the API lists late;
/// those already held are dropped by id.
pub const POLL_OVERLAP_MS: i64 = 120_000;

/// The Audit API, as the archive reads it.
#[derive(Debug, Clone)]
pub struct Upstream {
    http: reqwest::Client,
    base: String,
    key: String,
    secret: String,
}

/// Why a page could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The key and secret were refused.
    #[error(
        "the Audit API refused the key and secret ({0}); check AUDIT_API_KEY and AUDIT_API_SECRET"
    )]
    Refused(u16),
    /// The API asks to slow down.
    #[error("the Audit API asks to wait {0:?} ({1})")]
    Busy(Duration, u16),
    /// Any other answer than a page.
    #[error("the Audit API answered {0}")]
    Status(u16),
    /// No answer.
    #[error("the Audit API could not be reached: {0}")]
    Transport(#[from] reqwest::Error),
    /// An answer that is not a page of events.
    #[error("the Audit API's answer is not a page of events: {0}")]
    Malformed(String),
}

/// Seconds in a `Retry-After` header (an HTTP date counts from now); 5 s when absent or unreadable.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Duration {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let secs = value.and_then(|v| audit_model::time::retry_after_secs(v, now));
    Duration::from_secs(secs.unwrap_or(5).min(300))
}

impl Upstream {
    /// The API at `base` (`https://api.nexmo.com`), read with the account's key and secret.
    pub fn new(base: &str, key: String, secret: String) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("audit-archive/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_string(),
            key,
            secret,
        })
    }

    /// One page of the list.
    pub async fn list(&self, q: &EventQuery) -> Result<EventsPage, FetchError> {
        let url = format!(
            "{}{}?{}",
            self.base,
            audit_model::EVENTS_PATH,
            q.to_query_string()
        );
        let resp = self
            .http
            .get(url)
            .basic_auth(&self.key, Some(&self.secret))
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await?;
        let status = resp.status().as_u16();
        match status {
            200 => {}
            401 | 403 => return Err(FetchError::Refused(status)),
            429 | 503 => return Err(FetchError::Busy(retry_after(resp.headers()), status)),
            _ => return Err(FetchError::Status(status)),
        }
        let body = resp.bytes().await?;
        serde_json::from_slice(&body).map_err(|e| FetchError::Malformed(e.to_string()))
    }
}

/// Why a collecting step stopped.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// Reading the API failed.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// Writing the archive failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// What a step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Events were read (or none were there to read); more work may follow at once.
    Progress,
    /// Nothing to do until the next poll.
    Idle,
}

/// A time as a query bound: `2024-05-01T13:45:00`, with milliseconds when it has them.
pub fn bound(ms: i64) -> String {
    let secs = audit_model::time::format_api(ms.div_euclid(1000) * 1000);
    match ms.rem_euclid(1000) {
        0 => secs,
        frac => format!("{secs}.{frac:03}"),
    }
}

fn events_of(page: EventsPage, offset: i64) -> (Vec<Listed>, bool, u64) {
    let last = page.page.as_ref().is_none_or(|p| p.number >= p.total_pages);
    let total = page.page.as_ref().map_or(0, |p| p.total_elements);
    let events = page
        .embedded
        .map(|e| e.events)
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, ev)| Listed::new(ev, offset + i as i64))
        .collect::<Vec<_>>();
    let last = last || events.is_empty();
    (events, last, total)
}

fn times(events: &[Listed]) -> impl Iterator<Item = i64> + '_ {
    events
        .iter()
        .map(|l| l.created_ms)
        .filter(|&t| t != i64::MIN)
}

/// Reads the API into the archive.
#[derive(Debug, Clone)]
pub struct Collector {
    archive: Archive,
    upstream: Upstream,
}

impl Collector {
    /// A collector writing into `archive` from `upstream`.
    pub fn new(archive: Archive, upstream: Upstream) -> Self {
        Self { archive, upstream }
    }

    /// The newest page, when nothing is held yet.
    pub async fn first(&self) -> Result<Step, CollectError> {
        let page = self
            .upstream
            .list(&EventQuery {
                size: PAGE_SIZE,
                ..EventQuery::default()
            })
            .await?;
        let (events, last, _) = events_of(page, 0);
        let (Some(to), Some(oldest)) = (times(&events).max(), times(&events).min()) else {
            return Ok(Step::Idle);
        };
        let held = Held {
            from: oldest,
            to,
            backfill_page: 1,
            backfill_done: last,
        };
        self.archive.write(&events, Some(held)).await?;
        Ok(Step::Progress)
    }

    /// One page further back, in the window that ends at the oldest time held.
    pub async fn backfill(&self, held: Held) -> Result<Step, CollectError> {
        let q = EventQuery {
            date_to: Some(bound(held.from)),
            page: held.backfill_page,
            size: PAGE_SIZE,
            ..EventQuery::default()
        };
        let page = self.upstream.list(&q).await?;
        let offset = i64::from(held.backfill_page - 1) * i64::from(PAGE_SIZE);
        let (events, last, _) = events_of(page, offset);
        let next = match times(&events).min() {
            _ if last => Held {
                backfill_page: 1,
                backfill_done: true,
                ..held
            },
            Some(oldest) if oldest < held.from => Held {
                from: oldest,
                backfill_page: 1,
                ..held
            },
            // A whole page of one millisecond: the next page of the same window.
            _ => Held {
                backfill_page: held.backfill_page + 1,
                ..held
            },
        };
        self.archive.write(&events, Some(next)).await?;
        Ok(Step::Progress)
    }

    /// Everything newer than the newest held (and [`POLL_OVERLAP_MS`] before it). The newest
    /// held moves only when the whole window is read, so a poll cut short is read again.
    pub async fn poll(&self, held: Held) -> Result<Step, CollectError> {
        for _attempt in 0..3 {
            let from = held.to.saturating_sub(POLL_OVERLAP_MS);
            let mut seen = std::collections::HashSet::new();
            let mut newest = held.to;
            let mut first_total = None;
            for number in 1u32.. {
                let q = EventQuery {
                    date_from: Some(bound(from)),
                    page: number,
                    size: PAGE_SIZE,
                    ..EventQuery::default()
                };
                let page = self.upstream.list(&q).await?;
                let offset = i64::from(number - 1) * i64::from(PAGE_SIZE);
                let (events, last, total) = events_of(page, offset);
                first_total.get_or_insert(total);
                newest = newest.max(times(&events).max().unwrap_or(newest));
                seen.extend(events.iter().map(|l| l.event.id.clone()));
                if !last {
                    self.archive.write(&events, None).await?;
                    continue;
                }
                // New events arriving while the window is read push the list down, so a page
                // may repeat events but never skip one; fewer than the first count means the
                // list changed some other way, and the window is read again.
                let complete = seen.len() as u64 >= first_total.unwrap_or(0);
                let next = complete.then_some(Held { to: newest, ..held });
                self.archive.write(&events, next).await?;
                if complete {
                    return Ok(if newest > held.to {
                        Step::Progress
                    } else {
                        Step::Idle
                    });
                }
                break;
            }
            tracing::warn!("the list changed while it was read; reading the window again");
        }
        Ok(Step::Idle)
    }

    /// Collects until the process ends: the first page, then the backfill between polls, then
    /// a poll every `every`. Failures are logged and retried with backoff (as the API asks on
    /// 429 and 503).
    pub async fn run(self, every: Duration) {
        let mut next_poll = tokio::time::Instant::now();
        let mut backoff = Duration::from_secs(1);
        let mut lock = None;
        loop {
            if !self.locked(&mut lock).await {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(60));
                continue;
            }
            let step = match self.archive.held().await {
                Err(e) => Err(CollectError::from(e)),
                Ok(None) => self.first().await,
                Ok(Some(held)) if tokio::time::Instant::now() >= next_poll => {
                    next_poll = tokio::time::Instant::now() + every;
                    // The backfill (if any is left) goes on at once after a poll.
                    self.poll(held).await.map(|_| Step::Progress)
                }
                Ok(Some(held)) if !held.backfill_done => self.backfill(held).await,
                Ok(Some(_)) => Ok(Step::Idle),
            };
            match step {
                Ok(Step::Progress) => backoff = Duration::from_secs(1),
                Ok(Step::Idle) => {
                    backoff = Duration::from_secs(1);
                    tokio::time::sleep_until(next_poll).await;
                }
                Err(CollectError::Fetch(FetchError::Busy(wait, status))) => {
                    tracing::info!(
                        status,
                        wait_secs = wait.as_secs(),
                        "the Audit API asks to wait"
                    );
                    tokio::time::sleep(wait).await;
                }
                Err(e) => {
                    tracing::warn!(retry_secs = backoff.as_secs(), "collecting: {e}");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(60));
                }
            }
        }
    }
}

impl Collector {
    /// Whether this process holds the database's collecting lock (taken, or taken again after
    /// its connection broke): one collector per database, so what is held only moves forward.
    /// Other archives on the same database serve only.
    async fn locked(&self, lock: &mut Option<deadpool_postgres::Object>) -> bool {
        if lock.as_ref().is_some_and(|c| !c.is_closed()) {
            return true;
        }
        *lock = None;
        let client = match self.archive.pool().get().await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!("collecting waits for the database: {e}");
                return false;
            }
        };
        match client
            .query_one("SELECT pg_try_advisory_lock(7216)", &[])
            .await
        {
            Ok(row) if row.get::<_, bool>(0) => {
                // The lock lives as long as this connection, which is kept out of the pool.
                *lock = Some(client);
                true
            }
            Ok(_) => {
                tracing::info!("another archive collects into this database; this one waits");
                false
            }
            Err(e) => {
                tracing::warn!("collecting waits for the database: {e}");
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_keep_milliseconds_only_when_there_are_some() {
        let t = audit_model::time::parse_api_timestamp("2024-05-01T13:45:00").expect("time");
        assert_eq!(bound(t), "2024-05-01T13:45:00");
        assert_eq!(bound(t + 7), "2024-05-01T13:45:00.007");
        assert_eq!(
            audit_model::time::parse_api_timestamp(&bound(t + 7)),
            Ok(t + 7)
        );
    }
}
