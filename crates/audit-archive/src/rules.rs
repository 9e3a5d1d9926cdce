//! `audit-archive rules test DIR --database-url URL [--since 90d]`: a rule set run over the
//! archive's history (a backtest), printing each rule's hits per day, so a rule is tuned before
//! it is switched on. Reads only; nothing is stored or sent.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use audit_model::time::{format_api, Timestamp};
use clap::{Parser, Subcommand};

use crate::db::DbError;
use crate::store::Archive;
use crate::watch::{RuleError, RuleSet, Watch};

/// Works with Sigma rule files.
#[derive(Parser, Debug, Clone)]
#[command(name = "audit-archive rules", version)]
pub struct RulesArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: RulesCommand,
}

/// The `rules` commands.
#[derive(Subcommand, Debug, Clone)]
pub enum RulesCommand {
    /// Runs the rules of DIR over the archive's events and prints each rule's hits per day.
    Test(TestArgs),
    /// Loads the rules of DIR as the watch would, without a database: each rule it would run,
    /// or the first it refuses, with its file and line (for a rule repository's own checks).
    Check(CheckArgs),
}

/// `audit-archive rules check`.
#[derive(Parser, Debug, Clone)]
pub struct CheckArgs {
    /// The folder of rule files (`*.yml`, `*.yaml`; its subfolders are not read).
    pub dir: PathBuf,
}

/// `audit-archive rules test`.
#[derive(Parser, Debug, Clone)]
pub struct TestArgs {
    /// The folder of rule files (`*.yml`, `*.yaml`; its subfolders are not read).
    pub dir: PathBuf,

    /// The archive's PostgreSQL database (as for serving).
    #[arg(long, env = "AUDIT_ARCHIVE_DATABASE_URL", hide_env_values = true)]
    pub database_url: String,

    /// How far back: a span (`90d`, `12h`, `30m`) before now, or a date (2024-05-01, UTC) or a
    /// date-time. Default: the whole archive.
    #[arg(long)]
    pub since: Option<String>,
}

/// Why a backtest stopped.
#[derive(Debug, thiserror::Error)]
pub enum BacktestError {
    /// The rules cannot be loaded.
    #[error(transparent)]
    Rules(#[from] RuleError),
    /// `--since` is neither a span nor a date.
    #[error("--since {0:?} is neither a span (90d, 12h, 30m) nor a date (2024-05-01)")]
    Since(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The report could not be written.
    #[error("cannot write the report: {0}")]
    Write(#[from] std::io::Error),
}

/// `--since` as a moment: a span back from `now`, or a date or date-time.
pub fn since(value: &str, now: Timestamp) -> Result<Timestamp, BacktestError> {
    let v = value.trim();
    if let Some(span) = crate::watch::span_ms(v) {
        return Ok(now - span);
    }
    audit_model::time::parse_bound(v, audit_model::time::RangeEnd::Start)
        .map_err(|_| BacktestError::Since(value.to_string()))
}

/// What a backtest found.
#[derive(Debug, Default)]
pub struct Report {
    /// Events read.
    pub events: u64,
    /// The oldest and newest event's time.
    pub span: Option<(Timestamp, Timestamp)>,
    /// Hits per rule id, per UTC day (`2024-05-01`).
    pub hits: BTreeMap<String, BTreeMap<String, u64>>,
}

/// Runs `rules` over every event from `since_ms` on, oldest first.
pub async fn backtest(
    archive: &Archive,
    rules: &RuleSet,
    since_ms: Timestamp,
) -> Result<Report, BacktestError> {
    let mut watch = Watch::new(rules)?;
    let mut report = Report::default();
    // The first-seen rules look back from the first event reported: what lies before `since`
    // within their look-back is read into their memory, not reported.
    let from = since_ms.saturating_sub(watch.history_ms().unwrap_or(0));
    let mut events = 0;
    archive
        .for_each_oldest_first(from, None, 1000, |ev| {
            let t = ev.timestamp().unwrap_or(i64::MIN);
            if t < since_ms {
                watch.remember(ev);
                return Ok(());
            }
            events += 1;
            report.span = Some(report.span.map_or((t, t), |(a, _)| (a, t)));
            for hit in watch.observe(ev) {
                let day = format_api(hit.at)[..10].to_string();
                *report
                    .hits
                    .entry(hit.rule)
                    .or_default()
                    .entry(day)
                    .or_default() += 1;
            }
            Ok::<(), BacktestError>(())
        })
        .await?;
    report.events = events;
    Ok(report)
}

const LEVELS: [&str; 5] = ["critical", "high", "medium", "low", "informational"];

/// Writes the report: every rule, most severe first, with its hits per day.
pub fn write_report(
    report: &Report,
    rules: &RuleSet,
    dir: &std::path::Path,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let span = report.span.map_or_else(
        || "no events".to_string(),
        |(a, b)| format!("{} to {}", format_api(a), format_api(b)),
    );
    writeln!(
        out,
        "{} rules from {} over {} events ({span}, UTC); hits per day:",
        rules.rules.len(),
        dir.display(),
        audit_model::page::thousands(report.events)
    )?;
    let mut ordered: Vec<_> = rules.rules.iter().collect();
    ordered.sort_by_key(|r| {
        (
            LEVELS
                .iter()
                .position(|l| *l == r.level)
                .unwrap_or(LEVELS.len()),
            r.title.clone(),
        )
    });
    for rule in ordered {
        let days = report.hits.get(&rule.id);
        let total: u64 = days.map_or(0, |d| d.values().sum());
        let hits = if total == 1 { "hit" } else { "hits" };
        writeln!(out)?;
        writeln!(
            out,
            "{:<13} {} — {total} {hits}  ({}:{})",
            rule.level,
            rule.title,
            rule.file.display(),
            rule.line
        )?;
        for (day, n) in days.into_iter().flatten() {
            writeln!(out, "              {day}  {n}")?;
        }
    }
    Ok(())
}
