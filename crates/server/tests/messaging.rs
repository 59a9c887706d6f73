//! Sending, as clients rely on it: retries never duplicate, every message
//! verifies against the server's signed hash chain, and receipts only move
//! forward and reach the other side.

mod common;

use candor_proto::chain::{parse_public_key, verify_link, verify_signature};
use candor_proto::{
    genesis_hash, ConversationId, CorrectionFields, EventPayload, FeedEvent, Message, MessageKind,
    Receipt, ReceiptRequest, SendMessageRequest, SendMessageResponse, ServerInfo,
};
use common::{text, Person, Server};
use uuid::Uuid;

fn messages_of(feed: &[FeedEvent], conversation: ConversationId) -> Vec<&Message> {
    feed.iter()
        .filter_map(|e| match &e.event {
            EventPayload::Message(m) if m.conversation_id == conversation => Some(m),
            _ => None,
        })
        .collect()
}

fn receipts_of(feed: &[FeedEvent], conversation: ConversationId) -> Vec<&Receipt> {
    feed.iter()
        .filter_map(|e| match &e.event {
            EventPayload::Receipt(r) if r.conversation_id == conversation => Some(r),
            _ => None,
        })
        .collect()
}

/// Feed numbers are 1, 2, 3, … without gaps.
fn assert_gapless(feed: &[FeedEvent]) {
    let seqs: Vec<i64> = feed.iter().map(|e| e.seq).collect();
    let expected: Vec<i64> = (1..=i64::try_from(feed.len()).expect("a small feed")).collect();
    assert_eq!(seqs, expected);
}

#[tokio::test]
async fn sending_the_same_client_id_twice_stores_one_message() {
    let server = Server::start().await;
    let alice = server.alice().await;
    let bob = server.bob().await;
    let carol = server.carol().await;
    server.connect(&alice, &bob).await;
    server.connect(&alice, &carol).await;
    let conversation = server.direct(&alice, &bob).await.id;
    let path = format!("/v1/conversations/{conversation}/messages");

    let request = text("Contract attached, please sign by Friday");
    let first: SendMessageResponse = server.post(&path, alice.token(), &request).await.ok(201);
    assert!(first.created);
    // The retry (say the first answer was lost) gets the original back.
    let again: SendMessageResponse = server.post(&path, alice.token(), &request).await.ok(200);
    assert!(!again.created);
    assert_eq!(again.message, first.message);
    // Even if the retry's text changed on the way: the id is the identity.
    let altered = SendMessageRequest {
        body: "Something else entirely".into(),
        ..request.clone()
    };
    let third: SendMessageResponse = server.post(&path, alice.token(), &altered).await.ok(200);
    assert_eq!(third.message, first.message);

    let stored = server.messages(&bob, conversation).await;
    assert_eq!(stored, vec![first.message.clone()]);
    for person in [&alice, &bob] {
        let feed = server.feed(person).await;
        assert_gapless(&feed);
        assert_eq!(
            messages_of(&feed, conversation),
            vec![&first.message],
            "{}'s feed",
            person.profile.handle
        );
    }

    // The same id for another conversation is a client bug, not a retry.
    let elsewhere = server.direct(&alice, &carol).await.id;
    server
        .post(
            &format!("/v1/conversations/{elsewhere}/messages"),
            alice.token(),
            &request,
        )
        .await
        .assert_error(409, "client_id_reused");
    assert!(server.messages(&carol, elsewhere).await.is_empty());
    assert!(messages_of(&server.feed(&carol).await, elsewhere).is_empty());

    // Client ids are per sender: Bob happening to pick the same one sends a
    // message of his own.
    let bobs: SendMessageResponse = server.post(&path, bob.token(), &request).await.ok(201);
    assert_ne!(bobs.message.id, first.message.id);
    assert_eq!(bobs.message.sender, bob.id());
    assert_eq!(bobs.message.seq, first.message.seq + 1);
    assert_eq!(server.messages(&alice, conversation).await.len(), 2);
}

/// Checks every message from genesis: each links to the previous hash and
/// carries a valid server signature.
fn verify_chain(
    public_key: &str,
    conversation: ConversationId,
    messages: &[Message],
) -> Result<(), String> {
    let key = parse_public_key(public_key).map_err(|e| e.to_string())?;
    let mut previous = genesis_hash(conversation);
    for (i, m) in messages.iter().enumerate() {
        if m.conversation_id != conversation || m.seq != i64::try_from(i + 1).unwrap_or(0) {
            return Err(format!("message {} is out of place", m.id));
        }
        let hash = verify_link(&previous, &m.canonical(), &m.chain_hash)
            .map_err(|e| format!("message {}: {e}", m.seq))?;
        verify_signature(&key, conversation, m.seq, &hash, &m.signature)
            .map_err(|e| format!("message {}: {e}", m.seq))?;
        previous = hash;
    }
    Ok(())
}

#[tokio::test]
async fn every_message_verifies_against_the_signed_hash_chain() {
    let server = Server::start().await;
    let alice = server.alice().await;
    let bob = server.bob().await;
    server.connect(&alice, &bob).await;
    let conversation = server.direct(&alice, &bob).await.id;
    let path = format!("/v1/conversations/{conversation}/messages");
    let info: ServerInfo = server.get("/v1/server", None).await.ok(200);

    let send = |from: &Person, request: SendMessageRequest| {
        let token = from.token.clone();
        let path = path.clone();
        let server = &server;
        async move {
            let sent: SendMessageResponse =
                server.post(&path, Some(&token), &request).await.ok(201);
            sent.message
        }
    };
    let follow_up = |kind, reference, body: &str, correction| SendMessageRequest {
        client_id: Uuid::now_v7(),
        kind,
        reference: Some(reference),
        body: body.into(),
        correction,
    };

    let first = server
        .say(&alice, conversation, "The budget is €40,000")
        .await;
    let reply = server.say(&bob, conversation, "Great — 👍").await;
    send(
        &alice,
        follow_up(
            MessageKind::Correction,
            first.id,
            "Sorry, a typo",
            Some(CorrectionFields {
                what_was_wrong: "The amount".into(),
                correct_information: "The budget is €4,000".into(),
            }),
        ),
    )
    .await;
    send(
        &alice,
        follow_up(MessageKind::Retraction, first.id, "Please disregard", None),
    )
    .await;
    send(
        &alice,
        follow_up(
            MessageKind::Urgent,
            reply.id,
            "Please read my correction",
            None,
        ),
    )
    .await;
    send(
        &bob,
        SendMessageRequest {
            kind: MessageKind::Apology,
            ..text("Sorry, I had already forwarded it")
        },
    )
    .await;
    for i in 0..6 {
        server
            .say(
                &bob,
                conversation,
                &format!("Line {i}\nwith\ttabs and ünïcödé"),
            )
            .await;
    }

    // Fetched in small pages, as a client catching up would.
    let mut fetched: Vec<Message> = Vec::new();
    loop {
        let after = fetched.last().map_or(0, |m| m.seq);
        let page: Vec<Message> = server
            .get(&format!("{path}?after={after}&limit=3"), alice.token())
            .await
            .ok(200);
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 3);
        fetched.extend(page);
    }
    assert_eq!(fetched.len(), 12);
    assert_eq!(
        verify_chain(&info.public_key, conversation, &fetched),
        Ok(())
    );

    // The feed carries the very same messages.
    let feed = server.feed(&bob).await;
    let from_feed: Vec<Message> = messages_of(&feed, conversation)
        .into_iter()
        .cloned()
        .collect();
    assert_eq!(from_feed, fetched);

    // And the check is real: one changed character breaks it.
    let mut tampered = fetched.clone();
    tampered[1].body = "Great — 👎".into();
    assert!(verify_chain(&info.public_key, conversation, &tampered).is_err());
    // So does a signature by any other key.
    let other_key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let other_key = hex::encode(other_key.verifying_key().to_bytes());
    assert!(verify_chain(&other_key, conversation, &fetched).is_err());
}

#[tokio::test]
async fn read_receipts_reach_the_sender_and_never_move_backwards() {
    let server = Server::start().await;
    let alice = server.alice().await;
    let bob = server.bob().await;
    server.connect(&alice, &bob).await;
    let conversation = server.direct(&alice, &bob).await.id;
    let path = format!("/v1/conversations/{conversation}/receipts");
    for body in ["One", "Two", "Three"] {
        server.say(&alice, conversation, body).await;
    }
    let bob_reads = |request: ReceiptRequest| {
        let token = bob.token.clone();
        let path = path.clone();
        let server = &server;
        async move {
            let receipt: Receipt = server.post(&path, Some(&token), &request).await.ok(200);
            receipt
        }
    };
    let alice_sees = || {
        let token = alice.token.clone();
        let path = path.clone();
        let bob = bob.id();
        let server = &server;
        async move {
            let receipts: Vec<Receipt> = server.get(&path, Some(&token)).await.ok(200);
            let bobs: Vec<Receipt> = receipts.into_iter().filter(|r| r.user_id == bob).collect();
            assert_eq!(bobs.len(), 1);
            (bobs[0].delivered_up_to, bobs[0].read_up_to)
        }
    };

    assert_eq!(alice_sees().await, (0, 0));
    // Reading implies delivery.
    let r = bob_reads(ReceiptRequest {
        delivered_up_to: None,
        read_up_to: Some(2),
    })
    .await;
    assert_eq!((r.delivered_up_to, r.read_up_to), (2, 2));
    assert_eq!(alice_sees().await, (2, 2));
    let feed = server.feed(&alice).await;
    let receipts = receipts_of(&feed, conversation);
    assert_eq!(receipts.len(), 1);
    assert_eq!(receipts[0].user_id, bob.id());
    assert_eq!(receipts[0].read_up_to, 2);

    // An older device reporting less changes nothing, and tells no one.
    let alice_head = feed.last().map_or(0, |e| e.seq);
    for request in [
        ReceiptRequest {
            delivered_up_to: Some(1),
            read_up_to: Some(1),
        },
        ReceiptRequest {
            delivered_up_to: Some(0),
            read_up_to: Some(-5),
        },
        ReceiptRequest::default(),
    ] {
        let r = bob_reads(request).await;
        assert_eq!((r.delivered_up_to, r.read_up_to), (2, 2));
    }
    assert_eq!(alice_sees().await, (2, 2));
    let feed = server.feed(&alice).await;
    assert_eq!(feed.last().map_or(0, |e| e.seq), alice_head);

    // Delivery can run ahead of reading, but not past the last message.
    let r = bob_reads(ReceiptRequest {
        delivered_up_to: Some(3),
        read_up_to: None,
    })
    .await;
    assert_eq!((r.delivered_up_to, r.read_up_to), (3, 2));
    let r = bob_reads(ReceiptRequest {
        delivered_up_to: Some(1_000),
        read_up_to: Some(i64::MAX),
    })
    .await;
    assert_eq!((r.delivered_up_to, r.read_up_to), (3, 3));
    assert_eq!(alice_sees().await, (3, 3));

    // Alice's feed holds each step forward, in order, and nothing else.
    let feed = server.feed(&alice).await;
    assert_gapless(&feed);
    let steps: Vec<(i64, i64)> = receipts_of(&feed, conversation)
        .into_iter()
        .map(|r| (r.delivered_up_to, r.read_up_to))
        .collect();
    assert_eq!(steps, vec![(2, 2), (3, 2), (3, 3)]);
    // Bob's own devices hear of it too.
    let bob_feed = server.feed(&bob).await;
    assert_eq!(receipts_of(&bob_feed, conversation).len(), 3);
}
