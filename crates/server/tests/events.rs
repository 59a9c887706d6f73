//! The live event stream, `GET /v1/events`, over a real WebSocket.
//!
//! Reads wait for the next frame; the only clock is a generous guard that
//! turns a hang (a bug) into a failure instead of a stuck test run.

mod common;

use std::time::Duration;

use candor_proto::{EventPayload, LiveFrame, SyncPage};
use common::{Person, Server};
use futures_util::StreamExt;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{header, HeaderValue};
use tokio_tungstenite::tungstenite::{Error as WsError, Message as WsMessage};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Fails the test instead of hanging if a frame never comes.
const HANG_GUARD: Duration = Duration::from_secs(60);

async fn open(
    server: &Server,
    token: Option<&str>,
    origin: Option<&str>,
) -> Result<Socket, WsError> {
    let mut request = server
        .events_url()
        .into_client_request()
        .expect("a WebSocket request");
    if let Some(token) = token {
        request.headers_mut().insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {token}")).expect("a header value"),
        );
    }
    if let Some(origin) = origin {
        request.headers_mut().insert(
            header::ORIGIN,
            HeaderValue::from_str(origin).expect("a header value"),
        );
    }
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(socket, _)| socket)
}

/// The next frame, or `None` once the server closed the socket.
async fn next_frame(socket: &mut Socket) -> Option<LiveFrame> {
    loop {
        let message = tokio::time::timeout(HANG_GUARD, socket.next())
            .await
            .expect("the server sends the next frame");
        match message {
            None | Some(Ok(WsMessage::Close(_))) => return None,
            Some(Ok(WsMessage::Text(text))) => {
                return Some(serde_json::from_str(text.as_str()).unwrap_or_else(|e| {
                    panic!("a frame that is not a LiveFrame ({e}): {}", text.as_str())
                }))
            }
            Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => {}
            Some(Ok(other)) => panic!("an unexpected frame: {other:?}"),
            Some(Err(e)) => panic!("the socket failed: {e}"),
        }
    }
}

/// Opens `person`'s socket and reads the hello; returns it with the head.
async fn listen(server: &Server, person: &Person) -> (Socket, i64) {
    let mut socket = open(server, person.token(), None)
        .await
        .expect("the socket opens");
    match next_frame(&mut socket).await {
        Some(LiveFrame::Hello { feed_head }) => (socket, feed_head),
        other => panic!("the first frame is not hello: {other:?}"),
    }
}

/// The status and error code of a refused upgrade.
fn refusal(result: Result<Socket, WsError>) -> (u16, String) {
    match result {
        Ok(_) => panic!("the socket opened"),
        Err(WsError::Http(response)) => {
            let body = response.body().as_deref().unwrap_or_default();
            let error: candor_proto::ErrorBody = serde_json::from_slice(body).unwrap_or_else(|e| {
                panic!(
                    "the refusal is not {{code, message}} ({e}): {}",
                    String::from_utf8_lossy(body)
                )
            });
            (response.status().as_u16(), error.code)
        }
        Err(e) => panic!("the upgrade failed without an answer: {e}"),
    }
}

#[tokio::test]
async fn bob_hears_alices_messages_live() {
    let server = Server::start().await;
    let alice = server.alice().await;
    let bob = server.bob().await;
    let carol = server.carol().await;
    server.connect(&alice, &bob).await;
    server.connect(&alice, &carol).await;
    let conversation = server.direct(&alice, &bob).await.id;
    let elsewhere = server.direct(&alice, &carol).await.id;

    let (mut socket, head) = listen(&server, &bob).await;
    // The hello carries the head of Bob's feed as /v1/sync knows it.
    let page: SyncPage = server.get("/v1/sync?since=0", bob.token()).await.ok(200);
    assert!(!page.has_more);
    assert_eq!(head, page.next);
    assert!(head > 0);

    // Something Bob is not part of, then two messages for him.
    server.say(&alice, elsewhere, "Carol, a secret").await;
    let first = server
        .say(&alice, conversation, "Are you there, Bob?")
        .await;
    let second = server
        .say(&alice, conversation, "Call me when you can")
        .await;
    for (expected_seq, sent) in [(head + 1, &first), (head + 2, &second)] {
        match next_frame(&mut socket).await {
            Some(LiveFrame::Event(event)) => {
                assert_eq!(event.seq, expected_seq, "no gaps, nothing foreign");
                assert_eq!(event.event, EventPayload::Message(sent.clone()));
            }
            other => panic!("expected Alice's message, got {other:?}"),
        }
    }

    // The socket and the feed agree.
    let page: SyncPage = server
        .get(&format!("/v1/sync?since={head}"), bob.token())
        .await
        .ok(200);
    assert_eq!(page.events.len(), 2);
    assert_eq!(page.next, head + 2);
}

#[tokio::test]
async fn the_first_frame_is_hello_and_its_wire_shape_is_stable() {
    let server = Server::start().await;
    let bob = server.bob().await;
    let mut socket = open(&server, bob.token(), None)
        .await
        .expect("the socket opens");
    let message = tokio::time::timeout(HANG_GUARD, socket.next())
        .await
        .expect("a first frame")
        .expect("the socket is open")
        .expect("a frame");
    let WsMessage::Text(text) = message else {
        panic!("the hello is a text frame: {message:?}");
    };
    let value: serde_json::Value = serde_json::from_str(text.as_str()).expect("JSON");
    assert_eq!(value["type"], "hello");
    assert!(value["feed_head"].is_i64(), "{value}");
}

#[tokio::test]
async fn only_signed_in_desktop_or_allowed_origins_may_listen() {
    let server = Server::start().await;
    let bob = server.bob().await;

    assert_eq!(
        refusal(open(&server, bob.token(), Some("https://evil.example")).await),
        (403, "origin_not_allowed".into())
    );
    assert_eq!(
        refusal(open(&server, bob.token(), Some("null")).await),
        (403, "origin_not_allowed".into())
    );
    assert_eq!(
        refusal(open(&server, None, None).await),
        (401, "unauthorized".into())
    );
    assert_eq!(
        refusal(open(&server, Some("cnd_garbage"), None).await),
        (401, "unauthorized".into())
    );
    // The app's own origin is welcome.
    let mut socket = open(&server, bob.token(), Some("tauri://localhost"))
        .await
        .expect("the app's origin may listen");
    assert!(matches!(
        next_frame(&mut socket).await,
        Some(LiveFrame::Hello { .. })
    ));

    // A signed-out token cannot listen any more.
    server
        .delete("/v1/sessions/current", bob.token())
        .await
        .assert_status(204);
    assert_eq!(
        refusal(open(&server, bob.token(), None).await),
        (401, "unauthorized".into())
    );
}

#[tokio::test]
async fn revoking_a_session_closes_its_socket() {
    let server = Server::start().await;
    let bob = server.bob().await;
    let phone = server.sign_in(&bob, "phone").await;
    let (mut laptop_socket, _) = listen(&server, &bob).await;
    let (mut phone_socket, _) = listen(&server, &phone).await;

    // Bob revokes his lost phone from the laptop: the phone's stream ends.
    server
        .delete(&format!("/v1/sessions/{}", phone.session_id), bob.token())
        .await
        .assert_status(204);
    assert_eq!(next_frame(&mut phone_socket).await, None);

    // The laptop keeps listening: its next frame is Bob's own profile change.
    server
        .patch(
            "/v1/profile",
            bob.token(),
            &serde_json::json!({"headline": "Back from holiday"}),
        )
        .await
        .assert_status(200);
    match next_frame(&mut laptop_socket).await {
        Some(LiveFrame::Event(event)) => match event.event {
            EventPayload::Profile(p) => assert_eq!(p.headline, "Back from holiday"),
            other => panic!("expected the profile change, got {other:?}"),
        },
        other => panic!("expected an event, got {other:?}"),
    }
}

#[tokio::test]
async fn a_plain_request_to_the_event_stream_gets_a_json_error() {
    let server = Server::start().await;
    let bob = server.bob().await;
    // No upgrade headers: a clear 4xx with the usual error body (checked by
    // `Server::send`), not a plain-text rejection.
    server
        .get("/v1/events", bob.token())
        .await
        .assert_error(400, "websocket_upgrade_required");
    server.assert_healthy().await;
}
