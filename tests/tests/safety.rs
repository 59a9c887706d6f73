//! Blocking and reporting with a real server and real clients on several
//! devices: a block is enforced both ways on every device (including a
//! message queued on a device that was offline when the block happened),
//! unblocking restores the ability to connect but not the connection, and a
//! report with evidence from the mirror is accepted and followed live.

use candor_core::safety::ReportDraft;
use candor_core::{DeliveryState, Outgoing};
use candor_proto::{ConnectionState, ProfileUpdate, ReportCategory, ReportStatus};
use candor_tests::{alice, all_messages, bob, connect, direct, init_tracing, TestServer};

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

    let report = alice
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
