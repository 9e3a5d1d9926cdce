//! `audit-proxy` binary: configuration, logging, serving, graceful shutdown.

use std::process::ExitCode;

use audit_proxy::config::Config;
use audit_proxy::{service, Backend};
use clap::Parser;
use tracing_subscriber::EnvFilter;

/// One thread serves every connection (a current-thread runtime). The proxy's work per request is
/// a few microseconds of parsing between socket reads and writes; on a multi-thread runtime most
/// of its CPU went to handing tasks and wake-ups between threads. Side by side under wrk at 50
/// connections (`bash scripts/bench.sh`, section 4) the CPU per relayed request fell from
/// 67–75 µs to 38–39 µs, and requests per second rose from ~19,000 to ~25,000. One core relays
/// far more than one person's browser (or a team's) asks for; DNS lookups still run on tokio's
/// blocking pool.
fn main() -> ExitCode {
    one_malloc_arena();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("audit-proxy: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run())
}

/// glibc gives threads that contend for the heap arenas of their own, and a block goes back to
/// the arena it came from. The runtime has one thread, but tokio's blocking pool (DNS lookups)
/// adds others; one arena keeps them from holding free memory of their own. (On the earlier
/// multi-thread runtime it cut resident memory at 1,000 connections by about a sixth, figure 4b.)
/// Must run before any other thread exists.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn one_malloc_arena() {
    // SAFETY: mallopt only sets an allocator tunable; it is called first thing in main, while
    // this is the only thread.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn one_malloc_arena() {}

async fn run() -> ExitCode {
    let config = Config::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info")),
        )
        .init();

    let (router, backend) = match service(&config) {
        Ok(b) => b,
        Err(e) => {
            tracing::error!("cannot start: {e}");
            eprintln!("audit-proxy: cannot start: {e}");
            return ExitCode::from(2);
        }
    };
    match &backend {
        Backend::Demo(demo) => tracing::info!(
            events = demo.len(),
            "serving the demo account (key demo, secret demo)"
        ),
        Backend::Relay(_) => {
            tracing::info!(upstream = %config.upstream, "relaying to the Audit API")
        }
    }
    let listener = match tokio::net::TcpListener::bind(config.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("audit-proxy: cannot listen on {}: {e}", config.listen);
            return ExitCode::from(2);
        }
    };
    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => match audit_proxy::tls::acceptor(cert, key) {
            Ok(a) => Some(a),
            Err(e) => {
                eprintln!("audit-proxy: cannot start: {e}");
                return ExitCode::from(2);
            }
        },
        _ => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    tracing::info!(
        url = %format!("{scheme}://{}/", config.listen),
        app = ?config.app,
        origins = ?config.allow_origins,
        "audit-proxy ready"
    );
    match tls {
        Some(acceptor) => {
            audit_proxy::serve_tls(
                listener,
                router,
                acceptor,
                shutdown_signal(),
                config.request_timeout(),
            )
            .await
        }
        None => {
            audit_proxy::serve(
                listener,
                router,
                shutdown_signal(),
                config.request_timeout(),
            )
            .await
        }
    }
    tracing::info!("stopped");
    ExitCode::SUCCESS
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
