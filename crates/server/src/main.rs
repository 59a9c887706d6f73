//! `candor-server`: runs Candor's sync server.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use candor_server::{RateConfig, ServerConfig};
use clap::Parser;
use tracing_subscriber::EnvFilter;

#[derive(Debug, Parser)]
#[command(name = "candor-server", version, about = "Candor's sync server")]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "CANDOR_LISTEN", default_value = "127.0.0.1:8470")]
    listen: SocketAddr,
    /// Directory holding the database (created and migrated on first start).
    #[arg(long, env = "CANDOR_DATA_DIR", default_value = "candor-data")]
    data_dir: PathBuf,
    /// Requests a caller may make at once.
    #[arg(long, env = "CANDOR_RATE_BURST", default_value_t = 200.0)]
    rate_burst: f64,
    /// Requests per second a caller may make after the burst.
    #[arg(long, env = "CANDOR_RATE_PER_SECOND", default_value_t = 50.0)]
    rate_per_second: f64,
    /// Extra browser origin allowed to open the event stream (repeatable).
    #[arg(
        long = "allow-origin",
        env = "CANDOR_ALLOW_ORIGINS",
        value_delimiter = ','
    )]
    allow_origins: Vec<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    if !(args.rate_burst >= 1.0 && args.rate_per_second > 0.0) {
        anyhow::bail!("--rate-burst must be at least 1 and --rate-per-second above 0");
    }
    let mut config = ServerConfig::new(&args.data_dir);
    config.rate = RateConfig {
        burst: args.rate_burst,
        per_second: args.rate_per_second,
    };
    config.allowed_origins.extend(args.allow_origins);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("Listening on {}", args.listen))?;
    tracing::info!(addr = %listener.local_addr()?, data_dir = %args.data_dir.display(), "candor-server listening");
    candor_server::serve(&config, listener, shutdown_signal()).await?;
    tracing::info!("candor-server stopped");
    Ok(())
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
