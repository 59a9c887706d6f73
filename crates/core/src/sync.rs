//! The sync engine: catch up from the feed in pages, then follow the live
//! WebSocket; on a gap in feed numbers, catch up again; on any failure,
//! reconnect with exponential backoff and jitter.
//!
//! Each page is applied with its new cursor in one transaction
//! ([`mirror::apply_events`]), so a crash loses nothing and duplicates
//! nothing: the next start simply asks again from the stored cursor.

use std::sync::Arc;
use std::time::Duration;

use candor_proto::{FeedEvent, LiveFrame, MAX_SYNC_PAGE};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::watch;
use tokio::time::{interval, Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::backoff::Backoff;
use crate::client::Inner;
use crate::error::{CoreError, CoreResult};
use crate::mirror::{self, ApplyOutcome};
use crate::model::{ClientEvent, SyncStatus};

const PING_EVERY: Duration = Duration::from_secs(25);
const SILENCE_LIMIT: Duration = Duration::from_secs(75);

fn is_unauthorized(e: &CoreError) -> bool {
    matches!(e, CoreError::Server { status: 401, .. })
}

/// Fetches and applies every feed page after the stored cursor.
pub(crate) async fn catch_up(inner: &Arc<Inner>) -> CoreResult<()> {
    let _guard = inner.sync_lock.lock().await;
    let remote = inner.remote()?;
    loop {
        let since = inner.db.read(mirror::cursor).await?;
        let page = remote.sync(since, MAX_SYNC_PAGE).await?;
        let has_more = page.has_more;
        if !page.events.is_empty() || page.next > since {
            apply(inner, page.events, page.next).await?;
        }
        if !has_more {
            break;
        }
    }
    inner.outbox_wake.notify_one();
    Ok(())
}

async fn apply(inner: &Arc<Inner>, events: Vec<FeedEvent>, next: i64) -> CoreResult<()> {
    let session = inner.session()?;
    let outcome = inner
        .db
        .write(move |tx| mirror::apply_events(tx, session.user, &session.server_key, &events, next))
        .await?;
    publish(inner, outcome);
    Ok(())
}

fn publish(inner: &Inner, outcome: ApplyOutcome) {
    for alarm in outcome.alarms {
        inner.emit(ClientEvent::IntegrityAlarm { alarm });
    }
    if outcome.connections_changed {
        inner.emit(ClientEvent::ConnectionsChanged);
    }
    for user in outcome.profiles {
        inner.emit(ClientEvent::ProfileChanged { user });
    }
    if outcome.blocks_changed {
        inner.emit(ClientEvent::BlocksChanged);
    }
    if outcome.reports_changed {
        inner.emit(ClientEvent::ReportsChanged);
    }
    for notice in outcome.notices {
        inner.emit(ClientEvent::Notice { notice });
    }
    for id in outcome.incidents {
        inner.emit(ClientEvent::IncidentChanged { id });
    }
    for id in outcome.conversations {
        inner.emit(ClientEvent::ConversationChanged { id });
    }
    if !outcome.incoming.is_empty() {
        inner.emit(ClientEvent::MessagesArrived {
            messages: outcome.incoming,
        });
    }
}

/// One live event: apply it if it is the next one, catch up on a gap.
async fn on_live_event(inner: &Arc<Inner>, event: FeedEvent) -> CoreResult<()> {
    let cursor = inner.db.read(mirror::cursor).await?;
    if event.seq <= cursor {
        return Ok(());
    }
    if event.seq == cursor + 1 {
        let _guard = inner.sync_lock.lock().await;
        let seq = event.seq;
        apply(inner, vec![event], seq).await?;
        inner.outbox_wake.notify_one();
        return Ok(());
    }
    catch_up(inner).await
}

enum Ended {
    Stopped,
}

async fn follow(
    inner: &Arc<Inner>,
    stop: &mut watch::Receiver<bool>,
    backoff: &mut Backoff,
) -> CoreResult<Ended> {
    let remote = inner.remote()?;
    let mut request = remote
        .events_url()
        .into_client_request()
        .map_err(|e| CoreError::Internal(format!("Event stream URL: {e}")))?;
    let auth = HeaderValue::from_str(&format!("Bearer {}", remote.token().unwrap_or_default()))
        .map_err(|e| CoreError::Internal(e.to_string()))?;
    request.headers_mut().insert("authorization", auth);
    let (mut ws, _) = match tokio_tungstenite::connect_async(request).await {
        Ok(ok) => ok,
        Err(tokio_tungstenite::tungstenite::Error::Http(response))
            if response.status().as_u16() == 401 =>
        {
            return Err(CoreError::Server {
                status: 401,
                code: "unauthorized".into(),
                message: "The token was rejected".into(),
            })
        }
        Err(e) => return Err(CoreError::Offline(e.to_string())),
    };
    backoff.reset();
    // Anything committed between the catch-up and the subscription is
    // covered by the hello frame's feed head.
    let mut ping = interval(PING_EVERY);
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    loop {
        tokio::select! {
            frame = ws.next() => {
                last_heard = Instant::now();
                match frame {
                    Some(Ok(WsMessage::Text(text))) => {
                        match serde_json::from_str::<LiveFrame>(text.as_str()) {
                            Ok(LiveFrame::Hello { feed_head }) => {
                                if feed_head > inner.db.read(mirror::cursor).await? {
                                    catch_up(inner).await?;
                                }
                                inner.set_status(SyncStatus::Online);
                            }
                            Ok(LiveFrame::Event(event)) => on_live_event(inner, event).await?,
                            Err(e) => tracing::warn!(error = %e, "unreadable live frame"),
                        }
                    }
                    Some(Ok(WsMessage::Ping(payload))) => {
                        let _ = ws.send(WsMessage::Pong(payload)).await;
                    }
                    Some(Ok(WsMessage::Close(_))) | None => {
                        return Err(CoreError::Offline("the event stream closed".into()));
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Err(CoreError::Offline(e.to_string())),
                }
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > SILENCE_LIMIT {
                    return Err(CoreError::Offline("the server went silent".into()));
                }
                if ws.send(WsMessage::Ping(Default::default())).await.is_err() {
                    return Err(CoreError::Offline("the event stream broke".into()));
                }
            }
            () = inner.sync_wake.notified() => catch_up(inner).await?,
            _ = stop.changed() => {
                let _ = ws.close(None).await;
                return Ok(Ended::Stopped);
            }
        }
    }
}

/// The background sync task of a signed-in client.
pub(crate) async fn run(inner: Arc<Inner>, mut stop: watch::Receiver<bool>) {
    let mut backoff = Backoff::default();
    loop {
        if *stop.borrow() {
            return;
        }
        if !matches!(*inner.status.borrow(), SyncStatus::Offline { .. }) {
            inner.set_status(SyncStatus::CatchingUp);
        }
        let result = match catch_up(&inner).await {
            Ok(()) => follow(&inner, &mut stop, &mut backoff).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(Ended::Stopped) => return,
            Err(e) if is_unauthorized(&e) => {
                inner.signed_out_by_server();
                return;
            }
            Err(e) => {
                tracing::debug!(error = %e, "sync interrupted");
                if e.is_offline() || e.is_transient() {
                    inner.set_status(SyncStatus::Offline {
                        since: mirror::now_ms(),
                    });
                }
                let delay = backoff.next_delay();
                tokio::select! {
                    () = tokio::time::sleep(delay) => {}
                    () = inner.sync_wake.notified() => {}
                    _ = stop.changed() => return,
                }
            }
        }
    }
}
