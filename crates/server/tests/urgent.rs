//! The urgent-notice limit: at most `MAX_URGENT_PER_WINDOW` urgent notices per
//! sender and conversation within `URGENT_WINDOW_MS`.
//!
//! Over HTTP the server's clock is the real one, so those tests only fill the
//! window and look at the refusal. How the window slides is tested on the
//! store itself, whose methods take `now` from the caller (the HTTP layer
//! passes the wall clock): the tests hand it the times they need, so nobody
//! waits an hour and production has no clock to tamper with.

mod common;

use candor_proto::{
    ConversationId, Message, MessageId, MessageKind, SendMessageRequest, SendMessageResponse,
    UserId, MAX_URGENT_PER_WINDOW, URGENT_WINDOW_MS,
};
use candor_server::store::{NewAccount, RejectionKind, SqliteStore, Store, StoreError};
use common::{text, Person, Server};
use reqwest::header::RETRY_AFTER;
use uuid::Uuid;

fn urgent(reference: MessageId, body: &str) -> SendMessageRequest {
    SendMessageRequest {
        client_id: Uuid::now_v7(),
        kind: MessageKind::Urgent,
        reference: Some(reference),
        body: body.into(),
        correction: None,
    }
}

fn messages_path(conversation: ConversationId) -> String {
    format!("/v1/conversations/{conversation}/messages")
}

#[tokio::test]
async fn a_fourth_urgent_notice_within_the_hour_is_refused_and_nothing_is_written() {
    let server = Server::start().await;
    let alice = server.alice().await;
    let bob = server.bob().await;
    let carol = server.carol().await;
    server.connect(&alice, &bob).await;
    server.connect(&alice, &carol).await;
    server.connect(&bob, &carol).await;
    let with_bob = server.direct(&alice, &bob).await.id;
    let with_carol = server.direct(&alice, &carol).await.id;
    let original = server
        .say(&bob, with_bob, "Can you sign the contract today?")
        .await;

    // Three urgent notices are accepted.
    let mut sent: Vec<(SendMessageRequest, Message)> = Vec::new();
    for n in 1..=MAX_URGENT_PER_WINDOW {
        let request = urgent(original.id, &format!("Urgent #{n}: please call me"));
        let reply: SendMessageResponse = server
            .post(&messages_path(with_bob), alice.token(), &request)
            .await
            .ok(201);
        sent.push((request, reply.message));
    }

    // The fourth is refused, saying why and when, with Retry-After.
    let messages_before = server.messages(&bob, with_bob).await;
    let alice_feed = server.feed(&alice).await.len();
    let bob_feed = server.feed(&bob).await.len();
    let fourth = urgent(original.id, "Urgent #4: are you there?");
    let reply = server
        .post(&messages_path(with_bob), alice.token(), &fourth)
        .await;
    let message = reply.assert_error(429, "urgent_limit");
    assert!(
        message.starts_with("At most 3 urgent notices per conversation per hour"),
        "{message}"
    );
    assert!(
        message.contains("the next is possible in 60 minutes")
            || message.contains("the next is possible in 59 minutes"),
        "{message}"
    );
    let retry_after: u64 = reply
        .headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After header in whole seconds");
    assert!(
        (1..=3600).contains(&retry_after),
        "Retry-After: {retry_after}"
    );

    // Nothing was written: no message, no sequence number, no feed event.
    let messages_after = server.messages(&bob, with_bob).await;
    assert_eq!(messages_after, messages_before);
    assert_eq!(
        messages_after.last().map(|m| m.seq),
        Some(1 + MAX_URGENT_PER_WINDOW)
    );
    assert_eq!(server.feed(&alice).await.len(), alice_feed);
    assert_eq!(server.feed(&bob).await.len(), bob_feed);
    // Trying the same refused notice again is refused again.
    server
        .post(&messages_path(with_bob), alice.token(), &fourth)
        .await
        .assert_error(429, "urgent_limit");

    // A retry of notice #3 (its answer lost, say) still gets the stored one.
    let (third_request, third) = &sent[2];
    let again: SendMessageResponse = server
        .post(&messages_path(with_bob), alice.token(), third_request)
        .await
        .ok(200);
    assert!(!again.created);
    assert_eq!(&again.message, third);

    // Other kinds from Alice in the same conversation are not limited.
    server.say(&alice, with_bob, "Sorry for the noise").await;
    // Bob has urgent notices of his own in the same conversation.
    let mine = server
        .say(&alice, with_bob, "The contract is attached")
        .await;
    for n in 1..=MAX_URGENT_PER_WINDOW {
        server
            .post(
                &messages_path(with_bob),
                bob.token(),
                &urgent(mine.id, &format!("Bob's urgent #{n}")),
            )
            .await
            .assert_status(201);
    }
    // Alice's limit is per conversation: she may still alert Carol.
    let carols = server.say(&carol, with_carol, "Need anything?").await;
    for n in 1..=MAX_URGENT_PER_WINDOW {
        server
            .post(
                &messages_path(with_carol),
                alice.token(),
                &urgent(carols.id, &format!("Urgent for Carol #{n}")),
            )
            .await
            .assert_status(201);
    }
    // ...and a group with Bob is another conversation too.
    let group: candor_proto::Conversation = server
        .post(
            "/v1/conversations/group",
            alice.token(),
            &serde_json::json!({"title": "Contract", "members": [bob.id(), carol.id()]}),
        )
        .await
        .ok(201);
    let in_group = server.say(&bob, group.id, "Who signs?").await;
    server
        .post(
            &messages_path(group.id),
            alice.token(),
            &urgent(in_group.id, "Urgent in the group"),
        )
        .await
        .assert_status(201);
    // But the direct conversation with Bob stays closed to her for now.
    server
        .post(
            &messages_path(with_bob),
            alice.token(),
            &urgent(original.id, "Still urgent"),
        )
        .await
        .assert_error(429, "urgent_limit");
    server.assert_healthy().await;
}

#[tokio::test]
async fn invalid_urgent_notices_are_refused_for_what_they_are() {
    let server = Server::start().await;
    let alice = server.alice().await;
    let bob = server.bob().await;
    server.connect(&alice, &bob).await;
    let conversation = server.direct(&alice, &bob).await.id;
    let original = server.say(&bob, conversation, "Ping").await;
    for n in 1..=MAX_URGENT_PER_WINDOW {
        server
            .post(
                &messages_path(conversation),
                alice.token(),
                &urgent(original.id, &format!("#{n}")),
            )
            .await
            .assert_status(201);
    }
    // A notice that could never be sent says so, rather than "wait".
    let mut no_reference = urgent(original.id, "No reference");
    no_reference.reference = None;
    server
        .post(&messages_path(conversation), alice.token(), &no_reference)
        .await
        .assert_error(422, "reference_required");
    // An outsider learns nothing, limit or not.
    let carol: Person = server.carol().await;
    server
        .post(
            &messages_path(conversation),
            carol.token(),
            &urgent(original.id, "Not mine to send"),
        )
        .await
        .assert_error(404, "conversation_not_found");
    // A plain text message still goes through.
    server
        .post(&messages_path(conversation), alice.token(), &text("Thanks"))
        .await
        .assert_status(201);
}

// ------------------------------------------------- the window, on the store

/// Alice and Bob, connected, with their direct conversation, on a store.
fn store_with_conversation(
    now: i64,
) -> (
    tempfile::TempDir,
    SqliteStore,
    UserId,
    UserId,
    ConversationId,
) {
    let dir = tempfile::tempdir().expect("a temporary data directory");
    let store = SqliteStore::open(dir.path()).expect("the store opens");
    let account = |handle: &str| NewAccount {
        handle: handle.into(),
        display_name: handle.into(),
        password_hash: "not a real hash".into(),
        device_name: "laptop".into(),
        token_hash: token_hash_for(handle),
    };
    let (alice, _) = store
        .create_account(account("alice"), now)
        .expect("Alice signs up");
    let (bob, _) = store
        .create_account(account("bob"), now)
        .expect("Bob signs up");
    store
        .invite(alice.user_id, "bob", now)
        .expect("Alice invites Bob");
    store
        .respond(bob.user_id, alice.user_id, true, now)
        .expect("Bob accepts");
    let (conversation, _, _) = store
        .create_direct(alice.user_id, bob.user_id, now)
        .expect("a direct conversation");
    (dir, store, alice.user_id, bob.user_id, conversation.id)
}

fn token_hash_for(seed: &str) -> [u8; 32] {
    let mut hash = [0u8; 32];
    hash[..seed.len()].copy_from_slice(seed.as_bytes());
    hash
}

/// The seconds to wait, if the store refused with `urgent_limit`.
fn refused_for(
    result: Result<(SendMessageResponse, Vec<candor_server::store::Delivery>), StoreError>,
) -> u64 {
    match result {
        Err(StoreError::Rejected {
            kind: RejectionKind::TooMany { retry_after_secs },
            code: "urgent_limit",
            ..
        }) => retry_after_secs,
        Err(other) => panic!("refused for another reason: {other:?}"),
        Ok((response, _)) => panic!("accepted: {:?}", response.message),
    }
}

#[test]
fn the_window_slides_one_hour_behind_each_notice() {
    const MINUTE: i64 = 60_000;
    let t0 = 1_700_000_000_000;
    let (_dir, store, alice, bob, conversation) = store_with_conversation(t0);
    let (original, _) = store
        .send_message(bob, conversation, text("Is the deploy safe?"), t0)
        .expect("Bob writes");
    let send = |at: i64| {
        store.send_message(
            alice,
            conversation,
            urgent(original.message.id, "Stop the deploy"),
            at,
        )
    };

    // Three notices at t0, t0 + 1 min and t0 + 2 min.
    for n in 0..MAX_URGENT_PER_WINDOW {
        let (sent, deliveries) = send(t0 + n * MINUTE).expect("within the limit");
        assert!(sent.created);
        assert_eq!(deliveries.len(), 2, "both members' feeds");
    }
    // At t0 + 3 min the fourth waits for the first to leave the window: 57 min.
    assert_eq!(refused_for(send(t0 + 3 * MINUTE)), 57 * 60);
    // One millisecond before the hour is over, it still waits (a whole second).
    assert_eq!(refused_for(send(t0 + URGENT_WINDOW_MS - 1)), 1);
    // At exactly t0 + 1 h the first has left the window: the fourth goes.
    let (fourth, _) = send(t0 + URGENT_WINDOW_MS).expect("after the window");
    assert!(fourth.created);
    assert_eq!(fourth.message.seq, 1 + MAX_URGENT_PER_WINDOW + 1);
    // Now the notices of t0 + 1 min, t0 + 2 min and t0 + 1 h fill the window
    // again: the next waits for t0 + 1 min + 1 h.
    assert_eq!(refused_for(send(t0 + URGENT_WINDOW_MS + 30_000)), 30);
    send(t0 + MINUTE + URGENT_WINDOW_MS).expect("the second left the window");

    // Refusals wrote nothing: the sequence has no gaps and five notices.
    let stored = store
        .messages(bob, conversation, 0, 100)
        .expect("the messages");
    assert_eq!(
        stored.iter().map(|m| m.seq).collect::<Vec<_>>(),
        (1..=6).collect::<Vec<_>>()
    );
    assert_eq!(
        stored
            .iter()
            .filter(|m| m.kind == MessageKind::Urgent)
            .count(),
        5
    );
}

#[test]
fn a_retry_of_a_stored_notice_is_answered_even_when_the_window_is_full() {
    let t0 = 1_700_000_000_000;
    let (_dir, store, alice, bob, conversation) = store_with_conversation(t0);
    let (original, _) = store
        .send_message(bob, conversation, text("Hello"), t0)
        .expect("Bob writes");
    let requests: Vec<SendMessageRequest> = (0..MAX_URGENT_PER_WINDOW)
        .map(|n| urgent(original.message.id, &format!("#{n}")))
        .collect();
    let mut stored = Vec::new();
    for request in &requests {
        let (sent, _) = store
            .send_message(alice, conversation, request.clone(), t0 + 1)
            .expect("within the limit");
        stored.push(sent.message);
    }
    // Every one of them, retried while the window is full, comes back as
    // stored, with no new feed events.
    for (request, message) in requests.iter().zip(&stored) {
        let (again, deliveries) = store
            .send_message(alice, conversation, request.clone(), t0 + 2)
            .expect("a retry is not a new notice");
        assert!(!again.created);
        assert_eq!(&again.message, message);
        assert!(deliveries.is_empty());
    }
    // A new one is refused, the limit message naming the wait in minutes.
    match store.send_message(
        alice,
        conversation,
        urgent(original.message.id, "New"),
        t0 + 2,
    ) {
        Err(e @ StoreError::Rejected { .. }) => {
            let message = e.to_string();
            assert_eq!(
                message,
                "At most 3 urgent notices per conversation per hour; \
                 the next is possible in 60 minutes"
            );
        }
        other => panic!("expected the urgent limit, got {other:?}"),
    }
}
