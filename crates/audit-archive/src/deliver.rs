//! Alerts: each stored hit `POST`ed to a webhook, signed, at least once.
//!
//! The body is JSON (or Slack's `{"text": …}`). `X-Audit-Timestamp` is the Unix time of the
//! attempt and `X-Audit-Signature: sha256=<hex>` the HMAC-SHA256 of `"<timestamp>.<body>"` under
//! the secret in `AUDIT_ALERT_WEBHOOK_SECRET`, as GitHub and Stripe sign theirs: a receiver
//! recomputes it, and refuses a stale timestamp. `Idempotency-Key` is the hit's key, the same on
//! every attempt, so a receiver drops repeats. A failed attempt (no answer, or not 2xx) is tried
//! again after a wait that doubles from 2 s to at most 10 minutes, with jitter; after the last
//! try the hit is marked dead (`hits.dead_at`, with the last error) and logged. What is
//! delivered is marked in the database, so a restart sends on what was not.

use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use serde_json::json;
use sha2::Sha256;

use crate::db::DbError;
use crate::hit::Hit;
use crate::store::Archive;

/// The shape of a delivery's body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Body {
    /// `{"id", "title", "level", "ids", "at", "key"}`.
    Json,
    /// Slack's incoming-webhook `{"text": …}` (Mattermost and others take it too).
    Slack,
}

/// Where and how alerts go.
#[derive(Clone, Debug)]
pub struct Webhook {
    /// The URL each alert is `POST`ed to.
    pub url: String,
    /// The signing secret.
    pub secret: String,
    /// The body's shape.
    pub body: Body,
    /// Tries before a hit is marked dead.
    pub attempts: u32,
    /// The first wait after a failure; each next one doubles, up to ten minutes.
    pub first_wait: Duration,
}

/// The longest wait between two tries.
const MAX_WAIT: Duration = Duration::from_secs(600);

impl Webhook {
    /// The body of `hit`'s alert.
    pub fn body(&self, hit: &Hit) -> String {
        let at = audit_model::time::format_rfc3339(hit.at).unwrap_or_default();
        match self.body {
            Body::Json => json!({
                "id": hit.rule,
                "title": hit.title,
                "level": hit.level,
                "ids": hit.events,
                "at": at,
                "key": hit.key(),
            })
            .to_string(),
            Body::Slack => json!({
                "text": format!(
                    "[{}] {} — {} event{} up to {at}: {}",
                    hit.level,
                    hit.title,
                    hit.events.len(),
                    if hit.events.len() == 1 { "" } else { "s" },
                    hit.events.join(", ")
                ),
            })
            .to_string(),
        }
    }

    /// `sha256=<hex>` of `"<timestamp>.<body>"` under the secret.
    pub fn signature(&self, timestamp: u64, body: &str) -> String {
        sign(&self.secret, timestamp, body)
    }

    /// The wait after the `failures`th failed try: doubling from the first, at most ten minutes,
    /// with up to a quarter more or less at random so many hits do not retry in step.
    pub fn wait(&self, failures: u32) -> Duration {
        let base = self
            .first_wait
            .saturating_mul(1 << failures.saturating_sub(1).min(20))
            .min(MAX_WAIT);
        base.mul_f64(0.75 + fastrand::f64() / 2.0)
    }
}

/// `sha256=<hex>` of the HMAC-SHA256 of `"<timestamp>.<body>"` under `secret`.
pub fn sign(secret: &str, timestamp: u64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

/// Why a round of deliveries stopped.
#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Sends the hits that are due, each once delivered, on and on.
pub struct Deliverer {
    archive: Archive,
    hook: Webhook,
    http: reqwest::Client,
}

impl Deliverer {
    /// Delivers `archive`'s hits to `hook`.
    pub fn new(archive: Archive, hook: Webhook) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("audit-archive/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            archive,
            hook,
            http,
        })
    }

    /// One try at one hit: `Ok` when the receiver answered 2xx, else what went wrong.
    async fn send(&self, hit: &Hit) -> Result<(), String> {
        let body = self.hook.body(hit);
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let answer = self
            .http
            .post(&self.hook.url)
            .header("content-type", "application/json")
            .header("x-audit-timestamp", timestamp.to_string())
            .header("x-audit-signature", self.hook.signature(timestamp, &body))
            .header("idempotency-key", hit.key())
            .body(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = answer.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("HTTP {}", status.as_u16()))
        }
    }

    /// One round: every hit due (not delivered, not dead, its wait over), oldest first, tried
    /// once. Returns how many were delivered.
    pub async fn round(&self) -> Result<usize, DeliverError> {
        let mut delivered = 0;
        for (hit, failures) in self.archive.due_hits(50).await? {
            match self.send(&hit).await {
                Ok(()) => {
                    self.archive.delivered(&hit.key()).await?;
                    tracing::info!(rule = %hit.rule, key = %hit.key(), "alert delivered");
                    delivered += 1;
                }
                Err(e) => {
                    let failures = failures + 1;
                    let dead = failures >= self.hook.attempts;
                    let wait = self.hook.wait(failures);
                    self.archive
                        .failed(&hit.key(), &e, wait.as_millis() as i64, dead)
                        .await?;
                    if dead {
                        tracing::error!(rule = %hit.rule, key = %hit.key(), error = %e, tries = failures,
                            "alert not delivered after the last try; kept as dead in the hits table");
                    } else {
                        tracing::warn!(rule = %hit.rule, key = %hit.key(), error = %e, tries = failures,
                            wait_ms = wait.as_millis() as u64, "alert not delivered; trying again");
                    }
                }
            }
        }
        Ok(delivered)
    }

    /// Runs rounds every second, and at once when the watch of this process finds hits, until
    /// the task is dropped.
    pub async fn run(self) {
        loop {
            if let Err(e) = self.round().await {
                tracing::error!(error = %e, "alert delivery round failed; trying again");
            }
            self.archive.hits_found(Duration::from_secs(1)).await;
        }
    }
}
