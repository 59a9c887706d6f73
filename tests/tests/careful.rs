//! Care before sending, with a real server and real mirrors: the hold
//! window (cancel, send now, a restart in the middle), sensitive data that
//! needs "Send anyway" and is remembered with the sent message, the
//! recipient double-check, and corrections both sides see attached.

use std::time::Duration;

use candor_core::{CoreError, DeliveryState, Outgoing, RecipientRule};
use candor_proto::{ConversationId, MessageKind};
use candor_tests::{
    alice, all_messages, bob, carol, connect, direct, init_tracing, Person, TestServer,
};

/// Messages with this exact body on the server, read from its database file.
fn server_count(server: &TestServer, body: &str) -> i64 {
    let conn = rusqlite::Connection::open_with_flags(
        server.dir.path().join("candor.sqlite3"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("server database opens");
    conn.query_row(
        "SELECT COUNT(*) FROM messages WHERE body = ?1",
        [body],
        |r| r.get(0),
    )
    .expect("count")
}

fn held(body: &str, seconds: u64) -> Outgoing {
    Outgoing::text(body).with_hold(Duration::from_secs(seconds))
}

async fn pending_states(p: &Person, chat: ConversationId) -> Vec<(String, DeliveryState)> {
    p.client
        .pending(Some(chat))
        .await
        .expect("the outbox reads")
        .into_iter()
        .map(|m| (m.body, m.state))
        .collect()
}

#[tokio::test]
async fn a_held_message_cancelled_never_reaches_the_server() {
    init_tracing();
    let server = TestServer::start().await;
    let alice = alice(&server).await;
    let bob = bob(&server).await;
    let chat = direct(&alice, &bob).await;

    let body = "Sending the board deck to the whole list now";
    let before = candor_core::mirror::now_ms();
    let id = alice.client.send(chat, held(body, 60)).await.unwrap();
    let pending = alice.client.pending(Some(chat)).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].state, DeliveryState::Held);
    assert!(pending[0].hold_until >= before + 60_000);

    // Cancel hands the text back and leaves nothing behind.
    let text = alice.client.cancel_pending(id).await.unwrap();
    assert_eq!(text, body);
    assert!(pending_states(&alice, chat).await.is_empty());
    assert_eq!(alice.client.outbox_len().await.unwrap(), 0);

    // A later message goes through; the cancelled one never did.
    alice
        .client
        .send_text(chat, "Never mind, later.")
        .await
        .unwrap();
    bob.wait_for_messages(chat, 1).await;
    let on_bob: Vec<String> = all_messages(&bob.client, chat)
        .await
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert_eq!(on_bob, ["Never mind, later."]);
    assert_eq!(server_count(&server, body), 0);
    assert_eq!(server_count(&server, "Never mind, later."), 1);

    // Cancelling twice is a clear error, not a crash.
    let again = alice.client.cancel_pending(id).await.unwrap_err();
    assert_eq!(again.code(), "not_found");
}

#[tokio::test]
async fn send_now_ends_the_hold_and_a_delivered_message_cannot_be_cancelled() {
    init_tracing();
    let server = TestServer::start().await;
    let alice = alice(&server).await;
    let bob = bob(&server).await;
    let chat = direct(&alice, &bob).await;

    let id = alice
        .client
        .send(chat, held("The venue is confirmed.", 120))
        .await
        .unwrap();
    assert_eq!(
        pending_states(&alice, chat).await,
        [("The venue is confirmed.".to_owned(), DeliveryState::Held)]
    );
    alice.client.send_now(id).await.unwrap();
    bob.wait_for_messages(chat, 1).await;
    alice.wait_outbox_empty().await;

    let err = alice.client.cancel_pending(id).await.unwrap_err();
    assert!(
        matches!(err.code(), "not_found" | "already_sent"),
        "{err:?}"
    );
    assert_eq!(server_count(&server, "The venue is confirmed."), 1);
}

#[tokio::test]
async fn a_hold_that_expires_while_the_app_is_closed_delivers_on_the_next_start() {
    init_tracing();
    let server = TestServer::start().await;
    let mut alice = alice(&server).await;
    let bob = bob(&server).await;
    let chat = direct(&alice, &bob).await;

    alice
        .client
        .send(chat, held("Minutes from today's call attached.", 2))
        .await
        .unwrap();
    let hold_until = alice.client.pending(Some(chat)).await.unwrap()[0].hold_until;
    alice.client.shutdown().await;
    // The app stays closed past the end of the hold.
    let closed_for = u64::try_from(hold_until - candor_core::mirror::now_ms() + 200).unwrap_or(0);
    tokio::time::sleep(Duration::from_millis(closed_for)).await;
    assert_eq!(
        server_count(&server, "Minutes from today's call attached."),
        0
    );

    alice.client = candor_tests::open(alice.dir.path(), alice.tokens.clone()).await;
    bob.wait_for_messages(chat, 1).await;
    alice.wait_outbox_empty().await;
    assert_eq!(
        server_count(&server, "Minutes from today's call attached."),
        1
    );
}

#[tokio::test]
async fn sensitive_data_needs_send_anyway_and_is_remembered_with_the_message() {
    init_tracing();
    let server = TestServer::start().await;
    let alice = alice(&server).await;
    let bob = bob(&server).await;
    let chat = direct(&alice, &bob).await;
    let body = "Use my card 4111 1111 1111 1111 for the hotel, exp 09/28";

    let check = alice.client.check_send(chat, body).await.unwrap();
    assert_eq!(check.findings.len(), 1);
    assert_eq!(
        check.findings[0].kind,
        candor_core::checks::FindingKind::PaymentCard
    );
    assert!(!check.findings[0].masked.contains("4111 1111 1111 1111"));

    // Without "Send anyway" nothing is queued.
    let refused = alice.client.send_text(chat, body).await.unwrap_err();
    assert!(matches!(
        refused,
        CoreError::Invalid {
            code: "sensitive_data",
            ..
        }
    ));
    assert_eq!(alice.client.outbox_len().await.unwrap(), 0);

    alice
        .client
        .send(chat, Outgoing::text(body).allowing_sensitive())
        .await
        .unwrap();
    bob.wait_for_messages(chat, 1).await;
    alice.wait_for_messages(chat, 1).await;
    let mine = &all_messages(&alice.client, chat).await[0];
    assert_eq!(mine.findings.len(), 1);
    assert_eq!(
        mine.findings[0].kind,
        candor_core::checks::FindingKind::PaymentCard
    );
    // The recipient's copy carries no findings: they are the sender's notes.
    assert!(all_messages(&bob.client, chat).await[0].findings.is_empty());
}

#[tokio::test]
async fn the_recipient_double_check_names_each_rule() {
    init_tracing();
    let server = TestServer::start().await;
    let alice = alice(&server).await;
    let bob = bob(&server).await;
    let carol = carol(&server).await;
    let dana = Person::sign_up(&server.url(), "dana", "Dana Whitfield").await;
    let dana_o = Person::sign_up(&server.url(), "dana.o", "Dana Ortiz").await;
    connect(&alice, &dana_o).await;
    let chat = direct(&alice, &dana).await;

    let rules = |check: &candor_core::SendCheck| -> Vec<RecipientRule> {
        check
            .cards
            .iter()
            .flat_map(|c| c.reasons.iter().map(|r| r.rule))
            .collect()
    };

    // First message, and another connection called Dana.
    let check = alice.client.check_send(chat, "Hello Dana").await.unwrap();
    assert_eq!(check.cards.len(), 1);
    assert_eq!(check.cards[0].profile.handle, "dana");
    assert_eq!(check.cards[0].last_talked, None);
    assert_eq!(
        rules(&check),
        [RecipientRule::FirstMessage, RecipientRule::SimilarName]
    );
    assert_eq!(
        check.cards[0].reasons[1].message,
        "Another connection is also called Dana: Dana Ortiz (@dana.o)"
    );

    // Picked from the suggestions moments ago.
    alice.client.note_recipient_picked(chat).await.unwrap();
    let check = alice.client.check_send(chat, "Hello Dana").await.unwrap();
    assert!(rules(&check).contains(&RecipientRule::PickedMomentsAgo));

    // Once written to, only the namesake remains, and "last talked" is known.
    alice.client.send_text(chat, "Hello Dana").await.unwrap();
    alice.wait_for_messages(chat, 1).await;
    let check = alice.client.check_send(chat, "Follow-up").await.unwrap();
    assert_eq!(rules(&check), [RecipientRule::SimilarName]);
    assert!(check.cards[0].last_talked.is_some());

    // A group: bob has been written to, carol never.
    let with_bob = direct(&alice, &bob).await;
    alice.client.send_text(with_bob, "Hi Bob").await.unwrap();
    alice.wait_for_messages(with_bob, 1).await;
    connect(&alice, &carol).await;
    let group = alice
        .client
        .create_group("Offsite", vec![bob.profile.user_id, carol.profile.user_id])
        .await
        .unwrap();
    let check = alice
        .client
        .check_send(group, "Agenda attached")
        .await
        .unwrap();
    assert_eq!(check.recipients.len(), 2);
    assert_eq!(check.cards.len(), 1, "{:?}", check.cards);
    assert_eq!(check.cards[0].profile.handle, "carol");
    assert_eq!(rules(&check), [RecipientRule::NeverMessagedInGroup]);
}

#[tokio::test]
async fn a_correction_is_attached_to_the_original_on_both_sides() {
    init_tracing();
    let server = TestServer::start().await;
    let alice = alice(&server).await;
    let bob = bob(&server).await;
    let chat = direct(&alice, &bob).await;

    alice
        .client
        .send_text(chat, "The review is on Tuesday at 10:00.")
        .await
        .unwrap();
    bob.wait_for_messages(chat, 1).await;
    alice.wait_for_messages(chat, 1).await;
    let original = all_messages(&alice.client, chat).await;
    let original = original.last().unwrap();
    // Bob has not read the original when the correction arrives.
    alice
        .client
        .send(
            chat,
            Outgoing::correction(
                original.id,
                "Correction: the review is on Thursday.",
                "The day",
                "Thursday at 10:00",
            ),
        )
        .await
        .unwrap();
    bob.wait_for_messages(chat, 2).await;

    let on_bob = all_messages(&bob.client, chat).await;
    let (orig, correction) = (&on_bob[0], &on_bob[1]);
    assert_eq!(orig.annotations.len(), 1);
    let attached = &orig.annotations[0];
    assert_eq!(attached.kind, MessageKind::Correction);
    assert_eq!(attached.message_id, correction.id);
    assert_eq!(attached.sender_name, "Alice Martin");
    assert_eq!(
        attached.correction.as_ref().unwrap().correct_information,
        "Thursday at 10:00"
    );
    // The correction links back, carrying the original to read with it.
    let referenced = correction.referenced.as_ref().unwrap();
    assert_eq!(referenced.id, orig.id);
    assert_eq!(referenced.body, "The review is on Tuesday at 10:00.");

    // The sender sees whether the correction was read.
    alice.wait_for_messages(chat, 2).await;
    let before = all_messages(&alice.client, chat).await;
    assert_ne!(before[0].annotations[0].state, DeliveryState::Read);
    bob.client.mark_read(chat, correction.seq).await.unwrap();
    alice
        .wait_until("the correction shows as read", |c| async move {
            all_messages(&c, chat).await.first().is_some_and(|m| {
                m.annotations
                    .first()
                    .is_some_and(|a| a.state == DeliveryState::Read)
            })
        })
        .await;
}

#[tokio::test]
async fn a_message_whose_sending_broke_off_can_no_longer_be_cancelled() {
    init_tracing();
    let server = TestServer::start().await;
    let addr = server.server.addr;
    let mut alice = alice(&server).await;
    let bob = bob(&server).await;
    let chat = direct(&alice, &bob).await;
    let data = server.stop().await;

    // Offline, the hold ends and the first try cannot connect: nothing left
    // the device, so it can still be cancelled.
    alice
        .client
        .send(chat, held("Draft numbers, do not forward.", 0))
        .await
        .unwrap();
    let first = alice.client.pending(Some(chat)).await.unwrap()[0].client_id;
    alice
        .wait_until("the first try failed", |c| async move {
            c.pending(Some(chat))
                .await
                .is_ok_and(|p| p.iter().any(|m| m.error_code.as_deref() == Some("offline")))
        })
        .await;
    assert_eq!(
        alice.client.cancel_pending(first).await.unwrap(),
        "Draft numbers, do not forward."
    );

    // A second message's try breaks off after the request left (the state
    // a lost answer leaves): it may be delivered, so Cancel is refused.
    alice
        .client
        .send(chat, held("Final numbers attached.", 0))
        .await
        .unwrap();
    let second = alice.client.pending(Some(chat)).await.unwrap()[0].client_id;
    alice.client.shutdown().await;
    rusqlite::Connection::open(alice.dir.path().join("mirror.sqlite3"))
        .unwrap()
        .execute(
            "UPDATE outbox SET maybe_sent = 1, attempts = 1 WHERE client_id = ?1",
            [second.as_bytes().as_slice()],
        )
        .unwrap();
    alice.client = candor_tests::open(alice.dir.path(), alice.tokens.clone()).await;
    let refused = alice.client.cancel_pending(second).await.unwrap_err();
    assert_eq!(refused.code(), "maybe_sent");

    // Back online it is delivered once; the cancelled one never.
    let server = TestServer::start_at(data, addr).await;
    bob.wait_for_messages(chat, 1).await;
    alice.wait_outbox_empty().await;
    assert_eq!(server_count(&server, "Final numbers attached."), 1);
    assert_eq!(server_count(&server, "Draft numbers, do not forward."), 0);
}
