//! Where events come from: where the API is (config.json, Settings override), who is signed in
//! (and a sign-in in progress), the file opened offline and the tab's local copy. Provided as
//! context by [`crate::App`], beside the display preferences ([`crate::prefs::Prefs`]) and the
//! list's memory ([`crate::memory::ListMemory`]), each a context of its own.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::{Client, Credentials};
use crate::browser::{load, remove, save, Store};
use crate::field::FieldError;

const CREDENTIALS_KEY: &str = ui_names::storage::CREDENTIALS;
const API_BASE_KEY: &str = ui_names::storage::API_BASE;
const KEEP_COPY_KEY: &str = ui_names::storage::KEEP_COPY;
/// The name (only) of the file open offline in this tab, so a reload can say it was closed.
const OPEN_FILE_KEY: &str = ui_names::storage::OPEN_FILE;
/// Used when config.json cannot be read.
pub const FALLBACK_API_BASE: &str = "http://127.0.0.1:8787";

/// `config.json`, served beside index.html so a static host can point the app at its proxy
/// without a rebuild.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AppConfig {
    /// Base URL of the proxy (or any CORS-enabled endpoint serving the Audit API paths).
    pub api_base_url: Option<String>,
    /// Longest one API request may take, in seconds (default 40): raise it for a slow upstream.
    pub request_timeout_secs: Option<u32>,
    /// Most events of one range kept in the tab's local copy (default 50,000); above it every
    /// view asks the API. 0 turns the local copy off.
    pub local_max_events: Option<u64>,
}

#[derive(Serialize, Deserialize)]
struct StoredCredentials {
    key: String,
    secret: String,
}

/// Trims and drops a trailing slash, so paths can be appended.
pub fn normalize_base(url: &str) -> String {
    url.trim().trim_end_matches('/').to_string()
}

/// config.json's `api_base_url` as a URL: absolute as given, or a path (`/` when `audit-proxy
/// --app` serves the app and its API on one origin) on this page's origin.
pub fn resolve_config_base(base: &str) -> String {
    let b = base.trim();
    if b.starts_with('/') && !b.starts_with("//") {
        let origin = web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default();
        normalize_base(&format!("{origin}{b}"))
    } else {
        normalize_base(b)
    }
}

/// Checks a proxy URL typed in Settings with the browser's own URL parser: an absolute `http:`
/// or `https:` URL with a host, and no credentials, query or fragment. Returns it normalized
/// (no trailing slash), or a message that says what to type.
pub fn parse_api_base(input: &str) -> Result<String, FieldError> {
    let t = input.trim();
    let example = "e.g. http://127.0.0.1:8787";
    if t.is_empty() {
        return Err(FieldError::from(format!(
            "Enter the proxy's URL ({example})."
        )));
    }
    let no_scheme = || format!("“{t}” has no scheme: write http://{t} (or https://{t}).");
    let url = web_sys::Url::new(t).map_err(|_| {
        if t.contains("://") {
            format!("“{t}” is not a URL ({example}).")
        } else {
            no_scheme()
        }
    })?;
    let protocol = url.protocol();
    if protocol != "http:" && protocol != "https:" {
        return Err(FieldError::from(
            if t.contains("://") || protocol == "javascript:" || protocol == "data:" {
                format!("The proxy's URL must start with http:// or https://, not {protocol} ({example}).")
            } else {
                no_scheme()
            },
        ));
    }
    if url.hostname().is_empty() {
        return Err(FieldError::from(format!(
            "“{t}” names no host ({example})."
        )));
    }
    if !url.username().is_empty() || !url.password().is_empty() {
        return Err(FieldError::from("Leave credentials out of the proxy's URL: sign in with the API key and secret instead."));
    }
    if !url.search().is_empty() || !url.hash().is_empty() {
        return Err(FieldError::from(format!(
            "The proxy's URL takes no ? or # part ({example})."
        )));
    }
    Ok(normalize_base(&format!(
        "{}{}",
        url.origin(),
        url.pathname()
    )))
}

/// The sources' state; cheap to copy (signals only).
#[derive(Clone, Copy)]
pub struct Session {
    /// The API base from config.json.
    pub config_base: RwSignal<String>,
    /// The Settings override, if any (remembered in localStorage).
    pub override_base: RwSignal<Option<String>>,
    /// Signed-in credentials.
    pub credentials: RwSignal<Option<Credentials>>,
    /// Why the sign-in form is shown again (a 401 mid-session keeps the view behind it).
    pub notice: RwSignal<Option<String>>,
    /// A JSON Lines export opened offline; while set, it is the source of events.
    pub offline: RwSignal<Option<std::sync::Arc<crate::source::OfflineFile>>>,
    /// Longest one API request may take (config.json's `request_timeout_secs`).
    pub request_timeout_ms: StoredValue<u32>,
    /// The tab's local copy of the range in view, its status and the person's choice to keep
    /// it on this device ([`crate::workspace`]).
    pub copy: crate::workspace::LocalCopy,
    /// A sign-in that no API answer has accepted yet, and whether to remember it: the views
    /// load with its credentials at once, the first answer confirms them (only then are they
    /// stored), a refusal brings the form back ([`refuse`](Self::refuse)).
    pub unconfirmed: StoredValue<Option<bool>>,
    /// What the sign-in form shows again after a refused sign-in.
    pub refused: RwSignal<Option<Refused>>,
    /// What was typed into the page's own sign-in form before the app started, for the app's
    /// first sign-in view to take over.
    pub typed_early: StoredValue<Option<crate::browser::BootSignIn>>,
    /// Whether the server behind the API base is an archive, and what it announced.
    pub archive: crate::archive::ArchiveLink,
}

/// A sign-in the first answers refused: what was typed and why. The secret only when it was
/// not the secret that was refused (the proxy could not be reached, say), in memory only.
#[derive(Clone, PartialEq)]
pub struct Refused {
    /// The API key typed.
    pub key: String,
    /// The secret typed, unless the API rejected it.
    pub secret: Option<String>,
    /// Whether *Remember on this device* was ticked.
    pub remember: bool,
    /// What went wrong and what to do.
    pub message: String,
}

impl Session {
    /// Restores what the browser remembers.
    pub fn restore() -> Self {
        let stored =
            load(Store::Session, CREDENTIALS_KEY).or_else(|| load(Store::Local, CREDENTIALS_KEY));
        let credentials = stored
            .and_then(|s| serde_json::from_str::<StoredCredentials>(&s).ok())
            .map(|c| Credentials {
                key: c.key,
                secret: c.secret,
            });
        Session {
            config_base: RwSignal::new(FALLBACK_API_BASE.to_string()),
            override_base: RwSignal::new(
                load(Store::Local, API_BASE_KEY).filter(|s| !s.is_empty()),
            ),
            credentials: RwSignal::new(credentials),
            // A file read offline lives in memory only; after a reload, say so instead of
            // silently showing something else.
            notice: RwSignal::new(load(Store::Session, OPEN_FILE_KEY).map(|name| {
                remove(Store::Session, OPEN_FILE_KEY);
                format!("“{name}” was open before the page reloaded. Files are read in this tab's memory only, so open it again to go on.")
            })),
            offline: RwSignal::new(None),
            request_timeout_ms: StoredValue::new(crate::api::REQUEST_TIMEOUT_MS),
            copy: crate::workspace::LocalCopy::new(
                load(Store::Local, KEEP_COPY_KEY).as_deref() == Some("on"),
            ),
            unconfirmed: StoredValue::new(None),
            refused: RwSignal::new(None),
            typed_early: StoredValue::new(None),
            archive: crate::archive::ArchiveLink::new(),
        }
    }

    /// The API base in effect.
    pub fn api_base(&self) -> String {
        self.override_base
            .get()
            .unwrap_or_else(|| self.config_base.get())
    }

    /// [`api_base`](Self::api_base), without tracking.
    pub fn api_base_untracked(&self) -> String {
        untrack(|| self.api_base())
    }

    /// A client for the signed-in account (tracks the signals it reads).
    pub fn client(&self) -> Option<Client> {
        let credentials = self.credentials.get()?;
        Some(self.client_to(self.api_base(), credentials))
    }

    /// [`client`](Self::client), without tracking.
    pub fn client_untracked(&self) -> Option<Client> {
        untrack(|| self.client())
    }

    /// A client for any base and credentials (sign-in, Settings' test), with the configured
    /// request timeout.
    pub fn client_to(&self, base: String, credentials: Credentials) -> Client {
        let session = *self;
        let these = credentials.clone();
        let at = base.clone();
        Client {
            timeout_ms: self.request_timeout_ms.get_value(),
            on_accepted: Some(crate::api::OnAccepted(std::sync::Arc::new(
                move |accepted: crate::api::Accepted| {
                    session.confirm(&these);
                    session.told(&at, &these, accepted);
                },
            ))),
            ..Client::new(base, credentials)
        }
    }

    /// [`source`](Self::source), without tracking.
    pub fn source_untracked(&self) -> Option<crate::source::Source> {
        untrack(|| self.source())
    }

    /// Where events come from now: an open file first, else the signed-in account (tracks the
    /// signals it reads).
    pub fn source(&self) -> Option<crate::source::Source> {
        if let Some(file) = self.offline.get() {
            return Some(crate::source::Source::File(file));
        }
        self.client()
            .map(|c| crate::source::Source::Api(c, self.copy, self.archive))
    }

    /// Opens a file offline.
    pub fn open_file(&self, file: crate::source::OfflineFile) {
        self.copy.clear();
        save(Store::Session, OPEN_FILE_KEY, &file.name);
        self.offline.set(Some(std::sync::Arc::new(file)));
    }

    /// Closes the offline file.
    pub fn close_file(&self) {
        remove(Store::Session, OPEN_FILE_KEY);
        self.offline.set(None);
    }

    /// Signs in with credentials already accepted by the API: keeps them for this tab, or on
    /// this device when `remember`.
    pub fn sign_in(&self, credentials: Credentials, remember: bool) {
        self.unconfirmed.set_value(None);
        self.refused.set(None);
        self.store_credentials(&credentials, remember);
        self.notice.set(None);
        self.credentials.set(Some(credentials));
    }

    /// Signs in at once with credentials no answer has checked yet, so the view behind the
    /// form asks its questions in the same moment: its first answer is the check. Nothing is
    /// stored until then ([`confirm`](Self::confirm)).
    pub fn sign_in_unconfirmed(&self, credentials: Credentials, remember: bool) {
        self.unconfirmed.set_value(Some(remember));
        crate::early::restart();
        self.refused.set(None);
        self.notice.set(None);
        self.credentials.set(Some(credentials));
    }

    /// Whether the credentials in use still wait for their first answer.
    pub fn is_unconfirmed(&self) -> bool {
        self.unconfirmed.with_value(Option::is_some)
    }

    /// An answer accepted `credentials`: when they are those of an unconfirmed sign-in, they
    /// are stored as the person chose. Nothing to do otherwise (a confirmed sign-in, or
    /// Settings testing other credentials).
    pub fn confirm(&self, credentials: &Credentials) {
        let Some(remember) = self.unconfirmed.get_value() else {
            return;
        };
        if self
            .credentials
            .with_untracked(|c| c.as_ref() != Some(credentials))
        {
            return;
        }
        self.unconfirmed.set_value(None);
        self.store_credentials(credentials, remember);
    }

    /// An answer accepted `credentials`: when they are the signed-in account's at this base,
    /// the answer tells whether its server is an archive.
    /// The first such answer also ends the noting of the first view's requests
    /// ([`crate::early::settle`]).
    fn told(&self, base: &str, credentials: &Credentials, accepted: crate::api::Accepted) {
        if let Some(client) = self
            .client_untracked()
            .filter(|c| c.base == base && &c.credentials == credentials)
        {
            self.archive.told(&client, accepted.archive);
            crate::early::settle(base, &credentials.key);
        }
    }

    /// The first answers refused an unconfirmed sign-in: back to the form, with the key kept
    /// and the reason, and nothing of the attempt left (no stored secret, no copy begun). What
    /// the browser kept from before (a copy on this device, recent queries) stays.
    pub fn refuse(&self, error: &crate::api::ApiError) {
        let Some(remember) = self.unconfirmed.get_value() else {
            return;
        };
        self.unconfirmed.set_value(None);
        crate::early::restart();
        let Some(credentials) = self.credentials.get_untracked() else {
            return;
        };
        self.copy.clear();
        self.refused.set(Some(Refused {
            key: credentials.key,
            secret: (!error.needs_sign_in()).then_some(credentials.secret),
            remember,
            message: error.sign_in_message(),
        }));
        self.credentials.set(None);
    }

    fn store_credentials(&self, credentials: &Credentials, remember: bool) {
        let json = serde_json::to_string(&StoredCredentials {
            key: credentials.key.clone(),
            secret: credentials.secret.clone(),
        })
        .unwrap_or_default();
        remove(Store::Session, CREDENTIALS_KEY);
        remove(Store::Local, CREDENTIALS_KEY);
        save(
            if remember {
                Store::Local
            } else {
                Store::Session
            },
            CREDENTIALS_KEY,
            &json,
        );
    }

    /// Forgets the credentials everywhere, and what was shown with them (the recent queries
    /// too; saved views stay).
    pub fn sign_out(&self) {
        remove(Store::Session, CREDENTIALS_KEY);
        remove(Store::Local, CREDENTIALS_KEY);
        crate::early::forget();
        crate::saved::forget_recent();
        self.copy.clear();
        self.copy.forget();
        self.archive.forget();
        self.credentials.set(None);
    }

    /// A 401 mid-session: back to the sign-in form (the URL, and so the view, stays). Once
    /// signed out (another answer's 401 came first), nothing more to do.
    pub fn expire(&self, message: String) {
        if self.credentials.with_untracked(Option::is_none) {
            return;
        }
        self.sign_out();
        self.notice.set(Some(message));
    }

    /// Sets or clears the Settings override. The list shown through the old proxy is
    /// forgotten: its rows do not answer for the new one.
    pub fn set_override(&self, base: Option<String>) {
        let base = base.map(|b| normalize_base(&b)).filter(|b| !b.is_empty());
        if base != self.override_base.get_untracked() {
            self.copy.clear();
        }
        match &base {
            Some(b) => save(Store::Local, API_BASE_KEY, b),
            None => remove(Store::Local, API_BASE_KEY),
        }
        self.override_base.set(base);
    }

    /// Keeps (or stops keeping) the local copy on this device; stopping removes what was kept.
    pub fn set_keep_copy(&self, keep: bool) {
        if keep {
            save(Store::Local, KEEP_COPY_KEY, "on");
            self.copy.keep.set(true);
            // A copy already complete is kept now.
            if let Some(client) = self.client_untracked() {
                self.copy.keep_on_device(&client);
            }
            return;
        } else {
            remove(Store::Local, KEEP_COPY_KEY);
            self.copy.forget();
        }
        self.copy.keep.set(keep);
    }
}

/// Why config.json could not be used (the app then runs on its defaults and says so).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Nothing came back.
    #[error("config.json could not be loaded: {0}")]
    Unreachable(String),
    /// The host answered with an error.
    #[error("config.json could not be loaded (HTTP {0})")]
    Status(u16),
    /// It is not the JSON the app reads.
    #[error("config.json is not valid: {0}")]
    Invalid(String),
}

/// Reads config.json (relative to the document's base URL). Missing or broken: the fallback.
pub async fn load_config() -> Result<AppConfig, ConfigError> {
    let resp = gloo_net::http::Request::get("config.json")
        .send()
        .await
        .map_err(|e| ConfigError::Unreachable(e.to_string()))?;
    if !resp.ok() {
        return Err(ConfigError::Status(resp.status()));
    }
    resp.json::<AppConfig>()
        .await
        .map_err(|e| ConfigError::Invalid(e.to_string()))
}
