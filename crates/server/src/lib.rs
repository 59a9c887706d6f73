//! Candor's sync server as a library: [`serve`] runs it on a listener until a
//! shutdown signal, [`spawn`] starts it in the background (for tests, the
//! demo and benchmarks). The `candor-server` binary wraps this with flags.

pub mod admin;
pub mod api;
pub mod live;
pub mod ratelimit;
pub mod store;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use ratelimit::RateConfig;

/// Everything the server needs to run.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub data_dir: PathBuf,
    pub rate: RateConfig,
    /// Origins allowed to open the WebSocket from a browser context.
    pub allowed_origins: Vec<String>,
}

impl ServerConfig {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        ServerConfig {
            data_dir: data_dir.into(),
            rate: RateConfig {
                burst: 200.0,
                per_second: 50.0,
            },
            allowed_origins: vec![
                "tauri://localhost".into(),
                "http://tauri.localhost".into(),
                "https://tauri.localhost".into(),
            ],
        }
    }
}

/// How often a running server looks for what another process (the
/// `candor-server admin` command) changed in the database that it must act
/// on, since that process cannot reach the server's memory:
///
/// - sessions it revoked (`reports resolve … --action suspend`): their HTTP
///   requests fail at once (every request checks the database); their
///   WebSockets close at the next look;
/// - feed events it appended (a report's new status for the reporter, a
///   notice for the reported account): they are in the feed at once (a
///   catch-up sees them) and are pushed to their users' live WebSockets at
///   the next look, once (a socket that misses one sees the gap in feed
///   numbers and catches up, as with any push).
///
/// So the delay after the other process committed is at most this interval
/// plus one look: a read that finds nothing in a few microseconds, or a
/// short write transaction that takes what is queued (milliseconds; longer
/// only while another writer holds the database, up to its busy timeout).
/// Revocations and events made through this server's own API take effect at
/// once and are never pushed a second time.
pub const REVOCATION_POLL: Duration = Duration::from_secs(2);

/// How far back each look for revoked sessions reaches. Much longer than the
/// poll interval, so a revocation whose transaction committed a little after
/// the time it records, or a socket that registered just after a close, is
/// still caught.
const REVOCATION_LOOKBACK_MS: i64 = 60_000;

/// The most queued events one look takes in one transaction; a longer queue
/// (built while no server ran) is taken in several, in the same look.
const PUSH_BATCH: u32 = 500;

/// Opens the store and builds the application. The hub is returned so that
/// shutdown can close the live connections, which outlive the HTTP server.
pub fn build(config: &ServerConfig) -> anyhow::Result<(axum::Router, Arc<live::Hub>)> {
    let (router, hub, _) = build_parts(config)?;
    Ok((router, hub))
}

fn build_parts(
    config: &ServerConfig,
) -> anyhow::Result<(axum::Router, Arc<live::Hub>, Arc<dyn store::Store>)> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("Creating the data directory {}", config.data_dir.display()))?;
    let store: Arc<dyn store::Store> =
        Arc::new(store::SqliteStore::open(&config.data_dir).context("Opening the database")?);
    let hub = Arc::new(live::Hub::default());
    let app = api::App {
        store: Arc::clone(&store),
        hub: Arc::clone(&hub),
        limiter: Arc::new(ratelimit::RateLimiter::new(config.rate)),
        address_limiter: Arc::new(ratelimit::RateLimiter::new(RateConfig {
            burst: config.rate.burst * 10.0,
            per_second: config.rate.per_second * 10.0,
        })),
        allowed_origins: Arc::new(config.allowed_origins.clone()),
    };
    Ok((api::router(app), hub, store))
}

/// Acts on what another process wrote, every [`REVOCATION_POLL`], until the
/// server shuts down: pushes the feed events it queued, then closes the live
/// connections of the sessions it revoked (so a suspended account's sockets
/// may still carry its notice before they close). Two indexed reads per
/// interval when nothing happened, however many sockets are open.
fn watch_other_writers(store: Arc<dyn store::Store>, hub: Arc<live::Hub>) {
    tokio::spawn(async move {
        let mut shutting_down = hub.shutting_down();
        let mut tick = tokio::time::interval(REVOCATION_POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = shutting_down.changed() => return,
            }
            push_external_events(&store, &hub).await;
            let since = api::now_ms().saturating_sub(REVOCATION_LOOKBACK_MS);
            let reader = Arc::clone(&store);
            match tokio::task::spawn_blocking(move || reader.revoked_since(since)).await {
                Ok(Ok(sessions)) => {
                    for session in sessions {
                        hub.close_session(session);
                    }
                }
                Ok(Err(e)) => tracing::warn!(error = %e, "looking for revoked sessions failed"),
                Err(e) => tracing::warn!(error = %e, "looking for revoked sessions failed"),
            }
        }
    });
}

/// Pushes the feed events another process queued, batch by batch, each
/// after the transaction that took it committed. A failure leaves the queue
/// as it was, for the next look.
async fn push_external_events(store: &Arc<dyn store::Store>, hub: &live::Hub) {
    loop {
        let taker = Arc::clone(store);
        match tokio::task::spawn_blocking(move || taker.take_external_events(PUSH_BATCH)).await {
            Ok(Ok(deliveries)) => {
                let more = deliveries.len() >= PUSH_BATCH as usize;
                hub.publish(deliveries);
                if !more {
                    return;
                }
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "taking events written by another process failed");
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, "taking events written by another process failed");
                return;
            }
        }
    }
}

/// Serves on `listener` until `shutdown` resolves, then finishes in-flight
/// requests and returns.
pub async fn serve(
    config: &ServerConfig,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (router, hub, store) = build_parts(config)?;
    watch_other_writers(store, Arc::clone(&hub));
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        hub.shut_down();
    })
    .await
    .context("Serving HTTP")
}

/// A server running in the background of this process.
#[derive(Debug)]
pub struct RunningServer {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl RunningServer {
    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops gracefully and waits until the server has shut down.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task).await.context("Server task")?
    }
}

/// Starts a server on `addr` (port 0 picks a free one) in the background.
pub async fn spawn(config: ServerConfig, addr: SocketAddr) -> anyhow::Result<RunningServer> {
    let listener = TcpListener::bind(addr).await.context("Binding")?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    // Build before returning so a bad data dir fails here, not later.
    let (router, hub, store) = build_parts(&config)?;
    watch_other_writers(store, Arc::clone(&hub));
    let task = tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = stopped.await;
            hub.shut_down();
        })
        .await
        .context("Serving HTTP")
    });
    Ok(RunningServer {
        addr,
        stop: Some(stop),
        task,
    })
}
