//! `audit-archive export`: the archive's events as NDJSON on stdout, oldest first, in the shape
//! another engine ingests — OCSF 1.2 or ECS (see [`audit_model::normalize`]), or the events as
//! the API sent them (`jsonl`). Read in batches, so an archive of any size is written without
//! being held.

use std::io::Write;

use audit_model::AuditEvent;
use clap::{Parser, ValueEnum};

use crate::db::DbError;
use crate::store::Archive;

/// The shape of each line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// OCSF 1.2: Authentication (3002), Account Change (3001) or API Activity (6003); then the
    /// watch's hits as Detection Findings (2004).
    Ocsf,
    /// The Elastic Common Schema.
    Ecs,
    /// Each event as the Audit API sent it.
    Jsonl,
}

/// Writes the archive's events as NDJSON to stdout.
#[derive(Parser, Debug, Clone)]
#[command(name = "audit-archive export", version)]
pub struct ExportArgs {
    /// The archive's PostgreSQL database (as for serving).
    #[arg(long, env = "AUDIT_ARCHIVE_DATABASE_URL", hide_env_values = true)]
    pub database_url: String,

    /// The shape of each line.
    #[arg(long, value_enum)]
    pub format: Format,

    /// Only events at or after this moment: a date (2024-05-01, its start, UTC) or a date-time
    /// (2024-05-01T13:45:00, UTC unless it carries an offset).
    #[arg(long, value_parser = parse_since)]
    pub since: Option<i64>,
}

fn parse_since(s: &str) -> Result<i64, String> {
    audit_model::time::parse_bound(s, audit_model::time::RangeEnd::Start).map_err(|e| e.to_string())
}

/// Events read per query.
const BATCH: i64 = 1000;

/// One event as a line of `format`.
pub fn line(ev: &AuditEvent, format: Format) -> String {
    let value = match format {
        Format::Ocsf => audit_model::normalize::ocsf(ev),
        Format::Ecs => audit_model::normalize::ecs(ev),
        Format::Jsonl => return serde_json::to_string(ev).unwrap_or_default(),
    };
    value.to_string()
}

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The output could not be written (a closed pipe, a full disk).
    #[error("cannot write the output: {0}")]
    Write(#[from] std::io::Error),
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exported {
    /// Events.
    pub events: u64,
    /// The watch's hits, as OCSF Detection Findings (OCSF only).
    pub findings: u64,
}

/// Writes every event from `since_ms` on, oldest first, one line each, to `out`; in OCSF, then
/// the watch's hits from then on as Detection Findings (2004), oldest first.
pub async fn export(
    archive: &Archive,
    format: Format,
    since_ms: Option<i64>,
    out: &mut impl Write,
) -> Result<Exported, ExportError> {
    let since = since_ms.unwrap_or(i64::MIN);
    let events = archive
        .for_each_oldest_first(since, None, BATCH, |ev| {
            out.write_all(line(ev, format).as_bytes())?;
            out.write_all(b"\n").map_err(ExportError::from)
        })
        .await?;
    let mut findings = 0;
    if format == Format::Ocsf {
        for hit in archive.hits_since(since).await? {
            let key = hit.key();
            let finding =
                audit_model::normalize::detection_finding(&audit_model::normalize::Finding {
                    key: &key,
                    rule: &hit.rule,
                    title: &hit.title,
                    level: &hit.level,
                    events: &hit.events,
                    at: hit.at,
                });
            writeln!(out, "{finding}")?;
            findings += 1;
        }
    }
    out.flush()?;
    Ok(Exported { events, findings })
}
