//! Whether the server behind the API base is an archive (`audit-archive`), and what it says it
//! holds and answers ([`audit_model::archive`]). Every answer tells whether it came from an
//! archive (its mark, [`audit_model::archive::MARK_HEADER`]): the first one that does makes the
//! app ask for the announcement, once per account; against the plain API nothing more is sent.
//! A view that needs to know before any answer came asks itself ([`ArchiveLink::known`]).
//! Until the announcement, and against the plain API, the app behaves as it always has.
//!
//! Against an archive, the search box's qualifiers are asked of it (it answers them in its
//! database, over the whole history) instead of waiting for the tab's copy, and the Alerts view
//! lists its watch's hits.

use std::sync::Arc;

use audit_model::archive::About;
use futures_util::future::{FutureExt, LocalBoxFuture, Shared};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::Client;

/// What is known of the server behind the signed-in account's API base. `Copy`: a handle to
/// its signals, given to every [`crate::source::Source`] of the account.
#[derive(Clone, Copy, Debug)]
pub struct ArchiveLink {
    asked: StoredValue<Option<Asked>, LocalStorage>,
    about: RwSignal<Option<Arc<About>>>,
}

/// The one question asked for an account: whose, and its answer when it comes.
struct Asked {
    base: String,
    key: String,
    answer: Shared<LocalBoxFuture<'static, Option<Arc<About>>>>,
}

impl Asked {
    fn is_for(&self, client: &Client) -> bool {
        self.base == client.base && self.key == client.credentials.key
    }
}

impl Default for ArchiveLink {
    fn default() -> Self {
        Self::new()
    }
}

impl ArchiveLink {
    /// Nothing known yet.
    pub fn new() -> Self {
        Self {
            asked: StoredValue::new_local(None),
            about: RwSignal::new(None),
        }
    }

    /// Asks `client`'s server what it is, unless that account's question is already asked.
    pub fn ask(self, client: &Client) {
        // The question runs on its own (its spawned task tells the signal); the handle to its
        // answer is not needed here.
        drop(self.asking(client));
    }

    fn asking(self, client: &Client) -> Shared<LocalBoxFuture<'static, Option<Arc<About>>>> {
        if let Some(answer) = self.asked.with_value(|a| {
            a.as_ref()
                .filter(|a| a.is_for(client))
                .map(|a| a.answer.clone())
        }) {
            return answer;
        }
        let asking = client.clone();
        let answer = async move {
            match asking.archive_about(None).await {
                Ok(about) => about.map(Arc::new),
                Err(e) => {
                    // Taken as the plain API for now: everything works as without an archive,
                    // and the next view of the account asks again.
                    leptos::logging::warn!("could not ask whether the server is an archive: {e}");
                    self.asked.update_value(|a| {
                        if a.as_ref().is_some_and(|a| a.is_for(&asking)) {
                            *a = None;
                        }
                    });
                    None
                }
            }
        }
        .boxed_local()
        .shared();
        self.asked.set_value(Some(Asked {
            base: client.base.clone(),
            key: client.credentials.key.clone(),
            answer: answer.clone(),
        }));
        self.about.set(None);
        let (asked_for, told) = (client.clone(), answer.clone());
        spawn_local(async move {
            let about = told.await;
            // Only the account still asked about is told (a newer sign-in wins).
            let current = self
                .asked
                .with_value(|a| a.as_ref().is_some_and(|a| a.is_for(&asked_for)));
            if current {
                self.about.set(about);
            }
        });
        answer
    }

    /// An answer from `client`'s server accepted its credentials, with or without an archive's
    /// mark: with it, the announcement is asked for (once); without it, the server is the plain
    /// API, unless that account's question is already asked.
    pub fn told(self, client: &Client, archive: bool) {
        if archive {
            return self.ask(client);
        }
        let asked = self
            .asked
            .with_value(|a| a.as_ref().is_some_and(|a| a.is_for(client)));
        if !asked {
            self.asked.set_value(Some(Asked {
                base: client.base.clone(),
                key: client.credentials.key.clone(),
                answer: futures_util::future::ready(None).boxed_local().shared(),
            }));
            self.about.set(None);
        }
    }

    /// What `client`'s server announced, waiting for the answer if it is being asked; `None`
    /// for the plain API.
    pub async fn known(self, client: &Client) -> Option<Arc<About>> {
        self.asking(client).await
    }

    /// The announcement of the account signed in, once known (tracks it).
    pub fn about(self) -> Option<Arc<About>> {
        self.about.get()
    }

    /// Forgets what was known (signing out).
    pub fn forget(self) {
        self.asked.set_value(None);
        self.about.set(None);
    }
}
