//! Who may do what: every route with no token, a garbage token and revoked
//! tokens; conversations seen from outside; messaging people you are not
//! connected to; phone numbers; other people's sessions.

mod common;

use candor_proto::{
    Conversation, DirectoryEntry, EventPayload, Profile, ProfileUpdate, SessionInfo,
};
use common::{text, Person, Server};
use reqwest::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use reqwest::Method;
use serde_json::{json, Value};

/// One route with a request that would succeed for an authorised member.
struct Route {
    method: Method,
    path: String,
    body: Option<Value>,
}

fn route(method: Method, path: impl Into<String>, body: Option<Value>) -> Route {
    Route {
        method,
        path: path.into(),
        body,
    }
}

/// An incident id for the incident routes.
const INCIDENT: &str = "0190a6c4-5e1f-7d2a-9b3c-4d5e6f708192";

/// Every route that needs a token, filled in with real ids.
fn protected_routes(conversation: i64, peer: i64, session: i64) -> Vec<Route> {
    let c = conversation;
    vec![
        route(Method::GET, "/v1/sessions", None),
        route(Method::DELETE, "/v1/sessions/current", None),
        route(Method::DELETE, format!("/v1/sessions/{session}"), None),
        route(Method::GET, "/v1/profile", None),
        route(
            Method::PATCH,
            "/v1/profile",
            Some(json!({"headline": "Head of QA"})),
        ),
        route(Method::GET, format!("/v1/users/{peer}"), None),
        route(Method::GET, "/v1/directory?q=bo", None),
        route(Method::GET, "/v1/connections", None),
        route(
            Method::POST,
            "/v1/connections",
            Some(json!({"handle": "bob"})),
        ),
        route(
            Method::POST,
            format!("/v1/connections/{peer}/accept"),
            Some(json!({})),
        ),
        route(
            Method::POST,
            format!("/v1/connections/{peer}/decline"),
            Some(json!({})),
        ),
        route(Method::GET, "/v1/conversations", None),
        route(
            Method::POST,
            "/v1/conversations/direct",
            Some(json!({"peer": peer})),
        ),
        route(
            Method::POST,
            "/v1/conversations/group",
            Some(json!({"title": "Launch", "members": [peer]})),
        ),
        route(Method::GET, format!("/v1/conversations/{c}"), None),
        route(Method::GET, format!("/v1/conversations/{c}/messages"), None),
        route(
            Method::POST,
            format!("/v1/conversations/{c}/messages"),
            Some(serde_json::to_value(text("Hello?")).expect("a message as JSON")),
        ),
        route(Method::GET, format!("/v1/conversations/{c}/receipts"), None),
        route(
            Method::POST,
            format!("/v1/conversations/{c}/receipts"),
            Some(json!({"read_up_to": 1})),
        ),
        route(Method::GET, "/v1/incidents", None),
        route(Method::GET, format!("/v1/incidents/{INCIDENT}"), None),
        route(
            Method::PUT,
            format!("/v1/incidents/{INCIDENT}"),
            Some(json!({"id": INCIDENT, "version": 1, "data": "{}"})),
        ),
        route(Method::GET, "/v1/blocks", None),
        route(Method::POST, "/v1/blocks", Some(json!({"user_id": peer}))),
        route(Method::DELETE, format!("/v1/blocks/{peer}"), None),
        route(Method::GET, "/v1/reports", None),
        route(
            Method::POST,
            "/v1/reports",
            Some(json!({
                "client_id": INCIDENT,
                "reported": peer,
                "category": "harassment",
                "description": "Insults at night",
                "conversation": null,
                "evidence": []
            })),
        ),
        route(Method::GET, "/v1/admin/reports", None),
        route(Method::GET, "/v1/admin/reports/1", None),
        route(
            Method::POST,
            "/v1/admin/reports/1/actions",
            Some(json!({"action": {"action": "warn"}, "reason": "Insults"})),
        ),
        route(Method::GET, "/v1/sync?since=0", None),
        route(Method::GET, "/v1/events", None),
    ]
}

/// The routes of one conversation, as an outsider would try them.
fn conversation_routes(conversation: i64) -> Vec<Route> {
    protected_routes(conversation, 0, 0)
        .into_iter()
        .filter(|r| {
            r.path
                .starts_with(&format!("/v1/conversations/{conversation}"))
        })
        .collect()
}

async fn call(server: &Server, r: &Route, token: Option<&str>) -> common::Reply {
    let mut builder = server.request(r.method.clone(), &r.path, token);
    if let Some(body) = &r.body {
        builder = builder.json(body);
    }
    server.send(builder).await
}

/// Alice and Bob, connected, with a direct conversation holding one message.
async fn alice_and_bob(server: &Server) -> (Person, Person, Conversation) {
    let alice = server.alice().await;
    let bob = server.bob().await;
    server.connect(&alice, &bob).await;
    let conversation = server.direct(&alice, &bob).await;
    server
        .say(&alice, conversation.id, "The report is due Friday")
        .await;
    (alice, bob, conversation)
}

#[tokio::test]
async fn every_route_refuses_a_missing_garbage_or_revoked_token() {
    let server = Server::start().await;
    let (alice, bob, conversation) = alice_and_bob(&server).await;

    // Alice's phone signs itself out; her laptop revokes her tablet.
    let phone = server.sign_in(&alice, "phone").await;
    server
        .delete("/v1/sessions/current", phone.token())
        .await
        .assert_status(204);
    let tablet = server.sign_in(&alice, "tablet").await;
    server
        .delete(
            &format!("/v1/sessions/{}", tablet.session_id),
            alice.token(),
        )
        .await
        .assert_status(204);

    let garbage = "cnd_this-is-not-a-token-anyone-was-given";
    let too_long = "x".repeat(10_000);
    let tokens: [(&str, Option<&str>); 5] = [
        ("no token", None),
        ("a garbage token", Some(garbage)),
        ("a very long token", Some(&too_long)),
        ("a token signed out", phone.token()),
        ("a token revoked from another device", tablet.token()),
    ];
    let routes = protected_routes(conversation.id.0, bob.id().0, alice.session_id.0);
    for r in &routes {
        for (label, token) in tokens {
            let reply = call(&server, r, token).await;
            let message = reply.assert_error(401, "unauthorized");
            assert!(!message.is_empty());
            assert_eq!(
                reply
                    .headers
                    .get(WWW_AUTHENTICATE)
                    .and_then(|v| v.to_str().ok()),
                Some("Bearer"),
                "{} with {label}",
                r.path
            );
        }
        // A token sent without the Bearer scheme is not a token.
        let reply = server
            .send(
                server
                    .request(r.method.clone(), &r.path, None)
                    .header(AUTHORIZATION, alice.token.as_str()),
            )
            .await;
        reply.assert_error(401, "unauthorized");
    }

    // None of that changed anything: one message, no new conversation, and
    // Alice's laptop, the one session left, still works.
    assert_eq!(server.messages(&alice, conversation.id).await.len(), 1);
    let conversations: Vec<Conversation> =
        server.get("/v1/conversations", bob.token()).await.ok(200);
    assert_eq!(conversations.len(), 1);
    let sessions: Vec<SessionInfo> = server.get("/v1/sessions", alice.token()).await.ok(200);
    assert_eq!(
        sessions.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![alice.session_id]
    );
    assert!(sessions[0].current);
    let incidents: Vec<Value> = server.get("/v1/incidents", alice.token()).await.ok(200);
    assert!(incidents.is_empty(), "{incidents:?}");

    // The public routes need no token.
    server.assert_healthy().await;
    server.sign_in(&bob, "phone").await;
    server.sign_up("dave", "Dave Okafor").await;
}

#[tokio::test]
async fn outsiders_cannot_see_or_touch_a_conversation() {
    let server = Server::start().await;
    let (alice, bob, conversation) = alice_and_bob(&server).await;
    // Carol knows Alice, but is not in Alice and Bob's conversation.
    let carol = server.carol().await;
    server.connect(&alice, &carol).await;

    let routes = conversation_routes(conversation.id.0);
    assert_eq!(routes.len(), 5);
    let nowhere = conversation_routes(999_999);
    for (r, missing) in routes.iter().zip(&nowhere) {
        let reply = call(&server, r, carol.token()).await;
        let message = reply.assert_error(404, "conversation_not_found");
        // Exactly what a conversation that does not exist answers, so an
        // outsider cannot even learn that it exists.
        let other = call(&server, missing, carol.token()).await;
        assert_eq!(other.status, reply.status);
        assert_eq!(other.error().message, message, "{}", r.path);
    }

    // Carol's lists and feed show nothing of it.
    let listed: Vec<Conversation> = server.get("/v1/conversations", carol.token()).await.ok(200);
    assert!(listed.is_empty());
    for event in server.feed(&carol).await {
        match event.event {
            EventPayload::Message(m) => assert_ne!(m.conversation_id, conversation.id),
            EventPayload::Receipt(r) => assert_ne!(r.conversation_id, conversation.id),
            EventPayload::Membership(c) => assert_ne!(c.id, conversation.id),
            EventPayload::Connection(_) | EventPayload::Profile(_) => {}
            EventPayload::Incident(i) => panic!("Carol never wrote an incident: {i:?}"),
            EventPayload::Block(b) => panic!("Carol never blocked anyone: {b:?}"),
            EventPayload::Report(r) => panic!("Carol never reported anyone: {r:?}"),
            EventPayload::Notice(n) => panic!("No moderator acted on Carol: {n:?}"),
        }
    }

    // Her attempts left no trace: still one message, no receipt moved.
    let messages = server.messages(&bob, conversation.id).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].sender, alice.id());
    let receipts: Vec<candor_proto::Receipt> = server
        .get(
            &format!("/v1/conversations/{}/receipts", conversation.id),
            alice.token(),
        )
        .await
        .ok(200);
    assert!(receipts.iter().all(|r| r.user_id != carol.id()));
    assert!(receipts.iter().all(|r| r.read_up_to == 0));
}

#[tokio::test]
async fn only_accepted_connections_can_be_messaged() {
    let server = Server::start().await;
    let alice = server.alice().await;
    let bob = server.bob().await;
    let carol = server.carol().await;
    let dave = server.sign_up("dave", "Dave Okafor").await;
    server.connect(&alice, &bob).await;
    server.connect(&alice, &carol).await;

    let direct = |from: &Person, to: i64| {
        let token = from.token.clone();
        let server = &server;
        async move {
            server
                .post(
                    "/v1/conversations/direct",
                    Some(&token),
                    &json!({ "peer": to }),
                )
                .await
        }
    };

    // Strangers, and people who do not exist, cannot be messaged.
    direct(&bob, dave.id().0)
        .await
        .assert_error(403, "not_connected");
    direct(&bob, 424_242)
        .await
        .assert_error(403, "not_connected");

    // A pending invitation is not a connection, from either side.
    server
        .post("/v1/connections", bob.token(), &json!({"handle": "carol"}))
        .await
        .assert_status(200);
    direct(&bob, carol.id().0)
        .await
        .assert_error(403, "not_connected");
    direct(&carol, bob.id().0)
        .await
        .assert_error(403, "not_connected");
    server
        .post(
            "/v1/conversations/group",
            bob.token(),
            &json!({"title": "Bob and Carol", "members": [carol.id()]}),
        )
        .await
        .assert_error(403, "not_connected");
    // A group is refused if any member is not a connection of the creator.
    server
        .post(
            "/v1/conversations/group",
            bob.token(),
            &json!({"title": "All of us", "members": [alice.id(), carol.id()]}),
        )
        .await
        .assert_error(403, "not_connected");

    // Alice, connected to both, can gather them; but Bob may not post to Carol
    // through the group while they are not connected.
    let group: Conversation = server
        .post(
            "/v1/conversations/group",
            alice.token(),
            &json!({"title": "All of us", "members": [bob.id(), carol.id()]}),
        )
        .await
        .ok(201);
    let group_messages = format!("/v1/conversations/{}/messages", group.id);
    server
        .post(&group_messages, bob.token(), &text("Hi Carol"))
        .await
        .assert_error(403, "not_connected");
    server.say(&alice, group.id, "Welcome, both").await;

    // A declined invitation is not a connection either.
    server
        .post(
            &format!("/v1/connections/{}/decline", bob.id()),
            carol.token(),
            &json!({}),
        )
        .await
        .assert_status(200);
    direct(&bob, carol.id().0)
        .await
        .assert_error(403, "not_connected");
    server
        .post(&group_messages, bob.token(), &text("Hi Carol"))
        .await
        .assert_error(403, "not_connected");

    // Only the refused messages are missing: the group holds Alice's alone.
    let messages = server.messages(&carol, group.id).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].sender, alice.id());

    // Once Carol accepts a new invitation, Bob can write to her.
    server.connect(&bob, &carol).await;
    direct(&bob, carol.id().0).await.assert_status(201);
    server.say(&bob, group.id, "Hi Carol").await;
}

#[tokio::test]
async fn phone_numbers_reach_only_accepted_connections() {
    let server = Server::start().await;
    let alice = server.alice().await;
    let bob = server.bob().await;
    let carol = server.carol().await;
    server.connect(&alice, &bob).await;
    let phone = "+33 6 12 34 56 78";
    let mine: Profile = server
        .patch(
            "/v1/profile",
            alice.token(),
            &ProfileUpdate {
                phone: Some(phone.into()),
                ..ProfileUpdate::default()
            },
        )
        .await
        .ok(200);
    assert_eq!(mine.phone.as_deref(), Some(phone));
    // Carol asks Alice to connect; Alice has not answered yet.
    server
        .post(
            "/v1/connections",
            carol.token(),
            &json!({"handle": "alice"}),
        )
        .await
        .assert_status(200);

    let seen_by = |viewer: &Person| {
        let path = format!("/v1/users/{}", alice.id());
        let token = viewer.token.clone();
        let server = &server;
        async move {
            let profile: Profile = server.get(&path, Some(&token)).await.ok(200);
            profile.phone
        }
    };
    let in_directory = |viewer: &Person| {
        let token = viewer.token.clone();
        let server = &server;
        async move {
            let entries: Vec<DirectoryEntry> = server
                .get("/v1/directory?q=ali", Some(&token))
                .await
                .ok(200);
            assert_eq!(entries.len(), 1, "{entries:?}");
            (entries[0].connected, entries[0].profile.phone.clone())
        }
    };

    assert_eq!(seen_by(&bob).await.as_deref(), Some(phone));
    assert_eq!(in_directory(&bob).await, (true, Some(phone.to_owned())));
    assert_eq!(seen_by(&carol).await, None);
    assert_eq!(in_directory(&carol).await, (false, None));
    let pending: Vec<candor_proto::Connection> =
        server.get("/v1/connections", carol.token()).await.ok(200);
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].peer.phone, None);
    // Nor does Carol's feed carry it.
    for event in server.feed(&carol).await {
        if let EventPayload::Connection(c) = event.event {
            assert_eq!(c.peer.phone, None);
        }
    }

    // Once Alice accepts, Carol sees it too.
    server
        .post(
            &format!("/v1/connections/{}/accept", carol.id()),
            alice.token(),
            &json!({}),
        )
        .await
        .assert_status(200);
    assert_eq!(seen_by(&carol).await.as_deref(), Some(phone));
    assert_eq!(in_directory(&carol).await, (true, Some(phone.to_owned())));

    // Removing it removes it for everyone.
    server
        .patch(
            "/v1/profile",
            alice.token(),
            &ProfileUpdate {
                phone: Some(String::new()),
                ..ProfileUpdate::default()
            },
        )
        .await
        .assert_status(200);
    assert_eq!(seen_by(&bob).await, None);
    assert_eq!(seen_by(&carol).await, None);
}

#[tokio::test]
async fn nobody_can_revoke_someone_elses_session() {
    let server = Server::start().await;
    let alice = server.alice().await;
    let bob = server.bob().await;

    let reply = server
        .delete(&format!("/v1/sessions/{}", alice.session_id), bob.token())
        .await;
    let message = reply.assert_error(404, "session_not_found");
    // The same answer as for a session that does not exist at all.
    let missing = server.delete("/v1/sessions/987654", bob.token()).await;
    assert_eq!(missing.assert_error(404, "session_not_found"), message);

    // Alice is still signed in, and Bob never saw her session.
    server
        .get("/v1/profile", alice.token())
        .await
        .assert_status(200);
    let sessions: Vec<SessionInfo> = server.get("/v1/sessions", bob.token()).await.ok(200);
    assert_eq!(
        sessions.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![bob.session_id]
    );

    // A session can be revoked only once.
    let phone = server.sign_in(&alice, "phone").await;
    let path = format!("/v1/sessions/{}", phone.session_id);
    server.delete(&path, alice.token()).await.assert_status(204);
    server
        .delete(&path, alice.token())
        .await
        .assert_error(404, "session_not_found");
}
