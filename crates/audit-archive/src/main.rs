//! `audit-archive` binary: configuration, logging, the collector, serving, graceful shutdown.

use std::process::ExitCode;

use audit_archive::collect::{Collector, Upstream};
use audit_archive::config::Config;
use audit_archive::db;
use audit_archive::export::{ExportArgs, ExportError};
use audit_archive::rules::{RulesArgs, RulesCommand};
use audit_archive::serve;
use audit_archive::store::Archive;
use audit_archive::viewers::Viewers;
use clap::Parser;

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("audit-archive: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run())
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    tracing::error!("cannot start: {message}");
    eprintln!("audit-archive: cannot start: {message}");
    ExitCode::from(2)
}

async fn run() -> ExitCode {
    // `audit-archive export …` writes NDJSON and ends; anything else collects (and serves).
    match std::env::args().nth(1).as_deref() {
        Some("export") => return export(ExportArgs::parse_from(std::env::args().skip(1))).await,
        Some("rules") => return rules(RulesArgs::parse_from(std::env::args().skip(1))).await,
        Some("viewer") => return viewer(ViewerArgs::parse_from(std::env::args().skip(1))),
        _ => {}
    }
    let config = Config::parse();
    audit_edge::log::init(config.edge.log_format, "info,tower_http=info");
    let account = match config.credentials() {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let pool = match db::pool(
        &config.database_url,
        config.max_db_connections,
        Some(config.request_timeout()),
    ) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    if let Err(e) = db::migrate(&pool).await {
        return fail(format!(
            "{e} (is PostgreSQL running, and is --database-url right?)"
        ));
    }
    let archive = Archive::new(pool);
    match archive.count().await {
        Ok(n) => tracing::info!(events = n, "archive open"),
        Err(e) => return fail(e),
    }
    // The facets' per-day counts follow the writes, in the background.
    tokio::spawn(
        archive
            .clone()
            .keep_facets_counted(std::time::Duration::from_secs(2)),
    );
    // The rules are checked before anything runs: a rule the watch cannot run stops the start,
    // naming its file and line.
    let rules = match config
        .rules
        .as_deref()
        .map(audit_archive::watch::RuleSet::load)
    {
        None => None,
        Some(Ok(r)) => Some(r),
        Some(Err(e)) => return fail(e),
    };
    let viewers = match config.viewers.as_deref().map(Viewers::load) {
        None => None,
        Some(Ok(v)) => {
            tracing::info!(viewers = v.len(), "read-only viewers");
            Some(v)
        }
        Some(Err(e)) => return fail(e),
    };
    let webhook = match config.webhook() {
        Ok(w) => w,
        Err(e) => return fail(e),
    };
    let upstream = match Upstream::new(
        &config.upstream,
        account.key.clone(),
        account.secret.clone(),
    ) {
        Ok(u) => u,
        Err(e) => return fail(e),
    };
    tracing::info!(upstream = %config.upstream, poll_secs = config.poll_secs, "collecting");
    let announced = rules.as_ref().map(|r| r.summary()).unwrap_or_default();
    let watcher = match rules {
        None => None,
        Some(rules) => {
            let n = rules.rules.len();
            match audit_archive::watch::Watcher::open(archive.clone(), rules).await {
                Ok(w) => {
                    tracing::info!(rules = n, "watching");
                    Some(tokio::spawn(w.run(std::time::Duration::from_secs(5))))
                }
                Err(e) => return fail(e),
            }
        }
    };
    let deliverer = match webhook {
        None => None,
        Some(hook) => {
            tracing::info!(url = %hook.url, "alerts go to the webhook");
            match audit_archive::deliver::Deliverer::new(archive.clone(), hook) {
                Ok(d) => Some(tokio::spawn(d.run())),
                Err(e) => return fail(e),
            }
        }
    };
    let collector =
        tokio::spawn(Collector::new(archive.clone(), upstream).run(config.poll_every()));

    let Some(listen) = config.listen else {
        audit_edge::conn::shutdown_signal().await;
        collector.abort();
        for task in [&watcher, &deliverer].into_iter().flatten() {
            task.abort();
        }
        tracing::info!("stopped");
        return ExitCode::SUCCESS;
    };
    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(l) => l,
        Err(e) => return fail(format!("cannot listen on {listen}: {e}")),
    };
    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => match audit_edge::Tls::load(cert, key) {
            Ok(t) => Some(t),
            Err(e) => return fail(e),
        },
        _ => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let app = serve::app(
        &config,
        archive,
        &account,
        viewers,
        announced,
        format!("{scheme}://{listen}"),
    );
    tracing::info!(url = %format!("{scheme}://{listen}/"), origins = ?config.allow_origins, "audit-archive ready");
    audit_edge::serve(
        listener,
        app,
        &config.edge,
        tls,
        audit_edge::conn::shutdown_signal(),
        config.request_timeout(),
    )
    .await;
    collector.abort();
    for task in [&watcher, &deliverer].into_iter().flatten() {
        task.abort();
    }
    tracing::info!("stopped");
    ExitCode::SUCCESS
}

/// `audit-archive export`: the events to stdout; what went wrong to stderr.
async fn export(args: ExportArgs) -> ExitCode {
    let pool = match db::pool(&args.database_url, 2, None) {
        Ok(p) => p,
        Err(e) => return export_failed(e),
    };
    // Read only: an export never creates or changes the schema.
    let archive = Archive::new(pool);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match audit_archive::export::export(&archive, args.format, args.since, &mut out).await {
        Ok(n) if n.findings > 0 => {
            eprintln!(
                "audit-archive: exported {} events and {} rule hits (Detection Findings)",
                n.events, n.findings
            );
            ExitCode::SUCCESS
        }
        Ok(n) => {
            eprintln!("audit-archive: exported {} events", n.events);
            ExitCode::SUCCESS
        }
        // The reader went away (`| head`): not a failure of the export.
        Err(ExportError::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e) => export_failed(format!(
            "{e} (is PostgreSQL running, is --database-url right, and does it hold an archive?)"
        )),
    }
}

fn export_failed(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("audit-archive export: {message}");
    ExitCode::from(2)
}

/// `audit-archive rules test`: the report to stdout; what went wrong to stderr.
async fn rules(args: RulesArgs) -> ExitCode {
    let args = match args.command {
        RulesCommand::Test(args) => args,
        RulesCommand::Check(args) => {
            return match audit_archive::watch::RuleSet::load(&args.dir) {
                Ok(rules) => {
                    for r in &rules.rules {
                        println!(
                            "{:<13} {}  ({}:{})",
                            r.level,
                            r.title,
                            r.file.display(),
                            r.line
                        );
                    }
                    println!(
                        "{} rules load from {}",
                        rules.rules.len(),
                        args.dir.display()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("audit-archive rules check: {e}");
                    ExitCode::from(2)
                }
            };
        }
    };
    let failed = |message: String| {
        eprintln!("audit-archive rules test: {message}");
        ExitCode::from(2)
    };
    let rules = match audit_archive::watch::RuleSet::load(&args.dir) {
        Ok(r) => r,
        Err(e) => return failed(e.to_string()),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let since = match args
        .since
        .as_deref()
        .map(|s| audit_archive::rules::since(s, now))
    {
        None => i64::MIN,
        Some(Ok(t)) => t,
        Some(Err(e)) => return failed(e.to_string()),
    };
    let pool = match db::pool(&args.database_url, 2, None) {
        Ok(p) => p,
        Err(e) => return failed(e.to_string()),
    };
    // Read only, like an export.
    let archive = Archive::new(pool);
    let report = match audit_archive::rules::backtest(&archive, &rules, since).await {
        Ok(r) => r,
        Err(e) => {
            return failed(format!(
                "{e} (is PostgreSQL running, is --database-url right, and does it hold an archive?)"
            ))
        }
    };
    let mut out = std::io::stdout().lock();
    match audit_archive::rules::write_report(&report, &rules, &args.dir, &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => failed(e.to_string()),
    }
}

/// `audit-archive viewer NAME`: reads a password from standard input and prints the line that
/// gives NAME read-only access in the --viewers file.
#[derive(Parser, Debug)]
#[command(name = "audit-archive viewer", version)]
struct ViewerArgs {
    /// The viewer's name, as they will sign in with it (no `:`).
    name: String,
}

fn viewer(args: ViewerArgs) -> ExitCode {
    if args.name.is_empty() || args.name.contains(':') {
        eprintln!("audit-archive viewer: a name may not be empty or hold ':'");
        return ExitCode::from(2);
    }
    let mut password = String::new();
    if let Err(e) = std::io::stdin().read_line(&mut password) {
        eprintln!("audit-archive viewer: cannot read the password from standard input: {e}");
        return ExitCode::from(2);
    }
    let password = password.trim_end_matches(['\r', '\n']);
    if password.len() < 12 {
        eprintln!(
            "audit-archive viewer: the password on standard input must have 12 characters or more"
        );
        return ExitCode::from(2);
    }
    match audit_archive::viewers::hash(password) {
        Ok(h) => {
            println!("{}:{h}", args.name);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("audit-archive viewer: {e}");
            ExitCode::from(2)
        }
    }
}
