//! `audit-proxy` binary: configuration, logging, serving, graceful shutdown.

use std::process::ExitCode;

use audit_proxy::config::Config;
use audit_proxy::{service, Backend};
use clap::Parser;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
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
    tracing::info!(listen = %config.listen, origins = ?config.allow_origins, "audit-proxy ready");
    if let Err(e) = axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await
    {
        eprintln!("audit-proxy: {e}");
        return ExitCode::FAILURE;
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
