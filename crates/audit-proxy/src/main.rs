//! `audit-proxy` binary: configuration, logging, serving, graceful shutdown.

use std::process::ExitCode;

use audit_proxy::config::Config;
use audit_proxy::{service, Backend};
use clap::Parser;

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
    audit_edge::log::init(config.edge.log_format, "info,tower_http=info");
    raise_open_file_limit();

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
    let tls = match audit_proxy::tls(&config) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("audit-proxy: cannot start: {e}");
            return ExitCode::from(2);
        }
    };
    tokio::spawn(reload_on_hangup(tls.clone()));
    let scheme = if tls.is_some() { "https" } else { "http" };
    tracing::info!(
        url = %format!("{scheme}://{}/", config.listen),
        app = ?config.app,
        origins = ?config.allow_origins,
        "audit-proxy ready"
    );
    audit_proxy::serve(
        listener,
        router,
        &config,
        tls,
        audit_edge::conn::shutdown_signal(),
    )
    .await;
    tracing::info!("stopped");
    ExitCode::SUCCESS
}

/// SIGHUP reads the certificate and key again (certificates are renewed every 60–90 days); a
/// pair that does not load is logged and the one in use kept. Without TLS there is nothing to
/// read, and the signal no longer ends the process.
async fn reload_on_hangup(tls: Option<audit_edge::Tls>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut hangup) = signal(SignalKind::hangup()) else {
            return;
        };
        while hangup.recv().await.is_some() {
            match &tls {
                Some(tls) => match tls.reload() {
                    Ok(()) => tracing::info!(
                        cert = %tls.cert_path().display(),
                        "SIGHUP: certificate and key reloaded; new connections use them"
                    ),
                    Err(e) => tracing::error!(
                        "SIGHUP: the new certificate and key were not loaded, the old ones stay: {e}"
                    ),
                },
                None => tracing::info!("SIGHUP: no certificate to reload (no --tls-cert)"),
            }
        }
    }
    #[cfg(not(unix))]
    let _ = tls;
}

/// Raises the soft limit on open files to the hard limit, as nginx's `worker_rlimit_nofile` and
/// Go's runtime do: each connection is a file, and the soft default (often 1,024) is far below
/// what the system allows. The edge then fits its connection cap under what is granted.
#[cfg(unix)]
#[allow(unsafe_code)]
fn raise_open_file_limit() {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed by pointer.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            let _ = libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

#[cfg(not(unix))]
fn raise_open_file_limit() {}
