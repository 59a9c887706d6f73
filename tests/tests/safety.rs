//! Blocking and reporting with a real server and real clients on several
//! devices: a block is enforced both ways on every device (including a
//! message queued on a device that was offline when the block happened),
//! unblocking restores the ability to connect but not the connection, and a
//! report with evidence from the mirror is accepted and followed live.
//! Offline, blocks, unblocks and reports take effect on the device at once
//! and reach the server, once each, when it is back.

use candor_core::safety::{ReportDraft, ReportSubmission, SafetyAction};
use candor_core::{DeliveryState, Outgoing};
use candor_proto::{ConnectionState, ProfileUpdate, ReportCategory, ReportStatus};
use candor_tests::{alice, all_messages, bob, carol, connect, direct, init_tracing, TestServer};

#[tokio::test]
async fn a_block_holds_both_ways_on_every_device_and_unblock_only_allows_a_new_invitation() {
    init_tracing();
    let server = TestServer::start().await;
    let addr = server.server.addr;
    let alice = alice(&server).await;
    let bob = bob(&server).await;
    let chat = direct(&alice, &bob).await;
    let bob_laptop = bob.second_device().await;
    alice
        .client
        .send_text(chat, "Please stop writing to me.")
        .await
        .unwrap();
    bob.wait_for_messages(chat, 1).await;
    bob_laptop.wait_for_messages(chat, 1).await;

    let (a, b) = (alice.profile.user_id, bob.profile.user_id);
    alice.client.block(b).await.unwrap();
    assert_eq!(alice.client.blocked().await.unwrap()[0].profile.user_id, b);

    // The connection is gone on both sides.
    for (person, peer) in [(&alice, b), (&bob, a), (&bob_laptop, a)] {
        person
            .wait_until("the connection was removed", |c| async move {
                c.connections()
                    .await
                    .unwrap_or_default()
                    .iter()
                    .any(|x| x.peer.user_id == peer && x.state == ConnectionState::Removed)
            })
            .await;
    }

    // Bob's messages are refused, visibly, and nothing is lost on his side.
    bob.client
        .send_text(chat, "Why did you block me?")
        .await
        .unwrap();
    bob.wait_until("the send failed clearly", |c| async move {
        c.pending(Some(chat)).await.is_ok_and(|p| {
            p.iter().any(|m| {
                m.state == DeliveryState::Failed
                    && m.error_code.as_deref() == Some("recipient_unavailable")
                    && m.body == "Why did you block me?"
            })
        })
    })
    .await;
    // Alice cannot write to Bob either.
    alice
        .client
        .send_text(chat, "One more thing")
        .await
        .unwrap();
    alice
        .wait_until("Alice's send failed clearly", |c| async move {
            c.pending(Some(chat)).await.is_ok_and(|p| {
                p.iter().any(|m| {
                    m.state == DeliveryState::Failed && m.error_code.as_deref() == Some("blocked")
                })
            })
        })
        .await;

    // Invitations, profiles and new conversations fail both ways.
    assert!(bob.client.invite("alice").await.is_err());
    assert!(alice.client.invite("bob").await.is_err());
    assert!(bob.client.fetch_profile(a).await.is_err());
    assert!(alice.client.fetch_profile(b).await.is_err());
    // (Opening their existing conversation still shows its history; the
    // server refuses to create one, see crates/server/tests/blocks.rs.)

    // A message Bob's laptop queued while offline is refused when it comes back.
    let data = server.stop().await;
    bob_laptop
        .client
        .send(chat, Outgoing::text("Written on the train"))
        .await
        .unwrap();
    let server = candor_server::spawn(candor_tests::test_config(data.path()), addr)
        .await
        .unwrap();
    bob_laptop
        .wait_until(
            "the offline message was refused, and kept",
            |c| async move {
                c.pending(Some(chat)).await.is_ok_and(|p| {
                    p.iter().any(|m| {
                        m.state == DeliveryState::Failed && m.body == "Written on the train"
                    })
                })
            },
        )
        .await;
    // Alice's history stays, as evidence; nothing new reached her.
    let on_alice = all_messages(&alice.client, chat).await;
    assert_eq!(on_alice.len(), 1);

    // Bob's profile changes no longer reach Alice.
    bob.client
        .update_profile(ProfileUpdate {
            display_name: Some("Robert Okafor".to_owned()),
            headline: None,
            phone: None,
        })
        .await
        .unwrap();
    alice.client.sync_now().await.unwrap();
    assert_eq!(
        alice
            .client
            .profile(b)
            .await
            .map(|p| p.display_name)
            .unwrap_or_default(),
        "Bob Okafor"
    );

    // Unblock: no connection comes back, but a new invitation works.
    alice.client.unblock(b).await.unwrap();
    assert!(alice.client.blocked().await.unwrap().is_empty());
    let still_removed = alice.client.connections().await.unwrap();
    assert!(still_removed
        .iter()
        .any(|x| x.peer.user_id == b && x.state == ConnectionState::Removed));
    connect(&bob, &alice).await;
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_report_carries_verified_evidence_and_is_followed_by_its_reporter() {
    init_tracing();
    let server = TestServer::start().await;
    let alice = alice(&server).await;
    let bob = bob(&server).await;
    let chat = direct(&alice, &bob).await;
    bob.client
        .send_text(
            chat,
            "Pay me 2,000 EUR or I send your contract to everyone.",
        )
        .await
        .unwrap();
    alice.wait_for_messages(chat, 1).await;
    let threat = all_messages(&alice.client, chat).await[0].id;

    let submitted = alice
        .client
        .report(ReportDraft {
            reported: bob.profile.user_id,
            category: ReportCategory::Extortion,
            description: "He threatens to leak a confidential contract unless I pay.".to_owned(),
            conversation: Some(chat),
            evidence: vec![threat],
            also_block: true,
        })
        .await
        .unwrap();
    let ReportSubmission::Sent { report } = submitted else {
        panic!("the server is up, so the report is sent at once: {submitted:?}");
    };
    assert_eq!(report.status, ReportStatus::Received);
    assert_eq!(report.evidence, vec![threat]);
    assert_eq!(alice.client.reports().await.unwrap().len(), 1);
    // "Also block" blocked him in the same step.
    assert_eq!(alice.client.blocked().await.unwrap().len(), 1);
    // Bob is never told.
    bob.client.sync_now().await.unwrap();
    assert!(bob.client.reports().await.unwrap().is_empty());
    assert!(bob.client.notices().await.unwrap().is_empty());

    // A conversation report needs evidence.
    let empty = alice
        .client
        .report(ReportDraft {
            reported: bob.profile.user_id,
            category: ReportCategory::Harassment,
            description: "Repeated messages at night.".to_owned(),
            conversation: Some(chat),
            evidence: vec![],
            also_block: false,
        })
        .await
        .unwrap_err();
    assert_eq!(empty.code(), "evidence_required");
}

#[tokio::test]
async fn offline_blocks_and_reports_take_effect_at_once_and_reach_the_server_when_it_is_back() {
    init_tracing();
    let server = TestServer::start().await;
    let addr = server.server.addr;
    let alice = alice(&server).await;
    let bob = bob(&server).await;
    let carol = carol(&server).await;
    let chat = direct(&alice, &bob).await;
    connect(&alice, &carol).await;
    // (Every two members of a group write to each other only if connected.)
    connect(&bob, &carol).await;
    let group = alice
        .client
        .create_group("Launch", vec![bob.profile.user_id, carol.profile.user_id])
        .await
        .unwrap();
    bob.client.sync_now().await.unwrap();
    carol.client.sync_now().await.unwrap();
    bob.client
        .send_text(chat, "Send me the files or I post your message everywhere.")
        .await
        .unwrap();
    alice.wait_for_messages(chat, 1).await;
    let threat = all_messages(&alice.client, chat).await[0].id;
    let (b, c) = (bob.profile.user_id, carol.profile.user_id);

    // The server goes away (Alice is on a plane).
    let data = server.stop().await;

    // A block takes effect on Alice's device at once and waits.
    let outcome = alice.client.block(b).await.unwrap();
    assert!(outcome.queued, "{outcome:?}");
    assert!(outcome.change.blocked);
    let blocked = alice.client.blocked().await.unwrap();
    assert_eq!(blocked.len(), 1);
    assert_eq!(blocked[0].profile.user_id, b);
    assert!(blocked[0].pending, "the block is marked as not yet sent");

    // So does a report, with its evidence resolved from the mirror now.
    let submitted = alice
        .client
        .report(ReportDraft {
            reported: b,
            category: ReportCategory::Extortion,
            description: "He threatens to publish my message unless I send files.".to_owned(),
            conversation: Some(chat),
            evidence: vec![threat],
            also_block: false,
        })
        .await
        .unwrap();
    let ReportSubmission::Queued { queued } = submitted else {
        panic!("the server is down, so the report waits: {submitted:?}");
    };
    assert_eq!(queued.action, SafetyAction::Report);
    assert_eq!(queued.person.user_id, b);
    assert_eq!(queued.report.as_ref().unwrap().evidence, vec![threat]);
    assert!(queued.failure.is_none());
    // A report the server would refuse is refused now, not queued.
    let refused = alice
        .client
        .report(ReportDraft {
            reported: b,
            category: ReportCategory::Harassment,
            description: "Again.".to_owned(),
            conversation: Some(chat),
            evidence: vec![],
            also_block: false,
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "evidence_required");

    // Blocking Carol and changing her mind before the server saw it leaves
    // nothing to send about her.
    assert!(alice.client.block(c).await.unwrap().queued);
    let undone = alice.client.unblock(c).await.unwrap();
    assert!(!undone.change.blocked);
    let waiting = alice.client.queued_safety().await.unwrap();
    assert_eq!(
        waiting
            .iter()
            .map(|q| (q.action, q.person.user_id))
            .collect::<Vec<_>>(),
        vec![(SafetyAction::Block, b), (SafetyAction::Report, b)]
    );
    assert!(alice
        .client
        .blocked()
        .await
        .unwrap()
        .iter()
        .all(|p| p.profile.user_id != c));

    // Alice quits and starts again while still offline: nothing is lost.
    // The report is left as the app leaves one it was sending when it
    // crashed: marked `sending`, so it is sent again, and only once.
    let mut alice = alice;
    alice.client.shutdown().await;
    rusqlite::Connection::open(alice.dir.path().join("mirror.sqlite3"))
        .unwrap()
        .execute(
            "UPDATE safety_outbox SET state = 'sending' WHERE action = 'report'",
            [],
        )
        .unwrap();
    alice.restart().await;
    assert_eq!(alice.client.queued_safety().await.unwrap().len(), 2);

    // The server is back: the queue drains, once.
    let server = candor_server::spawn(candor_tests::test_config(data.path()), addr)
        .await
        .unwrap();
    alice
        .wait_until(
            "the queued block and report reached the server",
            |cl| async move { cl.queued_safety().await.is_ok_and(|q| q.is_empty()) },
        )
        .await;
    let blocked = alice.client.blocked().await.unwrap();
    assert_eq!(blocked.len(), 1);
    assert!(!blocked[0].pending);
    let reports = alice.client.reports().await.unwrap();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(reports[0].status, ReportStatus::Received);
    assert_eq!(reports[0].evidence, vec![threat]);

    // The server enforces the block: Bob's side loses the connection and his
    // next message is refused.
    bob.wait_until(
        "the connection was removed on Bob's side",
        |cl| async move {
            cl.connections().await.unwrap_or_default().iter().any(|x| {
                x.peer.user_id == alice.profile.user_id && x.state == ConnectionState::Removed
            })
        },
    )
    .await;
    bob.client.send_text(chat, "Hello?").await.unwrap();
    bob.wait_until("Bob's message was refused", |cl| async move {
        cl.pending(Some(chat)).await.is_ok_and(|p| {
            p.iter()
                .any(|m| m.state == DeliveryState::Failed && m.body == "Hello?")
        })
    })
    .await;

    // In the group they share, Bob's messages still arrive (stored, not
    // notified); Carol was never blocked.
    let notified = alice.client.subscribe();
    bob.client.send_text(group, "Still here.").await.unwrap();
    carol.client.send_text(group, "Hi all").await.unwrap();
    alice.wait_for_messages(group, 2).await;
    let senders = incoming_senders(notified);
    assert!(senders.contains(&c), "{senders:?}");
    assert!(
        !senders.contains(&b),
        "someone you block is not notified: {senders:?}"
    );
    server.stop().await.unwrap();
}

/// The senders of the messages announced for notification so far.
fn incoming_senders(
    mut events: tokio::sync::broadcast::Receiver<candor_core::ClientEvent>,
) -> Vec<candor_proto::UserId> {
    let mut senders = Vec::new();
    while let Ok(event) = events.try_recv() {
        if let candor_core::ClientEvent::MessagesArrived { messages } = event {
            senders.extend(messages.iter().map(|m| m.sender));
        }
    }
    senders
}

#[tokio::test]
async fn a_queued_report_refused_by_the_server_keeps_the_block_it_asked_for() {
    init_tracing();
    let server = TestServer::start().await;
    let addr = server.server.addr;
    let mut alice = alice(&server).await;
    let bob = bob(&server).await;
    let chat = direct(&alice, &bob).await;
    bob.client
        .send_text(chat, "I kept a copy of what you sent me by mistake.")
        .await
        .unwrap();
    alice.wait_for_messages(chat, 1).await;
    let threat = all_messages(&alice.client, chat).await[0].id;
    let b = bob.profile.user_id;

    let data = server.stop().await;
    let submitted = alice
        .client
        .report(ReportDraft {
            reported: b,
            category: ReportCategory::MisuseThreat,
            description: "Threatens to use a message I sent by mistake.".to_owned(),
            conversation: Some(chat),
            evidence: vec![threat],
            also_block: true,
        })
        .await
        .unwrap();
    assert!(matches!(submitted, ReportSubmission::Queued { .. }));
    // The evidence no longer matches the server's record (as if this
    // device's copy had been altered), so the server will refuse the report.
    alice.client.shutdown().await;
    rusqlite::Connection::open(alice.dir.path().join("mirror.sqlite3"))
        .unwrap()
        .execute(
            "UPDATE safety_outbox SET request = json_set(request, '$.evidence[0].chain_hash', ?1)",
            ["00".repeat(32)],
        )
        .unwrap();
    alice.restart().await;

    let server = TestServer::start_at(data, addr).await;
    alice
        .wait_until(
            "the report was refused and the block sent",
            |c| async move {
                c.queued_safety().await.is_ok_and(|q| {
                    q.len() == 1 && q[0].action == SafetyAction::Report && q[0].failure.is_some()
                })
            },
        )
        .await;
    let refused = &alice.client.queued_safety().await.unwrap()[0];
    assert!(
        refused
            .failure
            .as_deref()
            .unwrap_or_default()
            .contains("evidence"),
        "{refused:?}"
    );
    // The block stood on its own and reached the server.
    let blocked = alice.client.blocked().await.unwrap();
    assert_eq!(blocked.len(), 1);
    assert_eq!(blocked[0].profile.user_id, b);
    let a = alice.profile.user_id;
    bob.wait_until("the block reached Bob's side", |c| async move {
        c.connections()
            .await
            .unwrap_or_default()
            .iter()
            .any(|x| x.peer.user_id == a && x.state == ConnectionState::Removed)
    })
    .await;
    assert!(alice.client.reports().await.unwrap().is_empty());
    server.stop().await;
}
