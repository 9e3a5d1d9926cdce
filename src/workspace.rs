//! The local workspace in the app: the events of the range in view, read once from the API into
//! this tab (pages of 100, a few in flight, newest first), after which every query inside that
//! range is answered from memory, exactly (the bookkeeping is `audit_model::workspace`'s).
//!
//! - One copy per tab, for one account (proxy base and API key) and one range. A range the copy
//!   does not cover starts a new read, which aborts the one in progress: a newer question wins.
//! - While a read runs, the list still asks the API (rows show from the first answer), and the
//!   counting views (timeline, type counts, security overview, export) wait for the copy instead
//!   of sending a request per bar ([`settled`]).
//! - Above the bound (config.json's `local_max_events`, 50,000 by default) nothing is kept and
//!   every view asks the API, as without a workspace. A read that fails leaves the same state,
//!   with the reason shown and a way to try again.
//! - Afterwards only events newer than the newest held are asked for ([`sync`]: Refresh and
//!   Live), and they join the copy.
//! - The secret is never part of the copy or its key.

use audit_model::workspace::{Range, ReadError, Reading, Workspace};
use audit_model::{EventQuery, EventsPage};
use futures_channel::oneshot;
use futures_util::future::{FutureExt, Shared};
use futures_util::StreamExt;
use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::{AbortController, AbortSignal};

use crate::api::{in_order, ApiError, Client};

/// Read requests in flight at once. A browser opens six connections to one host over HTTP/1.1:
/// one stays free for what the person asks meanwhile (the list's page, a detail view).
pub const IN_FLIGHT: usize = 5;

/// Least time between two progress updates while reading.
const PROGRESS_EVERY_MS: f64 = 200.0;

/// What the copy is doing, for the status line (reactive, [`LocalCopy::status`]).
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Status {
    /// No copy (signed out, a file open, or nothing asked yet).
    #[default]
    Idle,
    /// Opening the copy kept on this device.
    Opening,
    /// Reading: events held so far of the total the first page announced.
    Reading {
        /// Distinct events held.
        held: u64,
        /// The range's events.
        total: u64,
    },
    /// Complete: every view inside the range is answered locally.
    Ready {
        /// Events held.
        events: u64,
    },
    /// The range holds more events than the bound; views ask the API.
    TooMany {
        /// Events in the range.
        total: u64,
        /// The bound.
        max: u64,
    },
    /// The read stopped; views ask the API.
    Failed(String),
}

/// Who the copy belongs to: the proxy and the API key (never the secret).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Account {
    base: String,
    key: String,
}

impl Account {
    fn of(client: &Client) -> Account {
        Account {
            base: client.base.clone(),
            key: client.credentials.key.clone(),
        }
    }
}

enum State {
    Reading {
        range: Range,
        controller: AbortController,
        /// Resolves when this read ends, however it ends (its sender is dropped with this
        /// state): what views waiting for the copy await.
        done: Shared<oneshot::Receiver<()>>,
        _ends: oneshot::Sender<()>,
        /// The pages read so far, once the first has come.
        reading: Option<Reading>,
        /// Opening the copy kept on this device, not yet asking the API.
        from_device: bool,
    },
    Ready(Workspace),
    /// Too many events or a failed read: the range is not read again until asked.
    Declined(Range),
}

struct Entry {
    account: Account,
    state: State,
}

/// The tab's local copy: one per app, provided with the [`Session`](crate::session::Session).
/// Cheap to copy (handles only); what it holds lives as long as the app.
#[derive(Clone, Copy)]
pub struct LocalCopy {
    /// The copy (or its read) and whose it is.
    entry: StoredValue<Option<Entry>, LocalStorage>,
    /// The account's event types, asked once per tab (they change with API releases, not with
    /// the account's activity).
    types: StoredValue<Option<(Account, Vec<audit_model::EventType>)>, LocalStorage>,
    /// What the copy is doing, for the status line.
    pub status: RwSignal<Status>,
    /// Changes whenever the copy gains events (Live, "Check for new events"): views answered
    /// from it track this to answer again.
    pub version: RwSignal<u32>,
    /// When the copy last asked the API for new events (ms), for "as of".
    pub as_of: RwSignal<Option<i64>>,
    /// config.json's `local_max_events`.
    pub max_events: StoredValue<u64>,
    /// Keep the copy on this device (IndexedDB), as the person chose.
    pub keep: RwSignal<bool>,
    /// The last save or delete on this device, and how it ended.
    pub on_device: RwSignal<OnDevice>,
}

/// Values shown per facet.
pub const FACET_VALUES: usize = 5;

/// The base URL a locally answered page's HAL links name, as the API's would.
fn links_base(client: &Client) -> String {
    client.page_url(&EventQuery::default())
}

/// Where keeping the copy on this device stands (reactive, [`LocalCopy::on_device`]): a write
/// counts as done only once IndexedDB has committed it.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum OnDevice {
    /// Nothing written or deleted in this tab yet.
    #[default]
    Idle,
    /// A save or a delete is running.
    Writing,
    /// The last save or delete was committed.
    Written,
    /// The last save or delete failed: the person is told why, and what was kept before stays.
    Failed(crate::kept::KeptError),
}

enum Failure {
    Api(ApiError),
    Read(ReadError),
}

impl std::fmt::Debug for LocalCopy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalCopy").finish_non_exhaustive()
    }
}

impl LocalCopy {
    /// No copy yet; `keep` is whether to keep one on this device.
    pub fn new(keep: bool) -> Self {
        LocalCopy {
            entry: StoredValue::new_local(None),
            types: StoredValue::new_local(None),
            status: RwSignal::new(Status::Idle),
            version: RwSignal::new(0),
            as_of: RwSignal::new(None),
            max_events: StoredValue::new(audit_model::workspace::DEFAULT_MAX_EVENTS),
            keep: RwSignal::new(keep),
            on_device: RwSignal::new(OnDevice::Idle),
        }
    }

    /// Runs a save or delete on this device and says how it ended in [`on_device`](Self::on_device).
    fn write_on_device(
        self,
        write: std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<(), crate::kept::KeptError>>>,
        >,
    ) {
        self.on_device.set(OnDevice::Writing);
        spawn_local(async move {
            let ended = match write.await {
                Ok(()) => OnDevice::Written,
                Err(e) => {
                    leptos::logging::warn!("the copy kept on this device: {e}");
                    OnDevice::Failed(e)
                }
            };
            self.on_device.try_set(ended);
        });
    }

    /// Removes every copy kept on this device (Sign out, Settings, turning keeping off).
    pub fn forget(self) {
        self.write_on_device(Box::pin(crate::kept::clear()));
    }

    /// The event types, asked of the API once per account and tab.
    pub async fn event_types(
        self,
        client: &Client,
        signal: Option<&AbortSignal>,
    ) -> Result<Vec<audit_model::EventType>, ApiError> {
        // A kept copy brings them along.
        self.opening(client).await;
        let account = Account::of(client);
        let known = self.types.with_value(|t| match t {
            Some((a, list)) if *a == account => Some(list.clone()),
            _ => None,
        });
        if let Some(list) = known {
            return Ok(list);
        }
        let list = client.event_types(signal).await?.event_types;
        self.types.set_value(Some((account, list.clone())));
        Ok(list)
    }

    /// Runs `f` on the complete copy of `client`'s account, if there is one.
    fn with_ready<T>(self, client: &Client, f: impl FnOnce(&mut Workspace) -> T) -> Option<T> {
        let account = Account::of(client);
        self.entry
            .try_update_value(|cur| match cur {
                Some(Entry {
                    account: a,
                    state: State::Ready(w),
                }) if *a == account => Some(f(w)),
                _ => None,
            })
            .flatten()
    }

    /// Whether the copy is complete and covers `q` (nothing is computed).
    pub fn covers(self, client: &Client, q: &EventQuery) -> bool {
        self.with_ready(client, |w| w.range().covers(q))
            .unwrap_or(false)
    }

    /// The answer to `q` from the copy, when the copy is complete and covers it.
    pub fn answer(self, client: &Client, q: &EventQuery) -> Option<Result<EventsPage, ApiError>> {
        let answered = self.with_ready(client, |w| w.answer(q, &links_base(client)))??;
        Some(answered.map_err(ApiError::from))
    }

    /// The facets of the events matching `q`, when the copy is complete and covers it.
    pub fn facets(
        self,
        client: &Client,
        q: &EventQuery,
        top: usize,
    ) -> Option<Result<Vec<audit_model::facets::Facet>, ApiError>> {
        let counted = self.with_ready(client, |w| {
            w.range().covers(q).then(|| {
                w.store()
                    .matching(q)
                    .map(|events| audit_model::facets::facets(events, top))
            })
        })??;
        Some(counted.map_err(ApiError::from))
    }

    /// What the complete copy holds around `ev`: the same user's previous and next events, and
    /// the history of the resource it is about.
    pub fn related(
        self,
        client: &Client,
        ev: &audit_model::AuditEvent,
    ) -> Option<audit_model::related::Related> {
        self.with_ready(client, |w| audit_model::related::related(w.store(), ev))
    }

    /// One event from the copy, if held.
    pub fn event(self, client: &Client, id: &str) -> Option<audit_model::AuditEvent> {
        self.with_ready(client, |w| w.store().get(id).cloned())
            .flatten()
    }

    /// Waits while a read that covers `q` is in progress, so the caller is then answered
    /// locally. Returns at once otherwise (and when the read is replaced, fails or is aborted).
    pub async fn settled(self, client: &Client, q: &EventQuery) {
        self.wait_for(client, |range, _| range.covers(q)).await;
    }

    /// Waits while the copy kept on this device is being opened (the list then answers from it
    /// instead of asking the API).
    pub async fn opening(self, client: &Client) {
        self.wait_for(client, |_, from_device| from_device).await;
    }

    /// Waits while the account's read is one that `which` (given its range and whether it
    /// opens the copy kept on this device) picks, until that read ends in any way.
    async fn wait_for(self, client: &Client, which: impl Fn(&Range, bool) -> bool) {
        let account = Account::of(client);
        let done = self.entry.with_value(|cur| match cur {
            Some(Entry {
                account: a,
                state:
                    State::Reading {
                        range,
                        done,
                        from_device,
                        ..
                    },
            }) if *a == account && which(range, *from_device) => Some(done.clone()),
            _ => None,
        });
        if let Some(done) = done {
            let _ = done.await;
        }
    }

    /// Forgets the copy and aborts its read (sign out, another proxy, a file opened).
    pub fn clear(self) {
        let previous = self.entry.try_update_value(Option::take).flatten();
        if let Some(Entry {
            state: State::Reading { controller, .. },
            ..
        }) = previous
        {
            controller.abort();
        }
        self.types.set_value(None);
        self.status.set(Status::Idle);
    }

    /// Makes sure the copy covers the dates of `q` for this account: nothing to do when it does
    /// (or is being read, or was declined for this range); otherwise a new read starts.
    pub fn ensure(self, client: Client, q: &EventQuery) {
        if self.max_events.get_value() == 0 {
            return;
        }
        let Ok(range) = Range::of(q) else { return };
        let account = Account::of(&client);
        let (covered, first_for_account) = self.entry.with_value(|cur| match cur {
            Some(e) if e.account == account => (
                match &e.state {
                    State::Reading { range: r, .. } => r.covers(q),
                    State::Ready(w) => w.range().covers(q),
                    State::Declined(r) => *r == range,
                },
                false,
            ),
            _ => (false, true),
        });
        if covered {
            return;
        }
        if first_for_account && self.keep.get_untracked() {
            self.open_kept(client, range);
        } else {
            self.start(client, range);
        }
    }

    /// Opens the copy kept on this device: when it covers `range` it answers at once and only
    /// what is newer is asked of the API; otherwise the range is read as usual.
    fn open_kept(self, client: Client, range: Range) {
        let Some(signal) = self.begin(&client, &range, true) else {
            return;
        };
        let account = Account::of(&client);
        self.status.set(Status::Opening);
        spawn_local(async move {
            let kept = crate::kept::load(&crate::kept::key(&account.base, &account.key))
                .await
                .and_then(crate::kept::Kept::into_workspace)
                .filter(|(w, _, _)| w.range().covers(&range.read_query(1)));
            if signal.aborted() {
                return;
            }
            let Some((w, as_of, types)) = kept else {
                self.start(client, range);
                return;
            };
            let events = w.store().len() as u64;
            if !types.is_empty() {
                self.types.set_value(Some((account, types)));
            }
            // Replacing the entry's state ends every wait for it.
            self.settle(State::Ready(w));
            self.as_of.set(Some(as_of));
            self.status.set(Status::Ready { events });
            crate::instrument::mark_once("audit:local-ready");
            // Then what happened since the copy was kept: one request when little did.
            if let Err(e) = self.sync(&client, &signal).await {
                leptos::logging::warn!("the kept copy could not be brought up to date: {e}");
            }
        });
    }

    /// Puts `state` in place of the current entry's (a read's end).
    fn settle(self, state: State) {
        self.entry.update_value(|cur| {
            if let Some(e) = cur.as_mut() {
                e.state = state;
            }
        });
    }

    /// Keeps the copy on this device, when the person asked for that.
    pub fn keep_on_device(self, client: &Client) {
        if !self.keep.get_untracked() {
            return;
        }
        let account = Account::of(client);
        let types = self.types.with_value(|t| match t {
            Some((a, list)) if *a == account => list.clone(),
            _ => Vec::new(),
        });
        let as_of = self.as_of.get_untracked().unwrap_or_default();
        if let Some(text) = self.with_ready(client, |w| crate::kept::Kept::encode(w, as_of, &types))
        {
            let key = crate::kept::key(&account.base, &account.key);
            self.write_on_device(Box::pin(
                async move { crate::kept::save(&key, text?).await },
            ));
        }
    }

    /// Reads `range` again from the start (the status line's "Try again").
    pub fn retry(self, client: Client, q: &EventQuery) {
        if let Ok(range) = Range::of(q) {
            self.start(client, range);
        }
    }

    /// Makes a new read of `range` (from the device or the API) the current entry, aborting the
    /// one it replaces; its abort signal.
    fn begin(self, client: &Client, range: &Range, from_device: bool) -> Option<AbortSignal> {
        let controller = AbortController::new().ok()?;
        let signal = controller.signal();
        let (ends, done) = oneshot::channel();
        let next = Entry {
            account: Account::of(client),
            state: State::Reading {
                range: range.clone(),
                controller,
                done: done.shared(),
                _ends: ends,
                reading: None,
                from_device,
            },
        };
        let previous = self
            .entry
            .try_update_value(|cur| cur.replace(next))
            .flatten();
        if let Some(Entry {
            state: State::Reading { controller, .. },
            ..
        }) = previous
        {
            controller.abort();
        }
        Some(signal)
    }

    fn start(self, client: Client, range: Range) {
        let Some(signal) = self.begin(&client, &range, false) else {
            return;
        };
        self.status.set(Status::Reading { held: 0, total: 0 });
        let max = self.max_events.get_value();
        let began = crate::browser::now_ms();
        spawn_local(async move {
            let result = self.read(&client, range.clone(), max, &signal).await;
            if signal.aborted() {
                return;
            }
            let (state, status) = match result {
                Ok(w) => {
                    self.as_of.set(Some(began));
                    let events = w.store().len() as u64;
                    (State::Ready(w), Status::Ready { events })
                }
                Err(Failure::Read(ReadError::TooMany { total, max })) => {
                    (State::Declined(range), Status::TooMany { total, max })
                }
                Err(Failure::Read(e)) => (State::Declined(range), Status::Failed(e.to_string())),
                Err(Failure::Api(ApiError::Aborted)) => return,
                Err(Failure::Api(e)) => (State::Declined(range), Status::Failed(e.to_string())),
            };
            // Replacing the entry's state ends every wait for it.
            self.settle(state);
            // Views answered meanwhile stay as they are: the API gave them the same events, and
            // those waiting for the copy are answered now.
            let ready = matches!(status, Status::Ready { .. });
            self.status.set(status);
            crate::instrument::mark_once("audit:local-ready");
            if ready {
                self.keep_on_device(&client);
            }
        });
    }

    /// Runs `f` on the read in progress, if it is still this one (`signal` not aborted).
    fn with_reading<T>(self, signal: &AbortSignal, f: impl FnOnce(&mut Reading) -> T) -> Option<T> {
        if signal.aborted() {
            return None;
        }
        self.entry
            .try_update_value(|cur| match cur {
                Some(Entry {
                    state:
                        State::Reading {
                            reading: Some(r), ..
                        },
                    ..
                }) => Some(f(r)),
                _ => None,
            })
            .flatten()
    }

    /// Reads every page of `range`, [`IN_FLIGHT`] at a time after the first, into the entry's
    /// [`Reading`] (where the timeline looks while it fills).
    async fn read(
        self,
        client: &Client,
        range: Range,
        max: u64,
        signal: &AbortSignal,
    ) -> Result<Workspace, Failure> {
        let first = client
            .page(&range.read_query(1), Some(signal))
            .await
            .map_err(Failure::Api)?;
        let reading = Reading::start(range.clone(), &first, max).map_err(Failure::Read)?;
        let pages = reading.pages();
        if signal.aborted() {
            return Err(Failure::Api(ApiError::Aborted));
        }
        self.entry.update_value(|cur| {
            if let Some(Entry {
                state: State::Reading { reading: slot, .. },
                ..
            }) = cur
            {
                *slot = Some(reading);
            }
        });
        // Progress reaches the view (and the timeline drawn from it) a few times a second, not
        // at every page: a large range has hundreds.
        let shown_at = std::cell::Cell::new(f64::MIN);
        let show = || {
            let now = crate::browser::now_ms() as f64;
            if now - shown_at.get() < PROGRESS_EVERY_MS {
                return;
            }
            if let Some((held, total)) = self.with_reading(signal, |r| (r.held(), r.total())) {
                shown_at.set(now);
                self.status.set(Status::Reading { held, total });
            }
        };
        show();
        let rest = (2..=pages).map(|page| (page, range.read_query(page)));
        let mut answers = std::pin::pin!(in_order(rest, IN_FLIGHT, |(page, q)| async move {
            Ok((page, client.page(&q, Some(signal)).await?))
        }));
        while let Some(answer) = answers.next().await {
            let (page, p) = answer.map_err(Failure::Api)?;
            self.with_reading(signal, |r| r.add(page, p.events()));
            show();
        }
        // Events written meanwhile push the oldest past the pages announced: read on for them.
        while let Some(page) = self.with_reading(signal, |r| r.tail_page()).flatten() {
            let p = client
                .page(&range.read_query(page), Some(signal))
                .await
                .map_err(Failure::Api)?;
            self.with_reading(signal, |r| r.add(page, p.events()));
        }
        let reading = self
            .entry
            .try_update_value(|cur| match cur {
                Some(Entry {
                    state: State::Reading { reading, .. },
                    ..
                }) if !signal.aborted() => reading.take(),
                _ => None,
            })
            .flatten();
        match reading {
            Some(r) => r.finish().map_err(Failure::Read),
            None => Err(Failure::Api(ApiError::Aborted)),
        }
    }

    /// While a read that covers `q` runs: the bucket counts its pages already tell exactly
    /// (`None` for the rest). `None` when no such read runs, or `q` filters by text (the text
    /// match needs the complete copy).
    pub fn counts_so_far(
        self,
        client: &Client,
        q: &EventQuery,
        buckets: &[(audit_model::time::Timestamp, audit_model::time::Timestamp)],
    ) -> Option<Vec<Option<u64>>> {
        if q.search_text.is_some() {
            return None;
        }
        let account = Account::of(client);
        self.entry.with_value(|cur| match cur {
            Some(Entry {
                account: a,
                state:
                    State::Reading {
                        range,
                        reading: Some(r),
                        ..
                    },
            }) if *a == account && range.covers(q) => {
                Some(r.counts_so_far(&q.event_types, buckets))
            }
            _ => None,
        })
    }

    /// [`sync`](Self::sync), unless the copy was brought up to date less than `max_age_ms` ago.
    pub async fn sync_if_older(
        self,
        client: &Client,
        signal: &AbortSignal,
        max_age_ms: i64,
    ) -> Result<usize, ApiError> {
        let fresh = self
            .as_of
            .get_untracked()
            .is_some_and(|t| crate::browser::now_ms() - t < max_age_ms);
        if fresh {
            return Ok(0);
        }
        self.sync(client, signal).await
    }

    /// Asks the API for events newer than the newest held and adds them to the copy (Refresh,
    /// Live). Returns how many joined; nothing is asked without a complete copy of a range that
    /// reaches now.
    pub async fn sync(self, client: &Client, signal: &AbortSignal) -> Result<usize, ApiError> {
        let Some(first_q) = self.with_ready(client, |w| w.since(1)).flatten() else {
            return Ok(0);
        };
        let began = crate::browser::now_ms();
        let mut events = Vec::new();
        let first = client.page(&first_q, Some(signal)).await?;
        let pages = first.info().total_pages.max(1) as u32;
        events.extend_from_slice(first.events());
        let rest = (2..=pages).map(|page| first_q.at_page(page));
        let mut answers = std::pin::pin!(in_order(rest, IN_FLIGHT, |q| async move {
            client.page(&q, Some(signal)).await
        }));
        while let Some(answer) = answers.next().await {
            events.extend_from_slice(answer?.events());
        }
        if signal.aborted() {
            return Err(ApiError::Aborted);
        }
        let (added, total) = self
            .with_ready(client, |w| (w.absorb(&events).len(), w.store().len()))
            .unwrap_or_default();
        self.as_of.set(Some(began));
        if added > 0 {
            self.status.set(Status::Ready {
                events: total as u64,
            });
            self.version.update(|v| *v += 1);
            self.keep_on_device(client);
        }
        Ok(added)
    }
}
