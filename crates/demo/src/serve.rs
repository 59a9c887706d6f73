//! `candor-demo serve`: the desktop app's demo. Starts a server on a fixed
//! local address, creates demo accounts with connections and a realistic
//! history on first start (including a correction), signs the app's data
//! directory in as Alice (token in the OS keychain, like a real sign-in), then
//! lets Bob write to Alice every little while so messages arrive live.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use candor_core::keychain::KeychainTokenStore;
use candor_core::{Client, ClientConfig, MemoryTokenStore, Outgoing};
use candor_proto::{ConversationId, UserId};
use candor_server::{RateConfig, ServerConfig};

pub const PASSWORD: &str = "demo password 2026";

#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address of the demo server.
    #[arg(long, default_value = "127.0.0.1:8470")]
    listen: SocketAddr,
    /// Where the server and the demo people keep their data.
    #[arg(long)]
    data_dir: PathBuf,
    /// The desktop app's data directory, to sign in as Alice.
    #[arg(long)]
    app_data_dir: PathBuf,
    /// Seconds between Bob's live messages.
    #[arg(long, default_value_t = 25)]
    every: u64,
    /// Write this file once everything is ready.
    #[arg(long)]
    ready_file: Option<PathBuf>,
}

struct Person {
    client: Client,
    id: UserId,
}

async fn person(
    root: &std::path::Path,
    url: &str,
    handle: &str,
    name: &str,
    headline: &str,
    phone: &str,
) -> anyhow::Result<Person> {
    let client = Client::open(
        ClientConfig {
            data_dir: root.join(handle),
        },
        Arc::new(MemoryTokenStore::default()),
    )
    .await?;
    let profile = match client.sign_up(url, handle, name, PASSWORD, "Demo").await {
        Ok(p) => p,
        Err(e) if e.code() == "handle_taken" => {
            client.sign_in(url, handle, PASSWORD, "Demo").await?
        }
        Err(e) => return Err(e.into()),
    };
    client
        .update_profile(candor_proto::ProfileUpdate {
            display_name: None,
            headline: Some(headline.to_owned()),
            phone: Some(phone.to_owned()),
        })
        .await?;
    Ok(Person {
        client,
        id: profile.user_id,
    })
}

async fn connect(a: &Person, b: &Person, b_handle: &str) -> anyhow::Result<()> {
    match a.client.invite(b_handle).await {
        Ok(_) => {}
        Err(e) if e.code() == "already_connected" => return Ok(()),
        Err(e) => return Err(e.into()),
    }
    b.client.sync_now().await?;
    b.client.accept(a.id).await?;
    a.client.sync_now().await?;
    Ok(())
}

async fn last_id(client: &Client, chat: ConversationId) -> anyhow::Result<candor_proto::MessageId> {
    client.sync_now().await?;
    let page = client
        .messages(chat, candor_core::Page::Latest { limit: 1 })
        .await?;
    page.last().map(|m| m.id).context("No message yet")
}

async fn wait_delivered(client: &Client) -> anyhow::Result<()> {
    for _ in 0..200 {
        if client.outbox_len().await? == 0 {
            client.sync_now().await?;
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("The demo outbox did not drain")
}

async fn say(p: &Person, chat: ConversationId, text: &str) -> anyhow::Result<()> {
    p.client.send_text(chat, text).await?;
    wait_delivered(&p.client).await
}

async fn seed(alice: &Person, bob: &Person, carol: &Person) -> anyhow::Result<ConversationId> {
    connect(alice, bob, "bob").await?;
    connect(alice, carol, "carol").await?;
    connect(bob, carol, "carol").await?;
    let ab = alice.client.open_direct(bob.id).await?;
    bob.client.sync_now().await?;
    if !alice
        .client
        .messages(ab, candor_core::Page::Latest { limit: 1 })
        .await?
        .is_empty()
    {
        return Ok(ab); // seeded on an earlier run
    }
    say(
        bob,
        ab,
        "Morning Alice — did the revised quote from Nordlicht come in?",
    )
    .await?;
    say(
        alice,
        ab,
        "Yes, late last night. Total is 48,200 EUR including installation.",
    )
    .await?;
    say(
        alice,
        ab,
        "Delivery would be in week 51, so before the holiday freeze.",
    )
    .await?;
    let wrong = last_id(&alice.client, ab).await?;
    say(bob, ab, "Week 51 works. I'll book the budget line today.").await?;
    alice
        .client
        .send(
            ab,
            Outgoing::correction(
                wrong,
                "Correction: delivery is in week 2, not week 51 — I misread their table.",
                "The delivery week",
                "Week 2 (6–10 January), after the holiday freeze",
            ),
        )
        .await?;
    wait_delivered(&alice.client).await?;
    say(
        bob,
        ab,
        "Thanks for flagging it straight away. I'll move the budget line to January.",
    )
    .await?;
    say(
        alice,
        ab,
        "Appreciated. I'll confirm the installation slot with them by Friday.",
    )
    .await?;

    let group = alice
        .client
        .create_group("Vendor review", vec![bob.id, carol.id])
        .await?;
    bob.client.sync_now().await?;
    carol.client.sync_now().await?;
    say(
        alice,
        group,
        "Shortlist for the vendor review: Nordlicht, Aalto Systems, Brightwell.",
    )
    .await?;
    say(
        carol,
        group,
        "Legal has no objections to Nordlicht's standard terms. Aalto's liability cap is too low.",
    )
    .await?;
    say(
        bob,
        group,
        "Finance prefers Nordlicht too; their payment terms are 60 days.",
    )
    .await?;
    say(
        alice,
        group,
        "Then Nordlicht it is. I'll draft the recommendation for Thursday.",
    )
    .await?;

    let ac = alice.client.open_direct(carol.id).await?;
    carol.client.sync_now().await?;
    say(
        carol,
        ac,
        "Alice, the NDA for Brightwell is signed — copy is in the shared folder.",
    )
    .await?;
    say(alice, ac, "Great, thank you Carol!").await?;
    Ok(ab)
}

const BOB_LINES: &[&str] = &[
    "Quick one: can you send me the final PO number when you have it?",
    "Nordlicht's account manager just called — they can do a site visit on Tuesday.",
    "Budget line for January is booked.",
    "Do we need Carol to review the installation addendum as well?",
    "I'm in meetings until 2, will reply after.",
    "Reminder: the steering committee wants the recommendation by Thursday noon.",
    "Shared the cost comparison sheet with you.",
    "All good on my side for the vendor review.",
];

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let mut config = ServerConfig::new(args.data_dir.join("server"));
    config.rate = RateConfig {
        burst: 1_000.0,
        per_second: 500.0,
    };
    let server = candor_server::spawn(config, args.listen)
        .await
        .with_context(|| format!("Starting the demo server on {}", args.listen))?;
    let url = server.url();
    println!("Demo server on {url}");

    let people = args.data_dir.join("people");
    let alice = person(
        &people,
        &url,
        "alice",
        "Alice Martin",
        "Head of Procurement, Meridian Logistics",
        "+44 20 7946 0321",
    )
    .await?;
    let bob = person(
        &people,
        &url,
        "bob",
        "Bob Okafor",
        "Finance Business Partner",
        "+44 20 7946 0654",
    )
    .await?;
    let carol = person(
        &people,
        &url,
        "carol",
        "Carol Søndergaard",
        "Senior Counsel",
        "+45 32 71 44 09",
    )
    .await?;
    let chat = seed(&alice, &bob, &carol).await?;
    println!("Demo accounts: alice, bob, carol (password \"{PASSWORD}\")");

    // Sign the desktop app in as Alice, exactly as its own sign-in would.
    let app_client = Client::open(
        ClientConfig {
            data_dir: args.app_data_dir.clone(),
        },
        Arc::new(KeychainTokenStore),
    )
    .await?;
    if app_client.user_id().is_none() {
        app_client
            .sign_in(&url, "alice", PASSWORD, "Alice's desktop (demo)")
            .await
            .context("Signing the app in as Alice (is a keychain / Secret Service running?)")?;
        app_client.sync_now().await?;
    }
    app_client.shutdown().await;
    drop(app_client);
    if let Some(ready) = &args.ready_file {
        std::fs::write(ready, url.as_bytes())?;
    }
    println!(
        "The app is signed in as Alice. Bob writes every {} s; Ctrl-C stops the demo.",
        args.every
    );

    let mut i = 0usize;
    let mut ticker = tokio::time::interval(Duration::from_secs(args.every.max(1)));
    ticker.tick().await;
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            _ = ticker.tick() => {
                let line = BOB_LINES[i % BOB_LINES.len()];
                i += 1;
                if let Err(e) = bob.client.send_text(chat, line).await {
                    eprintln!("Bob could not send: {e}");
                }
            }
        }
    }
    for p in [&alice, &bob, &carol] {
        p.client.shutdown().await;
    }
    server.stop().await?;
    Ok(())
}
