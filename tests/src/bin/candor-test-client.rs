//! A Candor client as a child process for crash tests. It opens an existing
//! mirror (the account row is already there) with the token given on the
//! command line, then either syncs or queues and flushes messages, printing
//! one line per step so the parent knows what was committed before it kills
//! the process.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use candor_core::{Client, ClientConfig, MemoryTokenStore, TokenStore};
use candor_proto::ConversationId;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
struct Args {
    #[arg(long)]
    data_dir: PathBuf,
    /// Token-store key: `SERVER_URL#USER_ID`.
    #[arg(long)]
    account: String,
    #[arg(long)]
    token: String,
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Debug, Subcommand)]
enum Mode {
    /// Catch up with the feed, then print `synced`.
    Sync,
    /// Queue messages `PREFIX-1..=COUNT` (printing `queued BODY` after each
    /// commit), then wait for the outbox to drain and print `flushed`.
    Send {
        #[arg(long)]
        conversation: i64,
        #[arg(long)]
        prefix: String,
        #[arg(long)]
        count: u32,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let tokens = Arc::new(MemoryTokenStore::default());
    tokens
        .save(&args.account, &args.token)
        .map_err(anyhow::Error::msg)?;
    let client = Client::open(
        ClientConfig {
            data_dir: args.data_dir,
        },
        tokens,
    )
    .await?;
    match args.mode {
        Mode::Sync => {
            client.sync_now().await?;
            println!("synced");
        }
        Mode::Send {
            conversation,
            prefix,
            count,
        } => {
            for i in 1..=count {
                let body = format!("{prefix}-{i}");
                client
                    .send_text(ConversationId(conversation), &body)
                    .await?;
                println!("queued {body}");
            }
            while client.outbox_len().await? > 0 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            println!("flushed");
        }
    }
    client.shutdown().await;
    Ok(())
}
