//! The one way screens load data: [`load`] runs a fetch for every new input and guarantees that a
//! newer question always wins.
//!
//! - A new input aborts the previous fetch's requests (one `AbortController` per run), and
//!   leaving the view (the owner's cleanup) aborts the last one: nothing of a replaced query keeps
//!   running.
//! - An answer is delivered only if its run was not aborted by then, so a late answer to an old
//!   question is dropped, and nothing is ever written into a view that is gone.
//! - A 401 goes to the session in one place: back to sign-in, then back to the same view. Just
//!   after signing in, the first answers are the credentials' check: the client confirms them
//!   with the first answer the API accepted, and a refusal (401, an unreachable or blocking
//!   proxy) brings the form back with the reason.
//! - Each request of a run is bounded by the client's timeout ([`crate::api::Client`]): past it
//!   the request is aborted and the run's answer is [`ApiError::Timeout`], delivered like any
//!   other error. (A whole run may take longer: an export reads many pages.)
//!
//! [`load`] returns a [`Loading`] handle, which can abort the run in progress (an export's
//! Cancel).

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::{AbortController, AbortSignal};

use crate::api::ApiError;
use crate::session::Session;

/// The run in progress of a [`load`].
#[derive(Clone, Copy)]
pub struct Loading {
    current: StoredValue<Rc<RefCell<Option<AbortController>>>, LocalStorage>,
}

impl Loading {
    /// Aborts the run in progress, if any: its requests stop and its answer is dropped.
    pub fn abort(&self) {
        if let Some(current) = self.current.try_get_value() {
            if let Some(c) = current.borrow_mut().take() {
                c.abort();
            }
        }
    }
}

/// Starts a handler's work (a click's save, a test of the connection) for the view it runs in:
/// `work` gets an abort signal for its requests, and when the view goes the signal aborts and
/// the work is dropped where it waits, so nothing of it lands in a view that is gone. (A
/// handler runs under its view's owner, whose cleanup this joins.)
pub fn spawn_for_view<Fut>(work: impl FnOnce(AbortSignal) -> Fut)
where
    Fut: Future<Output = ()> + 'static,
{
    let Ok(controller) = AbortController::new() else {
        return;
    };
    let task: Pin<Box<dyn Future<Output = ()>>> = Box::pin(work(controller.signal()));
    cancel_with_view(controller, task);
}

/// The part of [`spawn_for_view`] that is the same for every handler (one copy in the wasm).
/// The task does not hold the view's owner (Leptos's own scoped spawn does, which keeps a view
/// that is gone alive until the task ends), so the owner's cleanup runs when the view goes.
fn cancel_with_view(controller: AbortController, task: Pin<Box<dyn Future<Output = ()>>>) {
    use futures_util::future::{AbortHandle, Abortable};
    let (stop, registration) = AbortHandle::new_pair();
    let controller = send_wrapper::SendWrapper::new(controller);
    on_cleanup(move || {
        controller.abort();
        stop.abort();
    });
    spawn_local(async move {
        let _ = Abortable::new(task, registration).await;
    });
}

/// Re-runs `fetch` whenever `input` changes (it is tracked like an effect; `None` means nothing
/// to load), and hands each answer that is still current to `deliver`. `started` runs, untracked,
/// when a run begins (to show a loading state).
///
/// Only the part that knows the input and answer types is generic; the effect, the abort
/// controllers and the task are one piece of code for every screen ([`run_loads`]), which keeps
/// ten copies of them out of the wasm.
pub fn load<I, T, Fut>(
    input: impl Fn() -> Option<I> + 'static,
    fetch: impl Fn(I, AbortSignal) -> Fut + 'static,
    started: impl Fn() + 'static,
    deliver: impl Fn(Result<T, ApiError>) + 'static,
) -> Loading
where
    I: 'static,
    T: 'static,
    Fut: Future<Output = Result<T, ApiError>> + 'static,
{
    let fetch = Rc::new(fetch);
    let deliver = Rc::new(deliver);
    let next = move || -> Option<Begin> {
        let value = input()?;
        let (fetch, deliver) = (fetch.clone(), deliver.clone());
        Some(Box::new(
            move |signal: AbortSignal, session: Option<Session>| {
                let run = fetch(value, signal.clone());
                Box::pin(async move {
                    let result = run.await;
                    // Replaced, cancelled or left meanwhile: the answer is dropped, and nothing
                    // reactive is touched.
                    if signal.aborted() {
                        return;
                    }
                    match result {
                        Ok(value) => deliver(Ok(value)),
                        Err(e) => {
                            if let Some(e) = routed(e, session) {
                                deliver(Err(e))
                            }
                        }
                    }
                }) as Pin<Box<dyn Future<Output = ()>>>
            },
        ))
    };
    run_loads(Rc::new(next), Rc::new(started))
}

/// What a screen shows of its data, from one [`load_screen`]: the last answer, whether a run is
/// under way, the last run's error (cleared when the next run starts), and Retry.
pub struct Loaded<T: Send + Sync + 'static> {
    /// The last answer (kept under a later error: the screen says it is not the answer).
    pub value: RwSignal<Option<T>>,
    /// A run is under way.
    pub loading: RwSignal<bool>,
    /// Why the last run failed.
    pub error: RwSignal<Option<ApiError>>,
    retries: RwSignal<u32>,
    /// The run in progress (to cancel it).
    pub run: Loading,
}

impl<T: Send + Sync + 'static> Clone for Loaded<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Loaded<T> {}

impl<T: Send + Sync + 'static> Loaded<T> {
    /// Asks again (the error banner's Retry, a list refreshed by Live).
    pub fn retry(&self) {
        self.retries.update(|n| *n += 1);
    }

    /// [`retry`](Self::retry) as a callback for a component's prop.
    pub fn on_retry(&self) -> Callback<()> {
        let this = *self;
        Callback::new(move |_| this.retry())
    }
}

/// A screen's [`load`] with the signals every screen shows: `input` and `fetch` as for [`load`]
/// (a retry runs `fetch` again with the same input), `initial` what is shown before the first
/// answer, and `arrived` called with each answer once it is the value.
pub fn load_screen<I, T, Fut>(
    input: impl Fn() -> Option<I> + 'static,
    fetch: impl Fn(I, AbortSignal) -> Fut + 'static,
    initial: Option<T>,
    arrived: impl Fn(&T) + 'static,
) -> Loaded<T>
where
    I: 'static,
    T: Send + Sync + 'static,
    Fut: Future<Output = Result<T, ApiError>> + 'static,
{
    let value = RwSignal::new(initial);
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None);
    let retries = RwSignal::new(0u32);
    let run = load(
        move || {
            retries.track();
            input()
        },
        fetch,
        move || {
            loading.set(true);
            error.set(None);
        },
        move |result| {
            loading.set(false);
            match result {
                Ok(v) => {
                    value.set(Some(v));
                    value.with_untracked(|v| {
                        if let Some(v) = v {
                            arrived(v)
                        }
                    });
                }
                Err(e) => error.set(Some(e)),
            }
        },
    );
    Loaded {
        value,
        loading,
        error,
        retries,
        run,
    }
}

/// Where a run's error goes, the same for every screen (and so not in each screen's generic
/// code): an abort nowhere; a refusal of credentials just signed in, or a 401, to the session;
/// anything else back to the screen (`Some`).
fn routed(e: ApiError, session: Option<Session>) -> Option<ApiError> {
    match (e, session) {
        (ApiError::Aborted, _) => None,
        // The first answers of a sign-in are its check.
        (e, Some(s)) if s.is_unconfirmed() && e.refuses_sign_in() => {
            s.refuse(&e);
            None
        }
        (e, Some(s)) if e.needs_sign_in() => {
            s.expire(e.to_string());
            None
        }
        (e, _) => Some(e),
    }
}

/// Starts one run: given its abort signal and the session, the future that fetches and
/// delivers.
type Begin = Box<dyn FnOnce(AbortSignal, Option<Session>) -> Pin<Box<dyn Future<Output = ()>>>>;

/// The effect behind every [`load`]: each time `next` (tracked) has an input, the run in
/// progress is aborted and a new one starts.
fn run_loads(next: Rc<dyn Fn() -> Option<Begin>>, started: Rc<dyn Fn()>) -> Loading {
    let session = use_context::<Session>();
    let current: Rc<RefCell<Option<AbortController>>> = Rc::default();
    // Kept in a local StoredValue so the effect's closure needs no Send.
    let for_cleanup = send_wrapper::SendWrapper::new(current.clone());
    let handle = Loading {
        current: StoredValue::new_local(current.clone()),
    };
    let state = StoredValue::new_local((current, next, started));
    Effect::new(move |_| {
        let (current, next, started) = state.get_value();
        let Some(begin) = next() else {
            return;
        };
        let Some(controller) = replace_run(&current) else {
            return;
        };
        untrack(|| started());
        spawn_local(begin(controller.signal(), session));
    });
    // Not through reactive storage, which may already be disposed when cleanup runs.
    on_cleanup(move || {
        if let Some(c) = for_cleanup.borrow_mut().take() {
            c.abort();
        }
    });
    handle
}

/// Aborts the run in progress, if any, and starts a new one: its controller.
fn replace_run(current: &RefCell<Option<AbortController>>) -> Option<AbortController> {
    if let Some(old) = current.borrow_mut().take() {
        old.abort();
    }
    let controller = AbortController::new().ok()?;
    *current.borrow_mut() = Some(controller.clone());
    Some(controller)
}
