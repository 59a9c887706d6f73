//! Incidents: private to their owner, versioned, synced to the owner's
//! devices through the owner's feed (and live on `/v1/events`).
//!
//! Ids are per person: the store keys incidents by (owner, id), so a PUT by
//! Bob with the id of one of Alice's incidents creates Bob's own, separate
//! incident and never touches hers; refusing it instead would tell Bob that
//! the id is taken, i.e. that Alice has it.

mod common;

use std::time::Duration;

use candor_proto::{EventPayload, FeedEvent, IncidentRecord, LiveFrame, MAX_INCIDENT_BYTES};
use common::{Person, Server};
use futures_util::StreamExt;
use reqwest::Method;
use serde_json::json;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{header, HeaderValue};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use uuid::Uuid;

fn incident(id: Uuid, version: i64, data: &str) -> IncidentRecord {
    IncidentRecord {
        id,
        version,
        data: data.into(),
        stored_at: 0,
    }
}

fn path(id: Uuid) -> String {
    format!("/v1/incidents/{id}")
}

async fn put(server: &Server, who: &Person, record: &IncidentRecord) -> common::Reply {
    server
        .send(
            server
                .request(Method::PUT, &path(record.id), who.token())
                .json(record),
        )
        .await
}

async fn list(server: &Server, who: &Person) -> Vec<IncidentRecord> {
    server.get("/v1/incidents", who.token()).await.ok(200)
}

/// The incident events of a person's feed.
fn incident_events(feed: &[FeedEvent]) -> Vec<IncidentRecord> {
    feed.iter()
        .filter_map(|e| match &e.event {
            EventPayload::Incident(i) => Some(i.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn an_incident_round_trips_and_only_newer_versions_replace_it() {
    let server = Server::start().await;
    let alice = server.alice().await;
    let id = Uuid::now_v7();
    let before = candor_server::api::now_ms();

    // Version 1; the client's `stored_at` is ignored and set by the server.
    let mut first = incident(id, 1, r#"{"title":"Wrong invoice sent to Bob","steps":[]}"#);
    first.stored_at = 42;
    let stored: IncidentRecord = put(&server, &alice, &first).await.ok(200);
    assert_eq!((stored.id, stored.version), (id, 1));
    assert_eq!(stored.data, first.data, "data is kept byte for byte");
    assert!(stored.stored_at >= before, "{}", stored.stored_at);
    let got: IncidentRecord = server.get(&path(id), alice.token()).await.ok(200);
    assert_eq!(got, stored);
    assert_eq!(list(&server, &alice).await, vec![stored.clone()]);

    // Version 2 replaces it, whitespace and all.
    let second = incident(
        id,
        2,
        "{ \"title\": \"Wrong invoice sent to Bob\",\n  \"steps\": [\"apologised\"] }",
    );
    let v2: IncidentRecord = put(&server, &alice, &second).await.ok(200);
    assert_eq!((v2.version, v2.data.as_str()), (2, second.data.as_str()));
    assert_eq!(list(&server, &alice).await, vec![v2.clone()]);

    // The same or a lower version with other data is stale; nothing changes.
    for stale in [
        incident(id, 2, r#"{"title":"Another device's edit"}"#),
        incident(id, 1, r#"{"title":"An old edit"}"#),
    ] {
        let message = put(&server, &alice, &stale)
            .await
            .assert_error(409, "stale_version");
        assert!(message.contains("fetch it and merge"), "{message}");
    }
    let got: IncidentRecord = server.get(&path(id), alice.token()).await.ok(200);
    assert_eq!(got, v2);

    // Re-sending exactly the stored version (a retry after a lost answer)
    // returns it as stored and adds nothing to the feed.
    let feed_before = server.feed(&alice).await.len();
    let again: IncidentRecord = put(&server, &alice, &second).await.ok(200);
    assert_eq!(again, v2);
    assert_eq!(server.feed(&alice).await.len(), feed_before);

    // A second incident is listed beside the first, in id order.
    let other = Uuid::now_v7();
    let third: IncidentRecord = put(&server, &alice, &incident(other, 7, "{}"))
        .await
        .ok(200);
    assert_eq!(list(&server, &alice).await, vec![v2, third]);
}

#[tokio::test]
async fn incidents_are_private_to_their_owner() {
    let server = Server::start().await;
    let alice = server.alice().await;
    let bob = server.bob().await;
    server.connect(&alice, &bob).await;
    let id = Uuid::now_v7();
    let hers: IncidentRecord = put(
        &server,
        &alice,
        &incident(
            id,
            5,
            r#"{"title":"Sent the salary sheet to the wrong group"}"#,
        ),
    )
    .await
    .ok(200);

    // Bob cannot read it: the same answer as for an id nobody has.
    let message = server
        .get(&path(id), bob.token())
        .await
        .assert_error(404, "incident_not_found");
    let missing = server
        .get(&path(Uuid::now_v7()), bob.token())
        .await
        .assert_error(404, "incident_not_found");
    assert_eq!(message, missing);
    assert!(list(&server, &bob).await.is_empty());

    // Bob writing under the same id creates his own incident (version 1 is
    // enough, whatever Alice's version is) and leaves hers alone.
    let his: IncidentRecord = put(&server, &bob, &incident(id, 1, r#"{"title":"Mine"}"#))
        .await
        .ok(200);
    assert_eq!((his.id, his.version), (id, 1));
    let got: IncidentRecord = server.get(&path(id), alice.token()).await.ok(200);
    assert_eq!(got, hers);
    let got: IncidentRecord = server.get(&path(id), bob.token()).await.ok(200);
    assert_eq!(got, his);
    assert_eq!(list(&server, &alice).await, vec![hers.clone()]);
    assert_eq!(list(&server, &bob).await, vec![his.clone()]);

    // Each feed carries its owner's incident only, though they are connected.
    assert_eq!(incident_events(&server.feed(&alice).await), vec![hers]);
    assert_eq!(incident_events(&server.feed(&bob).await), vec![his]);
}

#[tokio::test]
async fn incident_writes_refuse_bad_input_and_store_nothing() {
    let server = Server::start().await;
    let alice = server.alice().await;
    let id = Uuid::now_v7();

    // Data size: exactly the limit is fine, one byte more is too large.
    let filler = |total: usize| {
        let data = format!("{{\"notes\":\"{}\"}}", "a".repeat(total - 12));
        assert_eq!(data.len(), total);
        data
    };
    let too_big = incident(id, 1, &filler(MAX_INCIDENT_BYTES + 1));
    put(&server, &alice, &too_big)
        .await
        .assert_error(413, "incident_too_large");
    // Multi-byte characters count in bytes, not characters.
    let wide = format!("{{\"notes\":\"{}\"}}", "é".repeat(MAX_INCIDENT_BYTES / 2));
    put(&server, &alice, &incident(id, 1, &wide))
        .await
        .assert_error(413, "incident_too_large");

    // Data must be the JSON text of an object; the version starts at 1.
    for data in [
        "",
        "   ",
        "not json",
        "{",
        r#"{"a":1} trailing"#,
        r#"{"a":1}{"b":2}"#,
        "[1, 2]",
        r#""an object, honestly""#,
        "null",
        "42",
        r#"{"a":"\ud800"}"#,
        "{'single': 'quotes'}",
    ] {
        put(&server, &alice, &incident(id, 1, data))
            .await
            .assert_error(400, "invalid_incident");
    }
    let deep = format!("{}1{}", "{\"a\":".repeat(1_000), "}".repeat(1_000));
    put(&server, &alice, &incident(id, 1, &deep))
        .await
        .assert_error(400, "invalid_incident");
    for version in [0, -1, i64::MIN] {
        put(&server, &alice, &incident(id, version, "{}"))
            .await
            .assert_error(400, "invalid_incident");
    }

    // The path names the incident the body is.
    let body = incident(Uuid::now_v7(), 1, "{}");
    server
        .send(
            server
                .request(Method::PUT, &path(id), alice.token())
                .json(&body),
        )
        .await
        .assert_error(400, "id_mismatch");
    for bad in ["abc", "1", "0190a6c4-5e1f-7d2a-9b3c", "%20"] {
        for method in [Method::GET, Method::PUT] {
            server
                .send(
                    server
                        .request(method, &format!("/v1/incidents/{bad}"), alice.token())
                        .json(&incident(id, 1, "{}")),
                )
                .await
                .assert_error(400, "invalid_path");
        }
    }

    // Fields of the wrong type or shape, as for every other body.
    for body in [
        json!({"id": id, "version": "one", "data": "{}"}),
        json!({"id": id, "version": 1, "data": {"title": "not text"}}),
        json!({"id": id, "version": 1}),
        json!({"id": id, "version": 1.5, "data": "{}"}),
        json!({"id": id, "version": 1, "data": "{}", "owner": 2}),
        json!({"id": "not-a-uuid", "version": 1, "data": "{}"}),
    ] {
        server
            .send(
                server
                    .request(Method::PUT, &path(id), alice.token())
                    .json(&body),
            )
            .await
            .assert_error(422, "invalid_field");
    }

    // No token, no incident; and no other method on these paths.
    server
        .get("/v1/incidents", None)
        .await
        .assert_error(401, "unauthorized");
    server
        .get(&path(id), None)
        .await
        .assert_error(401, "unauthorized");
    server
        .send(
            server
                .request(Method::PUT, &path(id), None)
                .json(&incident(id, 1, "{}")),
        )
        .await
        .assert_error(401, "unauthorized");
    for (method, p) in [
        (Method::POST, "/v1/incidents".to_owned()),
        (Method::DELETE, path(id)),
        (Method::PATCH, path(id)),
        (Method::POST, path(id)),
    ] {
        server
            .send(server.request(method, &p, alice.token()).json(&json!({})))
            .await
            .assert_error(405, "method_not_allowed");
    }

    // None of that was stored or announced.
    assert!(list(&server, &alice).await.is_empty());
    assert!(incident_events(&server.feed(&alice).await).is_empty());

    // The largest incident fits in a request, and is kept exactly.
    let largest = incident(id, 1, &filler(MAX_INCIDENT_BYTES));
    let stored: IncidentRecord = put(&server, &alice, &largest).await.ok(200);
    assert_eq!(stored.data, largest.data);
    server.assert_healthy().await;
}

#[tokio::test]
async fn the_owners_feed_carries_each_stored_version() {
    let server = Server::start().await;
    let alice = server.alice().await;
    let carol = server.carol().await;
    let id = Uuid::now_v7();
    let v1: IncidentRecord = put(&server, &alice, &incident(id, 1, r#"{"step":1}"#))
        .await
        .ok(200);
    // Refused writes leave no event.
    put(&server, &alice, &incident(id, 1, r#"{"step":"late"}"#))
        .await
        .assert_error(409, "stale_version");
    // Versions may skip numbers; they only have to grow.
    let v4: IncidentRecord = put(&server, &alice, &incident(id, 4, r#"{"step":4}"#))
        .await
        .ok(200);

    let feed = server.feed(&alice).await;
    assert_eq!(incident_events(&feed), vec![v1, v4.clone()]);
    // Numbered like every other event: the last one is the newest version.
    assert_eq!(
        feed.last().map(|e| &e.event),
        Some(&EventPayload::Incident(v4))
    );
    assert!(incident_events(&server.feed(&carol).await).is_empty());
}

// ------------------------------------------------------------- live events

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Fails the test instead of hanging if a frame never comes.
const HANG_GUARD: Duration = Duration::from_secs(60);

/// Opens `person`'s event stream and reads the hello; returns the feed head.
async fn listen(server: &Server, person: &Person) -> (Socket, i64) {
    let mut request = server
        .events_url()
        .into_client_request()
        .expect("a WebSocket request");
    request.headers_mut().insert(
        header::AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {}", person.token)).expect("a header value"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the socket opens");
    match next_frame(&mut socket).await {
        LiveFrame::Hello { feed_head } => (socket, feed_head),
        other => panic!("the first frame is not hello: {other:?}"),
    }
}

async fn next_frame(socket: &mut Socket) -> LiveFrame {
    loop {
        let message = tokio::time::timeout(HANG_GUARD, socket.next())
            .await
            .expect("the server sends the next frame");
        match message {
            Some(Ok(WsMessage::Text(text))) => {
                return serde_json::from_str(text.as_str()).unwrap_or_else(|e| {
                    panic!("a frame that is not a LiveFrame ({e}): {}", text.as_str())
                })
            }
            Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => {}
            other => panic!("expected a frame, got {other:?}"),
        }
    }
}

async fn next_event(socket: &mut Socket) -> FeedEvent {
    match next_frame(socket).await {
        LiveFrame::Event(event) => event,
        other => panic!("expected an event, got {other:?}"),
    }
}

#[tokio::test]
async fn alices_other_device_hears_her_incident_live_and_bob_does_not() {
    let server = Server::start().await;
    let alice = server.alice().await;
    let bob = server.bob().await;
    server.connect(&alice, &bob).await;
    let phone = server.sign_in(&alice, "phone").await;
    let (mut phone_socket, head) = listen(&server, &phone).await;
    let (mut bob_socket, _) = listen(&server, &bob).await;

    // Written on the laptop, heard on the phone with the next feed number.
    let id = Uuid::now_v7();
    let stored: IncidentRecord = put(
        &server,
        &alice,
        &incident(id, 1, r#"{"title":"Wrong attachment"}"#),
    )
    .await
    .ok(200);
    let event = next_event(&mut phone_socket).await;
    assert_eq!(event.seq, head + 1);
    assert_eq!(event.event, EventPayload::Incident(stored.clone()));
    let v2: IncidentRecord = put(
        &server,
        &alice,
        &incident(id, 2, r#"{"title":"Wrong attachment","resolved":true}"#),
    )
    .await
    .ok(200);
    let event = next_event(&mut phone_socket).await;
    assert_eq!(event.seq, head + 2);
    assert_eq!(event.event, EventPayload::Incident(v2));

    // Bob's stream skipped both: its next frame is his own profile change.
    server
        .patch(
            "/v1/profile",
            bob.token(),
            &json!({"headline": "On call this week"}),
        )
        .await
        .assert_status(200);
    match next_event(&mut bob_socket).await.event {
        EventPayload::Profile(p) => assert_eq!(p.headline, "On call this week"),
        other => panic!("Bob heard something not his: {other:?}"),
    }
    // And the phone reads the same incident back through the feed.
    let page: candor_proto::SyncPage = server
        .get(&format!("/v1/sync?since={head}"), phone.token())
        .await
        .ok(200);
    assert_eq!(incident_events(&page.events).len(), 2);
    assert_eq!(incident_events(&page.events)[0], stored);
}
