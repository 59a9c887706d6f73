//! `candor-server`: runs Candor's sync server, and verifies conversation
//! transcripts offline.
//!
//! ```text
//! candor-server [--listen ADDR] [--data-dir DIR] …     serve (the default)
//! candor-server serve [--listen ADDR] [--data-dir DIR] …
//! candor-server verify-transcript [--expect-key HEX] FILE.json
//! candor-server admin [--data-dir DIR] [--json] grant-moderator HANDLE
//! candor-server admin [--data-dir DIR] [--json] revoke-moderator HANDLE
//! candor-server admin [--data-dir DIR] [--json] reports list [--status STATUS]
//! candor-server admin [--data-dir DIR] [--json] reports show ID
//! candor-server admin [--data-dir DIR] [--json] reports resolve ID --action ACTION
//!     [--days N] --reason TEXT [--moderator HANDLE]
//! ```
//!
//! `verify-transcript` exits with 0 when the transcript verifies, 1 when it
//! does not (naming the first message that fails), 2 when the file cannot
//! be read.
//!
//! `admin` works on the server's database directly, also while the server
//! runs; it exits with 0 on success, 1 when the operation is refused or the
//! database cannot be opened, 2 on a usage error. A suspension made here
//! revokes the account's sessions at once; a running server closes their
//! live connections, and pushes the events an action appends to the feed (the
//! reporter's report status, the reported account's notice) to live
//! connections, within `candor_server::REVOCATION_POLL` (2 s).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use candor_proto::{ModerationAction, ModerationRequest, ReportStatus};
use candor_server::store::{Moderator, Role, Store, StoreError};
use candor_server::{admin, RateConfig, ServerConfig};
use clap::{Args, Parser, Subcommand, ValueEnum};
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
    /// Moderation from the server's machine: moderator roles and reports.
    /// Works on the database directly, also while the server runs.
    Admin(AdminArgs),
}

#[derive(Debug, Args)]
struct AdminArgs {
    /// The server's data directory (the database must exist there).
    #[arg(
        long,
        env = "CANDOR_DATA_DIR",
        default_value = "candor-data",
        global = true
    )]
    data_dir: PathBuf,
    /// Print JSON (the API's types) instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Give an account the moderator role (the moderators' API opens to it).
    GrantModerator { handle: String },
    /// Take the moderator role away.
    RevokeModerator { handle: String },
    /// List, inspect and resolve reports.
    #[command(subcommand)]
    Reports(ReportsCommand),
}

#[derive(Debug, Subcommand)]
enum ReportsCommand {
    /// The reports, oldest first.
    List {
        /// Only reports with this status.
        #[arg(long, value_enum)]
        status: Option<StatusArg>,
    },
    /// One report: evidence with its verification and the messages around
    /// it, the other reports about the account and the actions taken on it.
    Show { id: i64 },
    /// Act on a report; recorded in the append-only moderation record.
    Resolve {
        id: i64,
        #[arg(long, value_enum)]
        action: ActionArg,
        /// How long a restriction or suspension lasts.
        #[arg(long, required_if_eq_any([("action", "restrict"), ("action", "suspend")]))]
        days: Option<u32>,
        /// Why (kept in the record; never shown to the reported account).
        #[arg(long)]
        reason: String,
        /// The moderator acting (recorded as `cli` without it).
        #[arg(long, value_name = "HANDLE")]
        moderator: Option<String>,
    },
}

/// The API's names (`under_review`), also accepted as `under-review`.
#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "snake_case")]
enum StatusArg {
    Received,
    #[value(alias = "under-review")]
    UnderReview,
    #[value(alias = "action-taken")]
    ActionTaken,
    Dismissed,
}

impl From<StatusArg> for ReportStatus {
    fn from(status: StatusArg) -> Self {
        match status {
            StatusArg::Received => ReportStatus::Received,
            StatusArg::UnderReview => ReportStatus::UnderReview,
            StatusArg::ActionTaken => ReportStatus::ActionTaken,
            StatusArg::Dismissed => ReportStatus::Dismissed,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ActionArg {
    Review,
    Dismiss,
    Warn,
    Restrict,
    Suspend,
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
        Some(Command::Admin(args)) => Ok(run_admin(args)),
        None => serve(cli.serve),
    }
}

/// Runs an `admin` command; failures go to stderr as one `ERROR:` line.
fn run_admin(args: AdminArgs) -> ExitCode {
    match admin_command(&args) {
        Ok(output) => {
            print!("{output}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ERROR: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn admin_command(args: &AdminArgs) -> anyhow::Result<String> {
    let store = admin::open_store(&args.data_dir)?;
    let now = candor_server::api::now_ms();
    let cli = Moderator::Cli { handle: None };
    match &args.command {
        AdminCommand::GrantModerator { handle } | AdminCommand::RevokeModerator { handle } => {
            let role = if matches!(args.command, AdminCommand::GrantModerator { .. }) {
                Role::Moderator
            } else {
                Role::User
            };
            let account = store.set_role(handle, role).map_err(refused)?;
            if args.json {
                return json(&account);
            }
            let handle = admin::printable(&account.handle);
            Ok(if account.moderator {
                format!("{handle} is now a moderator.\n")
            } else {
                format!("{handle} is no longer a moderator.\n")
            })
        }
        AdminCommand::Reports(ReportsCommand::List { status }) => {
            let status = status.map(ReportStatus::from);
            let reports = store.admin_reports(&cli, status).map_err(refused)?;
            if args.json {
                return json(&reports);
            }
            Ok(admin::format_report_list(&reports, status))
        }
        AdminCommand::Reports(ReportsCommand::Show { id }) => {
            let detail = store.admin_report(&cli, *id).map_err(refused)?;
            if args.json {
                return json(&detail);
            }
            Ok(admin::format_report_detail(&detail, now))
        }
        AdminCommand::Reports(ReportsCommand::Resolve {
            id,
            action,
            days,
            reason,
            moderator,
        }) => {
            let action = match (action, days) {
                (ActionArg::Review, None) => ModerationAction::Review,
                (ActionArg::Dismiss, None) => ModerationAction::Dismiss,
                (ActionArg::Warn, None) => ModerationAction::Warn,
                (ActionArg::Restrict, Some(days)) => ModerationAction::Restrict { days: *days },
                (ActionArg::Suspend, Some(days)) => ModerationAction::Suspend { days: *days },
                (_, Some(_)) => anyhow::bail!("--days goes only with restrict and suspend"),
                (_, None) => anyhow::bail!("restrict and suspend need --days"),
            };
            let who = Moderator::Cli {
                handle: moderator.clone(),
            };
            let request = ModerationRequest {
                action,
                reason: reason.clone(),
            };
            let moderated = store.moderate(&who, *id, request, now).map_err(refused)?;
            if args.json {
                return json(&moderated.detail);
            }
            Ok(admin::format_resolution(
                &moderated.detail,
                moderated.revoked.len(),
            ))
        }
    }
}

/// A store refusal as the command reports it: its message (and code).
fn refused(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Rejected { code, message, .. } => anyhow::anyhow!("{message} ({code})"),
        other => anyhow::Error::new(other),
    }
}

/// Pretty JSON with a final line break.
fn json(value: &impl serde::Serialize) -> anyhow::Result<String> {
    Ok(format!("{}\n", serde_json::to_string_pretty(value)?))
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
