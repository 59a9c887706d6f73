//! `GET /v1/events`: the live feed over a WebSocket.
//!
//! After the upgrade the server sends `hello` with the caller's feed head,
//! then every new feed event as it commits. It pings every 20 s and drops a
//! peer silent for 60 s. The client treats the socket as a hint: feed numbers
//! tell it when it missed something, and it catches up through `/v1/sync`.

use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message as WsMessage, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use candor_proto::{ErrorBody, LiveFrame};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{interval, Instant, MissedTickBehavior};

use super::{ApiError, ApiResult, App, Authed};

const PING_EVERY: Duration = Duration::from_secs(20);
const SILENCE_LIMIT: Duration = Duration::from_secs(60);

/// The live feed: a WebSocket that sends `hello`, then every new event of
/// your feed, one JSON text frame ([`LiveFrame`]) each.
#[utoipa::path(get, path = "/v1/events", tag = "sync", security(("bearer" = [])),
    responses(
        (status = 101, description = "Switching to the WebSocket; every frame is a LiveFrame", body = LiveFrame),
        (status = 400, description = "Not a WebSocket upgrade request", body = ErrorBody),
        (status = 403, description = "A browser origin that may not listen", body = ErrorBody)))]
pub(super) async fn events(
    State(app): State<App>,
    auth: Authed,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    // Desktop clients send no Origin; a browser page must be on the list, so
    // a random web page cannot ride on a token it somehow holds.
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or_default();
        if !app.allowed_origins.iter().any(|o| o == origin) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "origin_not_allowed",
                "This origin may not open the event stream",
            ));
        }
    }
    // A plain request gets the usual error body, not axum's plain text.
    let upgrade = upgrade.map_err(|rejection| {
        ApiError::new(
            rejection.status(),
            "websocket_upgrade_required",
            rejection.body_text(),
        )
    })?;
    Ok(upgrade
        .max_message_size(4096)
        .on_upgrade(move |socket| serve(app, auth, socket)))
}

async fn serve(app: App, auth: Authed, mut socket: WebSocket) {
    // Subscribe before reading the head so nothing falls between the two.
    let mut events = app.hub.subscribe(auth.user);
    let mut closed = app.hub.session_closed(auth.session);
    let mut shutting_down = app.hub.shutting_down();
    let head = match app.store(move |s| s.feed_head(auth.user)).await {
        Ok(head) => head,
        Err(_) => return,
    };
    if send(&mut socket, &LiveFrame::Hello { feed_head: head })
        .await
        .is_err()
    {
        return;
    }
    let mut ping = interval(PING_EVERY);
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(event) => {
                    if send(&mut socket, &LiveFrame::Event((*event).clone())).await.is_err() {
                        return;
                    }
                }
                // The client will see the gap in feed numbers and catch up.
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => last_heard = Instant::now(),
            },
            _ = ping.tick() => {
                if last_heard.elapsed() > SILENCE_LIMIT {
                    return;
                }
                if socket.send(WsMessage::Ping(Default::default())).await.is_err() {
                    return;
                }
            }
            _ = shutting_down.changed() => {
                let _ = socket.send(WsMessage::Close(None)).await;
                return;
            }
            _ = closed.changed() => {
                let _ = socket.send(WsMessage::Close(None)).await;
                return;
            }
        }
    }
}

async fn send(socket: &mut WebSocket, frame: &LiveFrame) -> Result<(), ()> {
    let text = serde_json::to_string(frame).map_err(|_| ())?;
    socket
        .send(WsMessage::Text(Utf8Bytes::from(text)))
        .await
        .map_err(|_| ())
}
