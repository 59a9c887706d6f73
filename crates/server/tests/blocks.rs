//! Blocking: every route, in both directions, from two devices of each
//! person. The blocker is told why and what lifts it (`blocked`); the
//! blocked person only that the other is not available
//! (`recipient_unavailable`); profiles are hidden both ways as if the
//! account did not exist; the connection is removed on both sides; only the
//! blocker's feed hears of the block; group messages still flow; unblocking
//! allows a new invitation, not the old connection.

mod common;

use candor_proto::{
    BlockChange, Connection, ConnectionState, Conversation, ConversationId, DirectoryEntry,
    EventPayload, FeedEvent, LiveFrame, Profile, ProfileUpdate, UserId,
};
use common::{next_live_frame, open_events, text, Person, Server};
use serde_json::json;

fn blocks_in(feed: &[FeedEvent]) -> Vec<BlockChange> {
    feed.iter()
        .filter_map(|e| match &e.event {
            EventPayload::Block(b) => Some(b.clone()),
            _ => None,
        })
        .collect()
}

async fn block(server: &Server, who: &Person, whom: UserId) -> BlockChange {
    server
        .post("/v1/blocks", who.token(), &json!({ "user_id": whom }))
        .await
        .ok(200)
}

async fn unblock(server: &Server, who: &Person, whom: UserId) -> BlockChange {
    server
        .delete(&format!("/v1/blocks/{whom}"), who.token())
        .await
        .ok(200)
}

async fn connection_with(server: &Server, who: &Person, peer: UserId) -> Option<Connection> {
    let all: Vec<Connection> = server.get("/v1/connections", who.token()).await.ok(200);
    all.into_iter().find(|c| c.peer.user_id == peer)
}

/// What one device of `actor` tries against `other`, and what each answers.
async fn every_route_refuses(
    server: &Server,
    actor: &Person,
    other: &Person,
    direct: ConversationId,
    code: &str,
) {
    let who = format!("{} → {}", actor.profile.handle, other.profile.handle);
    // Writing in their direct conversation.
    let reply = server
        .post(
            &format!("/v1/conversations/{direct}/messages"),
            actor.token(),
            &text("Can we talk?"),
        )
        .await;
    let message = reply.assert_error(403, code);
    if code == "blocked" {
        assert_eq!(
            message, "You blocked this person; unblock them to write",
            "{who}"
        );
    } else {
        assert_eq!(message, "This person is not available", "{who}");
    }
    // Receipts there.
    server
        .post(
            &format!("/v1/conversations/{direct}/receipts"),
            actor.token(),
            &json!({"read_up_to": 2}),
        )
        .await
        .assert_error(403, code);
    // Inviting.
    server
        .post(
            "/v1/connections",
            actor.token(),
            &json!({"handle": other.profile.handle}),
        )
        .await
        .assert_error(403, code);
    // Opening the direct conversation, existing as it is.
    server
        .post(
            "/v1/conversations/direct",
            actor.token(),
            &json!({"peer": other.id()}),
        )
        .await
        .assert_error(403, code);
    // Creating a group with the other.
    server
        .post(
            "/v1/conversations/group",
            actor.token(),
            &json!({"title": "Sync", "members": [other.id()]}),
        )
        .await
        .assert_error(403, code);
    // The profile is hidden exactly as a missing account's.
    let hidden = server
        .get(&format!("/v1/users/{}", other.id()), actor.token())
        .await;
    let missing = server.get("/v1/users/424242", actor.token()).await;
    assert_eq!(
        hidden.assert_error(404, "user_not_found"),
        missing.assert_error(404, "user_not_found"),
        "{who}"
    );
    // The directory does not list the other.
    let prefix = &other.profile.handle[..3];
    let found: Vec<DirectoryEntry> = server
        .get(&format!("/v1/directory?q={prefix}"), actor.token())
        .await
        .ok(200);
    assert!(
        found.iter().all(|e| e.profile.user_id != other.id()),
        "{who}: {found:?}"
    );
    // The history stays readable, as evidence.
    let history: Vec<candor_proto::Message> = server
        .get(
            &format!("/v1/conversations/{direct}/messages"),
            actor.token(),
        )
        .await
        .ok(200);
    assert_eq!(history.len(), 2, "{who}");
}

#[tokio::test]
async fn a_block_holds_both_ways_on_every_route_and_every_device() {
    let server = Server::start().await;
    let alice = server.alice().await;
    let bob = server.bob().await;
    let carol = server.carol().await;
    let alice_phone = server.sign_in(&alice, "phone").await;
    let bob_phone = server.sign_in(&bob, "phone").await;
    server.connect(&alice, &bob).await;
    server.connect(&alice, &carol).await;
    server.connect(&bob, &carol).await;
    let direct = server.direct(&alice, &bob).await.id;
    let with_carol = server.direct(&alice, &carol).await.id;
    server.say(&alice, direct, "Hello Bob").await;
    server.say(&bob, direct, "Hello Alice").await;
    let group: Conversation = server
        .post(
            "/v1/conversations/group",
            carol.token(),
            &json!({"title": "Project", "members": [alice.id(), bob.id()]}),
        )
        .await
        .ok(201);
    let bob_feed_before = server.feed(&bob).await;

    // Alice blocks Bob from her phone; doing it again from the laptop is a
    // harmless retry that returns the first block.
    let first = block(&server, &alice_phone, bob.id()).await;
    assert_eq!(first.user_id, bob.id());
    assert!(first.blocked);
    let again = block(&server, &alice, bob.id()).await;
    assert_eq!(again, first);
    let listed: Vec<BlockChange> = server.get("/v1/blocks", alice.token()).await.ok(200);
    assert_eq!(listed, vec![first.clone()]);
    let none: Vec<BlockChange> = server.get("/v1/blocks", bob.token()).await.ok(200);
    assert!(none.is_empty());

    // The connection is removed on both sides, and both feeds say so.
    for (who, peer) in [(&alice, bob.id()), (&bob, alice.id())] {
        let connection = connection_with(&server, who, peer)
            .await
            .expect("the connection is listed");
        assert_eq!(connection.state, ConnectionState::Removed);
        assert_eq!(connection.peer.phone, None);
        let feed = server.feed(who).await;
        assert!(feed.iter().any(|e| matches!(
            &e.event,
            EventPayload::Connection(c) if c.peer.user_id == peer && c.state == ConnectionState::Removed
        )));
    }
    // Only Alice's feed (all her devices) hears of the block itself, once.
    assert_eq!(blocks_in(&server.feed(&alice_phone).await), vec![first]);
    let bob_feed = server.feed(&bob).await;
    assert!(blocks_in(&bob_feed).is_empty());
    // Bob's feed gained exactly the connection change.
    assert_eq!(bob_feed.len(), bob_feed_before.len() + 1);

    // Every route, both ways, from both devices of each.
    for actor in [&alice, &alice_phone] {
        every_route_refuses(&server, actor, &bob, direct, "blocked").await;
    }
    for actor in [&bob, &bob_phone] {
        every_route_refuses(&server, actor, &alice, direct, "recipient_unavailable").await;
    }
    // Nothing was written: still two messages.
    assert_eq!(server.messages(&carol, group.id).await.len(), 0);
    assert_eq!(server.messages(&alice, direct).await.len(), 2);

    // In Carol's group, both still write and acknowledge (each client
    // collapses the blocked person's messages).
    server.say(&bob, group.id, "Status: green").await;
    server.say(&alice, group.id, "Thanks all").await;
    server
        .post(
            &format!("/v1/conversations/{}/receipts", group.id),
            bob.token(),
            &json!({"read_up_to": 2}),
        )
        .await
        .assert_status(200);
    // But nobody creates a new group with someone who blocked them, nor
    // with someone they blocked, even alongside others.
    server
        .post(
            "/v1/conversations/group",
            bob.token(),
            &json!({"title": "Again", "members": [carol.id(), alice.id()]}),
        )
        .await
        .assert_error(403, "recipient_unavailable");
    server
        .post(
            "/v1/conversations/group",
            alice.token(),
            &json!({"title": "Again", "members": [carol.id(), bob.id()]}),
        )
        .await
        .assert_error(403, "blocked");

    // Carol sees both, as before.
    for person in [&alice, &bob] {
        server
            .get(&format!("/v1/users/{}", person.id()), carol.token())
            .await
            .assert_status(200);
    }

    // Bob's profile changes reach Carol, not Alice.
    let alice_feed = server.feed(&alice).await.len();
    server
        .patch(
            "/v1/profile",
            bob.token(),
            &ProfileUpdate {
                display_name: Some("Robert Chen".into()),
                ..ProfileUpdate::default()
            },
        )
        .await
        .assert_status(200);
    assert_eq!(server.feed(&alice).await.len(), alice_feed);
    assert!(server.feed(&carol).await.iter().any(|e| matches!(
        &e.event,
        EventPayload::Profile(p) if p.display_name == "Robert Chen"
    )));

    // Live: nothing of Bob's reaches Alice's socket; the next thing she
    // hears is Carol.
    let (mut socket, _) = open_events(&server, &alice).await;
    server
        .post(
            &format!("/v1/conversations/{direct}/messages"),
            bob_phone.token(),
            &text("Please answer"),
        )
        .await
        .assert_error(403, "recipient_unavailable");
    let from_carol = server.say(&carol, with_carol, "Lunch?").await;
    match next_live_frame(&mut socket).await {
        Some(LiveFrame::Event(event)) => {
            assert_eq!(event.event, EventPayload::Message(from_carol));
        }
        other => panic!("expected Carol's message, got {other:?}"),
    }
}

#[tokio::test]
async fn unblocking_allows_a_new_invitation_not_the_old_connection() {
    let server = Server::start().await;
    let alice = server.alice().await;
    let bob = server.bob().await;
    server.connect(&alice, &bob).await;
    server
        .patch(
            "/v1/profile",
            bob.token(),
            &json!({"phone": "+44 20 7946 0958"}),
        )
        .await
        .assert_status(200);
    let direct = server.direct(&alice, &bob).await.id;
    server.say(&bob, direct, "Morning").await;
    block(&server, &alice, bob.id()).await;

    let lifted = unblock(&server, &alice, bob.id()).await;
    assert_eq!(lifted.user_id, bob.id());
    assert!(!lifted.blocked);
    let listed: Vec<BlockChange> = server.get("/v1/blocks", alice.token()).await.ok(200);
    assert!(listed.is_empty());
    let changes = blocks_in(&server.feed(&alice).await);
    assert_eq!(
        changes.iter().map(|c| c.blocked).collect::<Vec<_>>(),
        vec![true, false]
    );
    // Unblocking again changes nothing and tells no one.
    let again = unblock(&server, &alice, bob.id()).await;
    assert!(!again.blocked);
    assert_eq!(blocks_in(&server.feed(&alice).await).len(), 2);

    // The old connection does not come back: still removed, no phone, no
    // messages either way.
    for (who, peer) in [(&alice, bob.id()), (&bob, alice.id())] {
        let connection = connection_with(&server, who, peer).await.expect("listed");
        assert_eq!(connection.state, ConnectionState::Removed);
    }
    let profile: Profile = server
        .get(&format!("/v1/users/{}", bob.id()), alice.token())
        .await
        .ok(200);
    assert_eq!(profile.phone, None);
    for who in [&alice, &bob] {
        server
            .post(
                &format!("/v1/conversations/{direct}/messages"),
                who.token(),
                &text("Hello again"),
            )
            .await
            .assert_error(403, "not_connected");
    }

    // A new invitation works, from either side; once accepted, the old
    // conversation carries messages again.
    server.connect(&bob, &alice).await;
    server.say(&alice, direct, "Hello again").await;
    let profile: Profile = server
        .get(&format!("/v1/users/{}", bob.id()), alice.token())
        .await
        .ok(200);
    assert_eq!(profile.phone.as_deref(), Some("+44 20 7946 0958"));
}

#[tokio::test]
async fn when_both_block_each_is_the_blocker_until_they_lift_it() {
    let server = Server::start().await;
    let alice = server.alice().await;
    let bob = server.bob().await;
    server.connect(&alice, &bob).await;
    let direct = server.direct(&alice, &bob).await.id;
    block(&server, &alice, bob.id()).await;
    // Bob may block Alice back, though she blocked him.
    block(&server, &bob, alice.id()).await;
    let send = |who: &Person| {
        let token = who.token.clone();
        let server = &server;
        async move {
            server
                .post(
                    &format!("/v1/conversations/{direct}/messages"),
                    Some(&token),
                    &text("?"),
                )
                .await
        }
    };
    send(&alice).await.assert_error(403, "blocked");
    send(&bob).await.assert_error(403, "blocked");
    unblock(&server, &alice, bob.id()).await;
    send(&alice)
        .await
        .assert_error(403, "recipient_unavailable");
    send(&bob).await.assert_error(403, "blocked");
}

#[tokio::test]
async fn a_pending_invitation_ends_with_a_block() {
    let server = Server::start().await;
    let alice = server.alice().await;
    let bob = server.bob().await;
    server
        .post("/v1/connections", bob.token(), &json!({"handle": "alice"}))
        .await
        .assert_status(200);
    block(&server, &alice, bob.id()).await;
    let connection = connection_with(&server, &alice, bob.id())
        .await
        .expect("listed");
    assert_eq!(connection.state, ConnectionState::Removed);
    server
        .post(
            &format!("/v1/connections/{}/accept", bob.id()),
            alice.token(),
            &json!({}),
        )
        .await
        .assert_error(404, "invitation_not_found");
    // Someone never connected can be blocked too: no connection appears.
    let carol = server.carol().await;
    block(&server, &alice, carol.id()).await;
    assert!(connection_with(&server, &alice, carol.id()).await.is_none());
    assert!(connection_with(&server, &carol, alice.id()).await.is_none());
}

#[tokio::test]
async fn blocking_yourself_or_nobody_is_refused() {
    let server = Server::start().await;
    let alice = server.alice().await;
    server
        .post("/v1/blocks", alice.token(), &json!({"user_id": alice.id()}))
        .await
        .assert_error(400, "cannot_block_self");
    server
        .delete(&format!("/v1/blocks/{}", alice.id()), alice.token())
        .await
        .assert_error(400, "cannot_block_self");
    server
        .post("/v1/blocks", alice.token(), &json!({"user_id": 424_242}))
        .await
        .assert_error(404, "user_not_found");
    server
        .delete("/v1/blocks/424242", alice.token())
        .await
        .assert_error(404, "user_not_found");
    assert!(server.feed(&alice).await.is_empty());
}
