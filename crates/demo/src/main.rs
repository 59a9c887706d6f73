//! `candor-demo`: starts a local Candor server and two real clients, Alice and
//! Bob, each with its own SQLite mirror, and lets them talk: live delivery,
//! read receipts, a linked correction, an offline outbox and offline search.
//! Everything printed is read back from the clients' mirrors.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use candor_core::{
    Client, ClientConfig, ClientEvent, DeliveryState, MemoryTokenStore, MessageView, Outgoing,
    Page, SyncStatus,
};
use candor_proto::{ConversationId, MessageKind};
use candor_server::{RateConfig, ServerConfig};
use clap::Parser;

mod serve;

#[derive(Debug, Parser)]
#[command(
    name = "candor-demo",
    about = "Candor demos: a terminal conversation, or a demo server for the desktop app"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Two people talking through a local server, printed in the terminal.
    Terminal(Args),
    /// A local server with demo accounts and history, the desktop app's data
    /// directory signed in as Alice, and Bob writing to her now and then.
    Serve(serve::ServeArgs),
}

#[derive(Debug, Clone, clap::Args)]
struct Args {
    /// Pause between steps, in milliseconds.
    #[arg(long, default_value_t = 700)]
    pace_ms: u64,
    /// Keep the server running afterwards (Ctrl-C to stop).
    #[arg(long)]
    keep_running: bool,
}

const PASSWORD: &str = "demo password 2026";

struct Demo {
    pace: Duration,
}

impl Demo {
    async fn pause(&self) {
        tokio::time::sleep(self.pace).await;
    }
}

async fn open_client(dir: &std::path::Path) -> anyhow::Result<Client> {
    Ok(Client::open(
        ClientConfig {
            data_dir: dir.to_path_buf(),
        },
        Arc::new(MemoryTokenStore::default()),
    )
    .await?)
}

/// Waits (up to 20 s) until `check` holds, re-checking on every client event.
async fn until<F, Fut>(client: &Client, what: &str, mut check: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let mut events = client.subscribe();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !check().await {
        if tokio::time::Instant::now() > deadline {
            bail!("Timed out waiting until {what}");
        }
        tokio::select! {
            _ = events.recv() => {}
            () = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
    }
    Ok(())
}

fn show(who: &str, m: &MessageView) {
    let label = match m.kind {
        MessageKind::Text => String::new(),
        other => format!("[{}] ", other.as_str()),
    };
    let state = if m.mine {
        format!("  ({:?})", m.state).to_lowercase()
    } else {
        String::new()
    };
    println!(
        "  {who:>5} sees  #{:<2} {:<12} {label}{}{state}",
        m.seq, m.sender_name, m.body
    );
    if let Some(c) = &m.correction {
        println!("                      what was wrong: {}", c.what_was_wrong);
        println!(
            "                      correct:        {}",
            c.correct_information
        );
    }
    for a in &m.annotations {
        println!(
            "                      ↳ {} in message {}",
            a.kind.as_str(),
            a.message_id
        );
    }
}

async fn latest(client: &Client, chat: ConversationId) -> anyhow::Result<Vec<MessageView>> {
    Ok(client.messages(chat, Page::Latest { limit: 50 }).await?)
}

async fn say(
    demo: &Demo,
    from: (&str, &Client),
    to: (&str, &Client),
    chat: ConversationId,
    outgoing: Outgoing,
) -> anyhow::Result<()> {
    let before = latest(to.1, chat).await?.len();
    from.1.send(chat, outgoing).await?;
    until(to.1, "the message arrives", || async {
        latest(to.1, chat)
            .await
            .map(|v| v.len() > before)
            .unwrap_or(false)
    })
    .await?;
    let messages = latest(to.1, chat).await?;
    if let Some(m) = messages.last() {
        show(to.0, m);
    }
    demo.pause().await;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Some(Command::Serve(args)) => serve::run(args).await,
        Some(Command::Terminal(args)) => terminal(args).await,
        None => {
            terminal(Args {
                pace_ms: 700,
                keep_running: false,
            })
            .await
        }
    }
}

async fn terminal(args: Args) -> anyhow::Result<()> {
    let demo = Demo {
        pace: Duration::from_millis(args.pace_ms),
    };
    let root = tempfile::tempdir().context("Creating a temporary directory")?;
    let mut config = ServerConfig::new(root.path().join("server"));
    config.rate = RateConfig {
        burst: 1_000.0,
        per_second: 500.0,
    };
    let server = candor_server::spawn(config.clone(), "127.0.0.1:0".parse()?).await?;
    let url = server.url();
    println!(
        "Candor demo — server on {url}, data in {}",
        root.path().display()
    );
    println!();

    let alice = open_client(&root.path().join("alice")).await?;
    let bob = open_client(&root.path().join("bob")).await?;
    let a = alice
        .sign_up(&url, "alice", "Alice Martin", PASSWORD, "Alice's laptop")
        .await?;
    let b = bob
        .sign_up(&url, "bob", "Bob Okafor", PASSWORD, "Bob's desktop")
        .await?;
    println!("• Alice Martin (@alice) and Bob Okafor (@bob) sign up.");
    alice.invite("bob").await?;
    until(&bob, "the invitation arrives", || async {
        bob.connections()
            .await
            .map(|c| !c.is_empty())
            .unwrap_or(false)
    })
    .await?;
    bob.accept(a.user_id).await?;
    println!("• Alice invites Bob to connect; Bob accepts.");
    let chat = alice.open_direct(b.user_id).await?;
    until(&bob, "the conversation appears", || async {
        bob.conversation(chat).await.is_ok()
    })
    .await?;
    println!("• Alice opens a conversation with Bob.");
    println!();
    demo.pause().await;

    say(
        &demo,
        ("alice", &alice),
        ("bob", &bob),
        chat,
        Outgoing::text("Hi Bob, the vendor review is on Wednesday at 10:00, room 4.12."),
    )
    .await?;
    say(
        &demo,
        ("bob", &bob),
        ("alice", &alice),
        chat,
        Outgoing::text("Thanks Alice, I'll bring the Q3 numbers."),
    )
    .await?;

    // Bob reads; Alice sees it.
    let last_seq = latest(&bob, chat).await?.last().map_or(0, |m| m.seq);
    bob.mark_read(chat, last_seq).await?;
    until(&alice, "Alice sees the read receipt", || async {
        latest(&alice, chat)
            .await
            .map(|v| {
                v.iter()
                    .filter(|m| m.mine)
                    .all(|m| m.state == DeliveryState::Read)
            })
            .unwrap_or(false)
    })
    .await?;
    println!("  alice sees  her first message is now read by Bob");
    demo.pause().await;

    // A mistake, corrected honestly: the original stays, the correction links to it.
    let original = latest(&alice, chat)
        .await?
        .first()
        .map(|m| m.id)
        .context("No message")?;
    println!();
    println!(
        "• Alice got the day wrong. Sent messages are permanent, so she sends a linked correction:"
    );
    say(
        &demo,
        ("alice", &alice),
        ("bob", &bob),
        chat,
        Outgoing::correction(
            original,
            "Correction: the vendor review is on Thursday, not Wednesday.",
            "The day of the review",
            "Thursday 4 December, 10:00, room 4.12",
        ),
    )
    .await?;
    println!();
    println!("  Bob's view of the conversation now:");
    for m in latest(&bob, chat).await? {
        show("bob", &m);
    }
    demo.pause().await;

    // Offline: the server goes away, Alice keeps writing, the outbox holds it.
    println!();
    println!("• The server stops. Alice keeps writing; her outbox holds the message.");
    server.stop().await?;
    until(&alice, "Alice notices she is offline", || async {
        matches!(alice.sync_status(), SyncStatus::Offline { .. })
    })
    .await?;
    alice
        .send_text(chat, "I've booked the room for an extra hour.")
        .await?;
    for p in alice.pending(Some(chat)).await? {
        println!("  alice sees  (waiting to send) {}", p.body);
    }
    let hits = bob.search("vendor thursday", None, 10).await?;
    println!(
        "  bob searches \"vendor thursday\" offline: {} result(s)",
        hits.len()
    );
    for h in &hits {
        let text: String = h
            .snippet
            .iter()
            .map(|p| {
                if p.matched {
                    format!("[{}]", p.text)
                } else {
                    p.text.clone()
                }
            })
            .collect();
        println!("                      {} — {}", h.conversation_title, text);
    }
    demo.pause().await;

    println!();
    println!("• The server comes back on the same address; the outbox delivers.");
    let server = candor_server::spawn(config, server_addr(&url)?).await?;
    until(&bob, "the queued message arrives", || async {
        latest(&bob, chat)
            .await
            .map(|v| v.len() == 4)
            .unwrap_or(false)
    })
    .await?;
    if let Some(m) = latest(&bob, chat).await?.last() {
        show("bob", m);
    }
    let alarms = bob.integrity_alarms(None).await?;
    println!();
    println!(
        "• Every message Bob holds was checked against the server-signed hash chain: {}.",
        if alarms.is_empty() {
            "all verified"
        } else {
            "ALARM"
        }
    );

    if args.keep_running {
        println!();
        println!("Server still running on {}. Ctrl-C to stop.", server.url());
        let mut events = bob.subscribe();
        loop {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => break,
                event = events.recv() => {
                    if let Ok(ClientEvent::MessagesArrived { messages }) = event {
                        for m in messages {
                            println!("  bob receives from {}: {}", m.sender_name, m.body);
                        }
                    }
                }
            }
        }
    }
    alice.shutdown().await;
    bob.shutdown().await;
    server.stop().await?;
    Ok(())
}

fn server_addr(url: &str) -> anyhow::Result<std::net::SocketAddr> {
    url.trim_start_matches("http://")
        .parse()
        .context("Parsing the server address")
}
