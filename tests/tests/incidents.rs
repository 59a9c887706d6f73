//! Guided damage control with a real server and real mirrors: incidents
//! sync to the owner's other devices (and merge when both changed them),
//! the server's urgent-notice limit reaches the sender as a clear failure,
//! urgent notices repeat at the recipient until read, and reminders fire
//! only for messages still unread. Time-based rules get an injected `now`.

use candor_core::incident::{CallOutcome, IncidentCase, StepKind, StepStatus, URGENT_REPEAT_MS};
use candor_core::incidents::StepUpdate;
use candor_core::{DeliveryState, Outgoing, Urgency};
use candor_proto::{ConversationId, MessageId, MessageKind, ProfileUpdate};
use candor_tests::{alice, all_messages, bob, direct, init_tracing, Person, TestServer};

fn done() -> StepUpdate {
    StepUpdate {
        status: StepStatus::Done,
        message_client_id: None,
        call_outcome: None,
        note: None,
        draft: None,
    }
}

/// Alice sends `text` to `chat`; returns the message once her mirror has it.
async fn alice_says(alice: &Person, chat: ConversationId, text: &str) -> MessageId {
    alice
        .client
        .send_text(chat, text)
        .await
        .expect("Alice's message is queued");
    alice.wait_for_messages(chat, 1).await;
    all_messages(&alice.client, chat).await[0].id
}

#[tokio::test]
async fn an_incident_follows_its_owner_to_another_device_and_merges() {
    init_tracing();
    let server = TestServer::start().await;
    let alice = alice(&server).await;
    let bob = bob(&server).await;
    bob.client
        .update_profile(ProfileUpdate {
            display_name: None,
            headline: None,
            phone: Some("+44 20 7946 0958".to_owned()),
        })
        .await
        .unwrap();
    let chat = direct(&alice, &bob).await;
    let original = alice_says(
        &alice,
        chat,
        "Go ahead and ship the order to the old address.",
    )
    .await;
    alice
        .wait_until("Bob's phone number is known", |c| async move {
            c.connections()
                .await
                .unwrap_or_default()
                .iter()
                .any(|x| x.peer.phone.is_some())
        })
        .await;

    let view = alice
        .client
        .open_incident(original, IncidentCase::TimeSensitive)
        .await
        .unwrap();
    let kinds: Vec<&StepKind> = view.incident.steps.iter().map(|s| &s.kind).collect();
    assert!(kinds.contains(&&StepKind::UrgentNotice));
    assert!(
        kinds.contains(&&StepKind::Call),
        "Bob shared a phone number"
    );
    assert_eq!(view.recipients.len(), 1);
    assert_ne!(view.recipients[0].original, DeliveryState::Read);
    let id = view.incident.id;

    // Alice's laptop sees it, private to her: Bob's devices never do.
    let laptop = alice.second_device().await;
    laptop
        .wait_until("the incident reached the second device", |c| async move {
            c.incident(id).await.is_ok()
        })
        .await;
    assert!(bob.client.incidents().await.unwrap().is_empty());

    // The laptop records the call; the first device sees it.
    laptop
        .client
        .update_step(
            id,
            "call".to_owned(),
            StepUpdate {
                call_outcome: Some(CallOutcome::Voicemail),
                ..done()
            },
        )
        .await
        .unwrap();
    alice
        .wait_until("the call outcome arrived", |c| async move {
            c.incident(id).await.is_ok_and(|v| {
                v.incident
                    .steps
                    .iter()
                    .any(|s| s.id == "call" && s.call_outcome == Some(CallOutcome::Voicemail))
            })
        })
        .await;

    // Both devices change it at once: nothing is lost.
    let (a, b) = tokio::join!(
        alice.client.update_step(id, "urgent".to_owned(), done()),
        laptop.client.update_step(id, "remind".to_owned(), done()),
    );
    a.unwrap();
    b.unwrap();
    for device in [&alice, &laptop] {
        device
            .wait_until("both changes are everywhere", |c| async move {
                c.incident(id).await.is_ok_and(|v| {
                    let status = |step: &str| {
                        v.incident
                            .steps
                            .iter()
                            .find(|s| s.id == step)
                            .map(|s| s.status)
                    };
                    status("urgent") == Some(StepStatus::Done)
                        && status("remind") == Some(StepStatus::Done)
                        && status("call") == Some(StepStatus::Done)
                })
            })
            .await;
    }
    // Every required step is done: resolved, on both devices.
    let on_laptop = laptop.client.incident(id).await.unwrap();
    assert!(on_laptop.incident.resolved_at.is_some());
}

#[tokio::test]
async fn the_fourth_urgent_notice_in_an_hour_fails_visibly_and_is_not_retried() {
    init_tracing();
    let server = TestServer::start().await;
    let alice = alice(&server).await;
    let bob = bob(&server).await;
    let chat = direct(&alice, &bob).await;
    let original = alice_says(&alice, chat, "The wire goes out at 3 pm.").await;

    for n in 1..=3 {
        alice
            .client
            .send(
                chat,
                Outgoing::referring(
                    MessageKind::Urgent,
                    original,
                    &format!("Urgent {n}: do not send the wire"),
                ),
            )
            .await
            .unwrap();
    }
    alice.wait_for_messages(chat, 4).await;
    let allowance = alice.client.urgent_allowance(chat).await.unwrap();
    assert_eq!(allowance.sent_in_window, 3);
    assert!(allowance.next_possible_at.is_some());

    alice
        .client
        .send(
            chat,
            Outgoing::referring(MessageKind::Urgent, original, "Urgent 4"),
        )
        .await
        .unwrap();
    alice
        .wait_until("the fourth fails with the limit", |c| async move {
            c.pending(Some(chat)).await.is_ok_and(|p| {
                p.iter().any(|m| {
                    m.state == DeliveryState::Failed
                        && m.error_code.as_deref() == Some("urgent_limit")
                })
            })
        })
        .await;
    let failed = alice.client.pending(Some(chat)).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].attempts, 1, "a limit is not retried");
    bob.wait_for_messages(chat, 4).await;
    assert_eq!(all_messages(&bob.client, chat).await.len(), 4);
}

#[tokio::test]
async fn an_urgent_notice_repeats_until_it_is_read_and_reminders_only_fire_while_unread() {
    init_tracing();
    let server = TestServer::start().await;
    let alice = alice(&server).await;
    let bob = bob(&server).await;
    let chat = direct(&alice, &bob).await;
    let original = alice_says(&alice, chat, "Approve invoice 4471 today.").await;
    bob.wait_for_messages(chat, 1).await;
    alice
        .client
        .send(
            chat,
            Outgoing::referring(
                MessageKind::Urgent,
                original,
                "Urgent: do NOT approve 4471, the amount is wrong.",
            ),
        )
        .await
        .unwrap();
    bob.wait_for_messages(chat, 2).await;
    let t0 = candor_core::mirror::now_ms();

    // Nothing before two minutes, then a critical repeat, once.
    assert!(bob
        .client
        .due_alerts(t0 + 60_000, URGENT_REPEAT_MS, 720)
        .await
        .unwrap()
        .is_empty());
    let repeat = bob
        .client
        .due_alerts(t0 + URGENT_REPEAT_MS + 1_000, URGENT_REPEAT_MS, 720)
        .await
        .unwrap();
    assert_eq!(repeat.len(), 1);
    assert_eq!(repeat[0].urgency, Urgency::Critical);
    assert!(repeat[0].summary.starts_with("Urgent: Alice Martin"));
    assert!(bob
        .client
        .due_alerts(t0 + URGENT_REPEAT_MS + 2_000, URGENT_REPEAT_MS, 720)
        .await
        .unwrap()
        .is_empty());
    // Read: no more repeats.
    bob.client.mark_read(chat, 2).await.unwrap();
    assert!(bob
        .client
        .due_alerts(t0 + 3 * URGENT_REPEAT_MS, URGENT_REPEAT_MS, 720)
        .await
        .unwrap()
        .is_empty());

    // Alice's reminder about an unread message fires once…
    alice
        .client
        .send_text(chat, "Can you confirm the new total?")
        .await
        .unwrap();
    alice.wait_for_messages(chat, 3).await;
    let question = all_messages(&alice.client, chat).await[2].id;
    let due = alice
        .client
        .remind_if_unread(question, 5, None)
        .await
        .unwrap();
    assert!(alice
        .client
        .due_alerts(due - 1, URGENT_REPEAT_MS, 720)
        .await
        .unwrap()
        .is_empty());
    let fired = alice
        .client
        .due_alerts(due, URGENT_REPEAT_MS, 720)
        .await
        .unwrap();
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].summary, "Still unread: your message to Bob Okafor");
    assert!(alice
        .client
        .due_alerts(due + 1, URGENT_REPEAT_MS, 720)
        .await
        .unwrap()
        .is_empty());

    // …and not at all once Bob has read it.
    let due = alice
        .client
        .remind_if_unread(question, 5, None)
        .await
        .unwrap();
    bob.wait_for_messages(chat, 3).await;
    bob.client.mark_read(chat, 3).await.unwrap();
    alice
        .wait_until("Bob's read receipt arrived", |c| async move {
            all_messages(&c, chat)
                .await
                .last()
                .is_some_and(|m| m.state == DeliveryState::Read)
        })
        .await;
    assert!(alice
        .client
        .due_alerts(due, URGENT_REPEAT_MS, 720)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_step_whose_follow_up_is_cancelled_in_its_hold_is_to_do_again() {
    init_tracing();
    let server = TestServer::start().await;
    let alice = alice(&server).await;
    let bob = bob(&server).await;
    let chat = direct(&alice, &bob).await;
    let original = alice_says(&alice, chat, "The launch moved to Tuesday.").await;
    let view = alice
        .client
        .open_incident(original, IncidentCase::Inaccurate)
        .await
        .unwrap();
    let id = view.incident.id;
    let step = view
        .incident
        .steps
        .iter()
        .find(|s| s.kind == StepKind::Correct)
        .expect("an inaccurate message gets a correction step")
        .id
        .clone();

    // The correction is sent from the step, and waits in its hold.
    let client_id = alice
        .client
        .send(
            chat,
            Outgoing::correction(
                original,
                "Correction: the launch stays on Monday.",
                "The day",
                "Monday",
            )
            .with_hold(std::time::Duration::from_secs(60)),
        )
        .await
        .unwrap();
    let done = alice
        .client
        .update_step(
            id,
            step.clone(),
            StepUpdate {
                message_client_id: Some(client_id),
                draft: Some("Correction: the launch stays on Monday.".to_owned()),
                ..done()
            },
        )
        .await
        .unwrap();
    // Alice's laptop sees the step done.
    let laptop = alice.second_device().await;
    let has_step = |wanted: StepStatus| {
        let step = step.clone();
        move |c: candor_core::Client| {
            let step = step.clone();
            async move {
                c.incident(id).await.is_ok_and(|v| {
                    v.incident
                        .steps
                        .iter()
                        .any(|s| s.id == step && s.status == wanted)
                })
            }
        }
    };
    laptop
        .wait_until(
            "the done step reached the laptop",
            has_step(StepStatus::Done),
        )
        .await;
    let status = |v: &candor_core::incidents::IncidentView| {
        v.incident
            .steps
            .iter()
            .find(|s| s.id == step)
            .map(|s| (s.status, s.message_client_id, s.draft.clone()))
    };
    assert_eq!(status(&done).map(|s| s.0), Some(StepStatus::Done));

    // Alice thinks better of it and cancels: the step is to do again, with
    // her wording kept; the server never saw the correction.
    alice.client.cancel_pending(client_id).await.unwrap();
    let reopened = alice.client.incident(id).await.unwrap();
    assert_eq!(
        status(&reopened),
        Some((
            StepStatus::Todo,
            None,
            Some("Correction: the launch stays on Monday.".to_owned())
        ))
    );
    assert!(reopened.incident.resolved_at.is_none());
    // Her laptop learns it too.
    laptop
        .wait_until(
            "the reopened step reached the laptop",
            has_step(StepStatus::Todo),
        )
        .await;
    bob.client.sync_now().await.unwrap();
    assert_eq!(all_messages(&bob.client, chat).await.len(), 1);
}
