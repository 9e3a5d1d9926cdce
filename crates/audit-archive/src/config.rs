//! The command line. Credentials never come from it: the account's key and secret are read
//! from the environment (`AUDIT_API_KEY`, `AUDIT_API_SECRET`) or from a file of such lines.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use audit_edge::EdgeArgs;
use clap::Parser;

/// Keeps one Vonage account's audit events in PostgreSQL and serves them as the Audit API does.
#[derive(Parser, Debug, Clone)]
#[command(name = "audit-archive", version)]
pub struct Config {
    /// The PostgreSQL database to keep the events in (postgres://user@host:port/dbname). Its
    /// schema is created or brought up to date at start.
    #[arg(long, env = "AUDIT_ARCHIVE_DATABASE_URL", hide_env_values = true)]
    pub database_url: String,

    /// The Audit API to read.
    #[arg(
        long,
        env = "AUDIT_ARCHIVE_UPSTREAM",
        default_value = "https://api.nexmo.com"
    )]
    pub upstream: String,

    /// Answer the API's calls on this address (and /healthz); without it the archive only
    /// collects.
    #[arg(long, env = "AUDIT_ARCHIVE_LISTEN")]
    pub listen: Option<SocketAddr>,

    /// Seconds between reads of what is new.
    #[arg(long, env = "AUDIT_ARCHIVE_POLL_SECS", default_value_t = 60)]
    pub poll_secs: u64,

    /// Watch the account with the Sigma rules of this folder (see `audit-archive rules test`):
    /// every event written once the backfill is done runs through them; each hit is stored once
    /// and logged.
    #[arg(long, env = "AUDIT_ARCHIVE_RULES")]
    pub rules: Option<std::path::PathBuf>,

    /// Deliver each rule hit to this URL: a JSON POST signed with the secret in
    /// AUDIT_ALERT_WEBHOOK_SECRET (never on the command line); needs --rules.
    #[arg(
        long,
        env = "AUDIT_ALERT_WEBHOOK",
        requires = "rules",
        value_name = "URL"
    )]
    pub alert_webhook: Option<String>,

    /// The alert's body: json, or slack (Slack's incoming-webhook text).
    #[arg(long, value_enum, default_value_t = crate::deliver::Body::Json)]
    pub alert_body: crate::deliver::Body,

    /// Tries of an alert before it is given up (marked dead in the hits table).
    #[arg(long, default_value_t = 10)]
    pub alert_tries: u32,

    /// Read-only viewers: a file of `name:argon2-hash` lines (`audit-archive viewer NAME` makes
    /// one); each signs in with their own name and password instead of the account's key and
    /// secret.
    #[arg(long, env = "AUDIT_ARCHIVE_VIEWERS", value_name = "FILE")]
    pub viewers: Option<PathBuf>,

    /// A file of `AUDIT_API_KEY=…` and `AUDIT_API_SECRET=…` lines (systemd's EnvironmentFile
    /// form), read instead of the environment.
    #[arg(long, value_name = "FILE")]
    pub credentials_file: Option<PathBuf>,

    /// A web origin allowed to call the archive from a browser (scheme://host[:port]); repeat,
    /// or a comma list. None by default.
    #[arg(
        long = "allow-origin",
        env = "AUDIT_ARCHIVE_ALLOW_ORIGINS",
        value_delimiter = ','
    )]
    pub allow_origins: Vec<String>,

    /// Certificate chain (PEM) to serve HTTPS with; needs --tls-key.
    #[arg(long, requires = "tls_key", value_name = "PEM")]
    pub tls_cert: Option<PathBuf>,

    /// Private key (PEM) for --tls-cert.
    #[arg(long, requires = "tls_cert", value_name = "PEM")]
    pub tls_key: Option<PathBuf>,

    /// Seconds a request may take before it is answered 504.
    #[arg(long, default_value_t = 30)]
    pub request_timeout_secs: u64,

    /// Connections to PostgreSQL at most.
    #[arg(long, default_value_t = 16)]
    pub max_db_connections: usize,

    /// Connections, per-client limits and logging.
    #[command(flatten)]
    pub edge: EdgeArgs,
}

/// The account's key and secret, or what is missing.
#[derive(Clone)]
pub struct AccountCredentials {
    /// API key.
    pub key: String,
    /// API secret.
    pub secret: String,
}

impl std::fmt::Debug for AccountCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AccountCredentials {{ key: {:?}, secret: … }}", self.key)
    }
}

impl Config {
    /// The poll interval.
    pub fn poll_every(&self) -> Duration {
        Duration::from_secs(self.poll_secs.max(1))
    }

    /// The request deadline.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs.max(1))
    }

    /// The key and secret: from --credentials-file, or else the environment.
    pub fn credentials(&self) -> Result<AccountCredentials, String> {
        let pairs = match &self.credentials_file {
            Some(path) => Some(read_env_file(path)?),
            None => None,
        };
        let lookup = |name: &str| match &pairs {
            Some(pairs) => pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone()),
            None => std::env::var(name).ok(),
        };
        let where_ = self.credentials_file.as_ref().map_or_else(
            || "the environment".to_string(),
            |p| p.display().to_string(),
        );
        let get = |name: &str| {
            lookup(name)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| format!("{name} is not set in {where_}: the archive reads the account with its API key and secret"))
        };
        Ok(AccountCredentials {
            key: get("AUDIT_API_KEY")?,
            secret: get("AUDIT_API_SECRET")?,
        })
    }
}

impl Config {
    /// The alert webhook, if one is asked for: its URL checked and its secret read from the
    /// environment (or --credentials-file).
    pub fn webhook(&self) -> Result<Option<crate::deliver::Webhook>, String> {
        let Some(url) = &self.alert_webhook else {
            return Ok(None);
        };
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(format!(
                "--alert-webhook {url:?} is not an http:// or https:// URL"
            ));
        }
        let secret = match &self.credentials_file {
            Some(path) => read_env_file(path)?
                .into_iter()
                .find(|(k, _)| k == "AUDIT_ALERT_WEBHOOK_SECRET")
                .map(|(_, v)| v),
            None => std::env::var("AUDIT_ALERT_WEBHOOK_SECRET").ok(),
        }
        .filter(|s| !s.is_empty())
        .ok_or("AUDIT_ALERT_WEBHOOK_SECRET is not set: alerts are signed with it, so a receiver can tell them from forgeries")?;
        Ok(Some(crate::deliver::Webhook {
            url: url.clone(),
            secret,
            body: self.alert_body,
            attempts: self.alert_tries.max(1),
            first_wait: Duration::from_secs(2),
        }))
    }
}

/// `NAME=value` lines; blank lines and `#` comments skipped, optional quotes removed.
fn read_env_file(path: &Path) -> Result<Vec<(String, String)>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read --credentials-file {}: {e}", path.display()))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(v);
            (k.trim().to_string(), v.to_string())
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_file_lines() {
        let dir = std::env::temp_dir().join(format!("archive-cred-{}", std::process::id()));
        std::fs::write(
            &dir,
            "# the account\nAUDIT_API_KEY=abc123\n\nAUDIT_API_SECRET=\"s3=cret\"\n",
        )
        .expect("write");
        let config = Config::parse_from([
            "audit-archive",
            "--database-url",
            "postgres://x@127.0.0.1/db",
            "--credentials-file",
            dir.to_str().expect("path"),
        ]);
        let c = config.credentials().expect("credentials");
        assert_eq!((c.key.as_str(), c.secret.as_str()), ("abc123", "s3=cret"));
        assert!(!format!("{c:?}").contains("s3=cret"));
        std::fs::write(&dir, "AUDIT_API_KEY=abc123\n").expect("write");
        let err = config.credentials().expect_err("no secret");
        assert!(err.contains("AUDIT_API_SECRET is not set"), "{err}");
        let _ = std::fs::remove_file(&dir);
    }
}
