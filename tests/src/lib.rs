//! Fixtures for Candor's end-to-end tests: a real server on a loopback port,
//! real clients with real SQLite mirrors in temporary directories, people
//! named alice, bob and carol.
//!
//! Tests never sleep to synchronise: they wait on client events with a
//! deadline ([`Person::wait_until`]).

pub mod app;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use candor_core::{Client, ClientConfig, MemoryTokenStore};
use candor_proto::{ConversationId, Profile};
use candor_server::{RateConfig, RunningServer, ServerConfig};
use tempfile::TempDir;

/// The password every test person uses.
pub const PASSWORD: &str = "correct horse battery";

/// How long a test waits for something that should happen.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// A server running in this process on 127.0.0.1 with its own data dir.
#[derive(Debug)]
pub struct TestServer {
    pub server: RunningServer,
    pub dir: TempDir,
}

impl TestServer {
    pub async fn start() -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        Self::start_in(dir).await
    }

    /// Starts on an existing data directory (for restarts).
    pub async fn start_in(dir: TempDir) -> TestServer {
        let server = candor_server::spawn(
            test_config(dir.path()),
            "127.0.0.1:0".parse().expect("addr"),
        )
        .await
        .expect("server starts");
        TestServer { server, dir }
    }

    /// Starts again on its data directory at the address it had, as a
    /// server back from an outage (clients keep their configured URL).
    pub async fn start_at(dir: TempDir, addr: std::net::SocketAddr) -> TestServer {
        let server = candor_server::spawn(test_config(dir.path()), addr)
            .await
            .expect("server starts again on its address");
        TestServer { server, dir }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Stops the server and hands back its data directory.
    pub async fn stop(self) -> TempDir {
        self.server.stop().await.expect("server stops cleanly");
        self.dir
    }
}

/// Server settings for tests: a generous rate limit so bulk tests are not
/// throttled (the limiter has its own tests).
pub fn test_config(data_dir: &Path) -> ServerConfig {
    let mut config = ServerConfig::new(data_dir);
    config.rate = RateConfig {
        burst: 100_000.0,
        per_second: 100_000.0,
    };
    config
}

/// One person on one device.
#[derive(Debug)]
pub struct Person {
    pub client: Client,
    pub profile: Profile,
    pub dir: TempDir,
    pub tokens: Arc<MemoryTokenStore>,
    pub server_url: String,
}

impl Person {
    /// Signs up a new person on a new device.
    pub async fn sign_up(server_url: &str, handle: &str, name: &str) -> Person {
        let dir = tempfile::tempdir().expect("temp dir");
        let tokens = Arc::new(MemoryTokenStore::default());
        let client = open(dir.path(), Arc::clone(&tokens)).await;
        let profile = client
            .sign_up(
                server_url,
                handle,
                name,
                PASSWORD,
                &format!("{handle}'s laptop"),
            )
            .await
            .expect("sign up");
        Person {
            client,
            profile,
            dir,
            tokens,
            server_url: server_url.to_owned(),
        }
    }

    /// Someone who signed up elsewhere (in the app, say) signing in on a
    /// new device here.
    pub async fn sign_in(server_url: &str, handle: &str, password: &str) -> Person {
        let dir = tempfile::tempdir().expect("temp dir");
        let tokens = Arc::new(MemoryTokenStore::default());
        let client = open(dir.path(), Arc::clone(&tokens)).await;
        let profile = client
            .sign_in(server_url, handle, password, &format!("{handle}'s phone"))
            .await
            .expect("sign in");
        Person {
            client,
            profile,
            dir,
            tokens,
            server_url: server_url.to_owned(),
        }
    }

    /// The same person signing in on another device.
    pub async fn second_device(&self) -> Person {
        let dir = tempfile::tempdir().expect("temp dir");
        let tokens = Arc::new(MemoryTokenStore::default());
        let client = open(dir.path(), Arc::clone(&tokens)).await;
        let profile = client
            .sign_in(
                &self.server_url,
                &self.profile.handle,
                PASSWORD,
                "second device",
            )
            .await
            .expect("sign in");
        Person {
            client,
            profile,
            dir,
            tokens,
            server_url: self.server_url.clone(),
        }
    }

    /// Closes the client and opens it again on the same mirror and token
    /// store, as an app restart does.
    pub async fn restart(&mut self) {
        self.client.shutdown().await;
        self.client = open(self.dir.path(), self.tokens.clone()).await;
    }

    /// Waits until `check` is true, re-checking whenever the client reports
    /// a change (and every 250 ms besides). Panics with `what` after the deadline.
    pub async fn wait_until<F, Fut>(&self, what: &str, mut check: F)
    where
        F: FnMut(Client) -> Fut,
        Fut: Future<Output = bool>,
    {
        let mut events = self.client.subscribe();
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            if check(self.client.clone()).await {
                return;
            }
            if tokio::time::Instant::now() > deadline {
                panic!("{}: timed out waiting until {what}", self.profile.handle);
            }
            tokio::select! {
                _ = events.recv() => {}
                () = tokio::time::sleep(Duration::from_millis(250)) => {}
            }
        }
    }

    /// Waits until this device has `n` messages in the conversation.
    pub async fn wait_for_messages(&self, conversation: ConversationId, n: usize) {
        self.wait_until(&format!("{n} messages arrived"), |c| async move {
            count(&c, conversation).await >= n
        })
        .await;
    }

    /// Waits until the outbox is empty.
    pub async fn wait_outbox_empty(&self) {
        self.wait_until("the outbox is empty", |c| async move {
            c.outbox_len().await.map(|n| n == 0).unwrap_or(false)
        })
        .await;
    }
}

/// Opens a client on a mirror directory.
pub async fn open(dir: &Path, tokens: Arc<MemoryTokenStore>) -> Client {
    Client::open(
        ClientConfig {
            data_dir: PathBuf::from(dir),
        },
        tokens,
    )
    .await
    .expect("client opens")
}

/// Number of delivered messages of a conversation in a client's mirror.
pub async fn count(client: &Client, conversation: ConversationId) -> usize {
    all_messages(client, conversation).await.len()
}

/// Every delivered message of a conversation, ascending.
pub async fn all_messages(
    client: &Client,
    conversation: ConversationId,
) -> Vec<candor_core::MessageView> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let page = client
            .messages(
                conversation,
                candor_core::Page::After {
                    seq: after,
                    limit: 500,
                },
            )
            .await
            .unwrap_or_default();
        let Some(last) = page.last() else { break };
        after = last.seq;
        out.extend(page);
    }
    out
}

pub async fn alice(server: &TestServer) -> Person {
    Person::sign_up(&server.url(), "alice", "Alice Martin").await
}

pub async fn bob(server: &TestServer) -> Person {
    Person::sign_up(&server.url(), "bob", "Bob Okafor").await
}

pub async fn carol(server: &TestServer) -> Person {
    Person::sign_up(&server.url(), "carol", "Carol Søndergaard").await
}

/// `a` invites `b`, `b` accepts; both mirrors know about it.
pub async fn connect(a: &Person, b: &Person) {
    a.client.invite(&b.profile.handle).await.expect("invite");
    let from = a.profile.user_id;
    b.wait_until("the invitation arrived", |c| async move {
        c.connections()
            .await
            .unwrap_or_default()
            .iter()
            .any(|x| x.peer.user_id == from)
    })
    .await;
    b.client.accept(from).await.expect("accept");
    let to = b.profile.user_id;
    a.wait_until("the connection was accepted", |c| async move {
        c.connections()
            .await
            .unwrap_or_default()
            .iter()
            .any(|x| x.peer.user_id == to && x.state == candor_proto::ConnectionState::Accepted)
    })
    .await;
}

/// Connects two people and opens their direct conversation on both sides.
pub async fn direct(a: &Person, b: &Person) -> ConversationId {
    connect(a, b).await;
    let id = a
        .client
        .open_direct(b.profile.user_id)
        .await
        .expect("open direct");
    b.wait_until("the conversation arrived", |c| async move {
        c.conversation(id).await.is_ok()
    })
    .await;
    id
}

/// Log output for a failing test run: `RUST_LOG=debug cargo test`.
pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_test_writer()
        .try_init();
}
