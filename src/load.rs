//! The one way screens load data: [`load`] runs a fetch for every new input and guarantees that a
//! newer question always wins.
//!
//! - A new input aborts the previous fetch's requests (one `AbortController` per run), and
//!   leaving the view (the owner's cleanup) aborts the last one: nothing of a replaced query keeps
//!   running.
//! - An answer is delivered only if its run was not aborted by then, so a late answer to an old
//!   question is dropped, and nothing is ever written into a view that is gone.
//! - A 401 goes to the session in one place: back to sign-in, then back to the same view.
//! - A run that takes longer than [`crate::api::REQUEST_TIMEOUT_MS`] is aborted and delivered as
//!   [`ApiError::Timeout`].

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::{AbortController, AbortSignal};

use crate::api::{ApiError, REQUEST_TIMEOUT_MS};
use crate::session::Session;

/// Re-runs `fetch` whenever `input` changes (it is tracked like an effect; `None` means nothing
/// to load), and hands each answer that is still current to `deliver`. `started` runs, untracked,
/// when a run begins (to show a loading state).
pub fn load<I, T, Fut>(
    input: impl Fn() -> Option<I> + 'static,
    fetch: impl Fn(I, AbortSignal) -> Fut + 'static,
    started: impl Fn() + 'static,
    deliver: impl Fn(Result<T, ApiError>) + 'static,
) where
    I: 'static,
    T: 'static,
    Fut: Future<Output = Result<T, ApiError>> + 'static,
{
    let session = use_context::<Session>();
    let current: Rc<RefCell<Option<AbortController>>> = Rc::default();
    let fetch = Rc::new(fetch);
    let deliver = Rc::new(deliver);
    // Kept in a local StoredValue so the effect's closure needs no Send.
    let for_cleanup = send_wrapper::SendWrapper::new(current.clone());
    let state = StoredValue::new_local((current, fetch, deliver, Rc::new(started)));
    Effect::new(move |_| {
        let Some(value) = input() else {
            return;
        };
        let (current, fetch, deliver, started) = state.get_value();
        let Some(controller) = replace_run(&current) else {
            return;
        };
        let signal = controller.signal();
        untrack(|| started());
        let run = fetch(value, signal.clone());
        spawn_local(async move {
            let result = with_timeout(run, &controller, session).await;
            // Replaced or left meanwhile: the answer is dropped, and nothing reactive is touched.
            if signal.aborted() && !matches!(result, Err(ApiError::Timeout { .. })) {
                return;
            }
            match result {
                Err(ApiError::Aborted) => {}
                Err(e) if e.needs_sign_in() => match session {
                    Some(s) => s.expire(e.to_string()),
                    None => deliver(Err(e)),
                },
                other => deliver(other),
            }
        });
    });
    // Not through reactive storage, which may already be disposed when cleanup runs.
    on_cleanup(move || {
        if let Some(c) = for_cleanup.borrow_mut().take() {
            c.abort();
        }
    });
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

/// Awaits `run`; past [`REQUEST_TIMEOUT_MS`] its requests are aborted and the answer is a
/// timeout (unless the run was replaced or left before).
async fn with_timeout<T>(
    run: impl Future<Output = Result<T, ApiError>>,
    controller: &AbortController,
    session: Option<Session>,
) -> Result<T, ApiError> {
    use futures_util::future::{select, Either};
    let timer = Box::pin(crate::util::sleep_ms(REQUEST_TIMEOUT_MS));
    match select(Box::pin(run), timer).await {
        Either::Left((result, _)) => result,
        Either::Right(((), _)) if controller.signal().aborted() => Err(ApiError::Aborted),
        Either::Right(((), _)) => {
            controller.abort();
            Err(ApiError::Timeout {
                url: session.map_or_else(|| "the proxy".to_string(), |s| s.api_base_untracked()),
            })
        }
    }
}
