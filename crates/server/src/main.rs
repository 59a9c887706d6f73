//! `candor-server`: runs Candor's sync server, and verifies conversation
//! transcripts offline.
//!
//! ```text
//! candor-server [--listen ADDR] [--data-dir DIR] …     serve (the default)
//! candor-server serve [--listen ADDR] [--data-dir DIR] …
//! candor-server verify-transcript [--expect-key HEX] FILE.json
//! ```
//!
//! `verify-transcript` exits with 0 when the transcript verifies, 1 when it
//! does not (naming the first message that fails), 2 when the file cannot
//! be read.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use candor_server::{RateConfig, ServerConfig};
use clap::{Args, Parser, Subcommand};
use tracing_subscriber::EnvFilter;

#[derive(Debug, Parser)]
#[command(
    name = "candor-server",
    version,
    about = "Candor's sync server",
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// With no subcommand, the server runs with these options.
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (what happens without a subcommand, too).
    Serve(ServeArgs),
    /// Verify an exported conversation transcript offline: every message's
    /// chain link and server signature, from the first message on.
    ///
    /// Exit status: 0 verified, 1 failed verification, 2 unreadable file.
    VerifyTranscript {
        /// The transcript (the `.json` file the app exports).
        file: PathBuf,
        /// Also require the transcript to be signed by this server key (hex,
        /// as `GET /v1/server` publishes it as `public_key`).
        #[arg(long, value_name = "HEX")]
        expect_key: Option<String>,
    },
}

#[derive(Debug, Args)]
struct ServeArgs {
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

fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::VerifyTranscript { file, expect_key }) => {
            Ok(verify_transcript(&file, expect_key.as_deref()))
        }
        Some(Command::Serve(args)) => serve(args),
        None => serve(cli.serve),
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("Starting the async runtime")?
        .block_on(run(args))?;
    Ok(ExitCode::SUCCESS)
}

/// Verifies a transcript file and reports on stdout (success) or stderr.
fn verify_transcript(file: &std::path::Path, expect_key: Option<&str>) -> ExitCode {
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!("ERROR: cannot read {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    match candor_proto::transcript::verify_transcript_json(&bytes) {
        Ok(report) => {
            if let Some(expected) = expect_key {
                if !report
                    .server_public_key
                    .eq_ignore_ascii_case(expected.trim())
                {
                    eprintln!(
                        "FAILED: the transcript is signed by server key {}, not by the expected key {}",
                        report.server_public_key,
                        expected.trim()
                    );
                    return ExitCode::from(1);
                }
            }
            println!(
                "OK: {} messages verified; chain head {}",
                report.messages, report.chain_head
            );
            let note = if expect_key.is_some() {
                "the expected key"
            } else {
                "compare it with the public_key the server publishes at /v1/server"
            };
            println!("Signed by server key {} ({note})", report.server_public_key);
            ExitCode::SUCCESS
        }
        Err(failure) => {
            if failure.seq.is_some() {
                eprintln!("FAILED at {failure}");
            } else {
                eprintln!("FAILED: {failure}");
            }
            ExitCode::from(1)
        }
    }
}

async fn run(args: ServeArgs) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
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
