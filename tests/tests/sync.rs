//! Two or three people, several devices, one real server: messages arrive
//! live and after restarts, exactly once, in the same order everywhere.

use candor_core::{DeliveryState, Outgoing, Page, SyncStatus};
use candor_proto::MessageKind;
use candor_tests::{alice, all_messages, bob, carol, direct, init_tracing, TestServer};

#[tokio::test]
async fn alice_and_bob_talk_live_and_after_a_restart() {
    init_tracing();
    let server = TestServer::start().await;
    let alice = alice(&server).await;
    let mut bob = bob(&server).await;
    let chat = direct(&alice, &bob).await;

    alice
        .client
        .send_text(chat, "Hi Bob, do you have the Q3 figures?")
        .await
        .unwrap();
    bob.wait_for_messages(chat, 1).await;
    bob.client
        .send_text(chat, "Yes — sending them after lunch.")
        .await
        .unwrap();
    alice.wait_for_messages(chat, 2).await;

    bob.wait_for_messages(chat, 2).await;

    // Bob restarts: history is there at once, and new messages catch up.
    bob.restart().await;
    assert_eq!(all_messages(&bob.client, chat).await.len(), 2);
    alice
        .client
        .send_text(chat, "Great, thanks.")
        .await
        .unwrap();
    bob.wait_for_messages(chat, 3).await;

    // A second device of Alice's gets the same history in the same order.
    let alice_phone = alice.second_device().await;
    alice_phone.wait_for_messages(chat, 3).await;
    alice.wait_for_messages(chat, 3).await;
    let order = |v: Vec<candor_core::MessageView>| {
        v.into_iter()
            .map(|m| (m.seq, m.id, m.body))
            .collect::<Vec<_>>()
    };
    let on_alice = order(all_messages(&alice.client, chat).await);
    assert_eq!(on_alice, order(all_messages(&bob.client, chat).await));
    assert_eq!(
        on_alice,
        order(all_messages(&alice_phone.client, chat).await)
    );
    assert_eq!(
        on_alice.iter().map(|m| m.0).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    // Every message verified against the chain.
    assert!(all_messages(&bob.client, chat)
        .await
        .iter()
        .all(|m| m.verified));
    assert!(bob.client.integrity_alarms(None).await.unwrap().is_empty());

    let list = bob.client.conversations().await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].title, "Alice Martin");
    assert_eq!(list[0].unread, 2, "two of Alice's messages are unread");
    assert_eq!(
        list[0].last_message.as_ref().map(|m| m.body.as_str()),
        Some("Great, thanks.")
    );
}

#[tokio::test]
async fn bob_comes_back_to_500_messages_exactly_once() {
    init_tracing();
    let server = TestServer::start().await;
    let alice = alice(&server).await;
    let mut bob = bob(&server).await;
    let chat = direct(&alice, &bob).await;

    bob.client.shutdown().await;
    for i in 1..=500 {
        alice
            .client
            .send_text(chat, &format!("Update {i} on the Lisbon rollout"))
            .await
            .unwrap();
    }
    alice.wait_outbox_empty().await;
    alice.wait_for_messages(chat, 500).await;

    bob.restart().await;
    bob.wait_for_messages(chat, 500).await;
    let messages = all_messages(&bob.client, chat).await;
    assert_eq!(messages.len(), 500);
    let seqs: Vec<i64> = messages.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, (1..=500).collect::<Vec<_>>());
    for (i, m) in messages.iter().enumerate() {
        assert_eq!(m.body, format!("Update {} on the Lisbon rollout", i + 1));
        assert!(m.verified, "message {} verified", m.seq);
    }
    assert!(bob.client.integrity_alarms(None).await.unwrap().is_empty());
}

#[tokio::test]
async fn messages_queued_offline_are_delivered_once_after_a_restart() {
    init_tracing();
    let server = TestServer::start().await;
    let addr = server.server.addr;
    let mut alice = alice(&server).await;
    let bob = bob(&server).await;
    let chat = direct(&alice, &bob).await;

    // The server goes away; Alice keeps writing.
    let data = server.stop().await;
    alice
        .wait_until("the client noticed it is offline", |c| async move {
            matches!(c.sync_status(), SyncStatus::Offline { .. })
        })
        .await;
    for i in 1..=20 {
        alice
            .client
            .send_text(chat, &format!("Offline note {i}"))
            .await
            .unwrap();
    }
    let pending = alice.client.pending(Some(chat)).await.unwrap();
    assert_eq!(pending.len(), 20);
    assert!(pending
        .iter()
        .all(|p| matches!(p.state, DeliveryState::Waiting | DeliveryState::Sending)));
    // History and the queue survive an app restart while offline.
    alice.restart().await;
    assert_eq!(alice.client.pending(Some(chat)).await.unwrap().len(), 20);

    // The server returns on the same address.
    let server = candor_server::spawn(candor_tests::test_config(data.path()), addr)
        .await
        .expect("server restarts");
    alice.wait_outbox_empty().await;
    bob.wait_for_messages(chat, 20).await;
    let bodies: Vec<String> = all_messages(&bob.client, chat)
        .await
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert_eq!(
        bodies,
        (1..=20)
            .map(|i| format!("Offline note {i}"))
            .collect::<Vec<_>>()
    );
    server.stop().await.unwrap();
    drop(data);
}

#[tokio::test]
async fn reading_on_one_device_shows_everywhere() {
    init_tracing();
    let server = TestServer::start().await;
    let alice = alice(&server).await;
    let bob = bob(&server).await;
    let chat = direct(&alice, &bob).await;
    let alice_phone = alice.second_device().await;

    for text in ["Are you joining the call?", "It starts at 10."] {
        bob.client.send_text(chat, text).await.unwrap();
    }
    alice.wait_for_messages(chat, 2).await;
    alice_phone.wait_for_messages(chat, 2).await;
    assert_eq!(alice.client.conversation(chat).await.unwrap().unread, 2);

    // Read on the phone.
    alice_phone.client.mark_read(chat, 2).await.unwrap();
    alice
        .wait_until("the laptop shows the conversation read", |c| async move {
            c.conversation(chat)
                .await
                .map(|s| s.unread == 0)
                .unwrap_or(false)
        })
        .await;
    bob.wait_until("Bob sees his messages read", |c| async move {
        c.messages(chat, Page::Latest { limit: 10 })
            .await
            .map(|v| v.len() == 2 && v.iter().all(|m| m.state == DeliveryState::Read))
            .unwrap_or(false)
    })
    .await;
}

#[tokio::test]
async fn corrections_and_follow_ups_annotate_the_original() {
    init_tracing();
    let server = TestServer::start().await;
    let alice = alice(&server).await;
    let bob = bob(&server).await;
    let chat = direct(&alice, &bob).await;

    alice
        .client
        .send_text(chat, "The board meeting is on Wednesday.")
        .await
        .unwrap();
    alice.wait_for_messages(chat, 1).await;
    let original = all_messages(&alice.client, chat).await[0].id;
    alice
        .client
        .send(
            chat,
            Outgoing::correction(
                original,
                "Correction: the board meeting is on Thursday.",
                "The day",
                "Thursday 4 December, 10:00",
            ),
        )
        .await
        .unwrap();
    bob.wait_for_messages(chat, 2).await;
    let on_bob = all_messages(&bob.client, chat).await;
    assert_eq!(on_bob[0].annotations.len(), 1);
    assert_eq!(on_bob[0].annotations[0].kind, MessageKind::Correction);
    assert_eq!(on_bob[0].annotations[0].message_id, on_bob[1].id);
    assert_eq!(on_bob[1].reference, Some(original));
    assert_eq!(
        on_bob[1]
            .correction
            .as_ref()
            .map(|c| c.correct_information.as_str()),
        Some("Thursday 4 December, 10:00")
    );
    // The original is unchanged.
    assert_eq!(on_bob[0].body, "The board meeting is on Wednesday.");

    // Bob cannot correct Alice's message: the server refuses, the outbox
    // keeps the attempt visibly failed.
    bob.client
        .send(chat, Outgoing::correction(original, "No", "x", "y"))
        .await
        .unwrap();
    bob.wait_until("the refused correction is marked failed", |c| async move {
        c.pending(Some(chat))
            .await
            .map(|p| {
                p.len() == 1
                    && p[0].state == DeliveryState::Failed
                    && p[0].error_code.as_deref() == Some("reference_not_own")
            })
            .unwrap_or(false)
    })
    .await;
}

#[tokio::test]
async fn groups_deliver_to_every_member() {
    init_tracing();
    let server = TestServer::start().await;
    let alice = alice(&server).await;
    let bob = bob(&server).await;
    let carol = carol(&server).await;
    candor_tests::connect(&alice, &bob).await;
    candor_tests::connect(&alice, &carol).await;
    candor_tests::connect(&bob, &carol).await;
    let group = alice
        .client
        .create_group(
            "Q3 planning",
            vec![bob.profile.user_id, carol.profile.user_id],
        )
        .await
        .unwrap();
    alice
        .client
        .send_text(group, "Kick-off on Monday")
        .await
        .unwrap();
    bob.wait_for_messages(group, 1).await;
    carol.wait_for_messages(group, 1).await;
    carol.client.send_text(group, "Works for me").await.unwrap();
    bob.wait_for_messages(group, 2).await;
    let summary = bob.client.conversation(group).await.unwrap();
    assert_eq!(summary.title, "Q3 planning");
    assert_eq!(summary.members.len(), 3);
    assert_eq!(summary.unread, 2);
}

#[tokio::test]
async fn history_and_search_work_with_the_server_gone() {
    init_tracing();
    let server = TestServer::start().await;
    let alice = alice(&server).await;
    let mut carol = carol(&server).await;
    let chat = direct(&alice, &carol).await;
    for text in [
        "Søren will send the invoice for the Malmö workshop",
        "Please loop in Łukasz from finance",
        "The café booking is confirmed",
    ] {
        alice.client.send_text(chat, text).await.unwrap();
    }
    carol.wait_for_messages(chat, 3).await;
    alice.wait_for_messages(chat, 3).await;
    let own = alice.client.search("invoice", None, 20).await.unwrap();
    assert!(
        own.len() == 1 && own[0].mine,
        "Alice's own message: {own:?}"
    );

    drop(server.stop().await);
    carol.restart().await;
    assert_eq!(all_messages(&carol.client, chat).await.len(), 3);
    let hits = carol
        .client
        .search("soren invoice", None, 20)
        .await
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert!(!hits[0].mine, "Alice wrote it, not Carol");
    let marked: Vec<&str> = hits[0]
        .snippet
        .iter()
        .filter(|p| p.matched)
        .map(|p| p.text.as_str())
        .collect();
    assert_eq!(marked, ["Søren", "invoice"]);
    assert_eq!(
        carol.client.search("lukasz", None, 20).await.unwrap().len(),
        1
    );
    assert_eq!(
        carol.client.search("cafe", None, 20).await.unwrap().len(),
        1
    );
    assert_eq!(
        carol.client.search("malm", None, 20).await.unwrap().len(),
        1
    );
    assert!(carol
        .client
        .search("berlin", None, 20)
        .await
        .unwrap()
        .is_empty());
    // Opening a result in context.
    let around = carol
        .client
        .messages(
            chat,
            Page::Around {
                message: hits[0].message_id,
                limit: 10,
            },
        )
        .await
        .unwrap();
    assert!(around.iter().any(|m| m.id == hits[0].message_id));
}
