//! Reporting: evidence is checked against the server's own record (so
//! evidence altered on a device is refused and a conversation the reporter
//! is not in stays invisible), the rules on what a report says, the daily
//! limit, idempotent retries, `also_block`, and that the reported person is
//! never told.

mod common;

use candor_proto::{
    BlockChange, ConnectionState, ConversationId, EventPayload, EvidenceItem, FeedEvent, Message,
    MessageId, ReportCategory, ReportRequest, ReportStatus, ReportView, UserId, MAX_EVIDENCE_ITEMS,
    MAX_REPORTS_PER_WINDOW, MAX_REPORT_DESCRIPTION_CHARS, REPORT_WINDOW_MS,
};
use candor_server::store::{NewAccount, RejectionKind, SqliteStore, Store, StoreError};
use common::{text, Person, Server};
use reqwest::header::RETRY_AFTER;
use uuid::Uuid;

fn evidence(message: &Message) -> EvidenceItem {
    EvidenceItem {
        message_id: message.id,
        chain_hash: message.chain_hash.clone(),
        signature: message.signature.clone(),
    }
}

fn report(
    reported: UserId,
    conversation: Option<ConversationId>,
    evidence: Vec<EvidenceItem>,
) -> ReportRequest {
    ReportRequest {
        client_id: Uuid::now_v7(),
        reported,
        category: ReportCategory::Extortion,
        description: "He threatens to leak a confidential contract unless I pay.".into(),
        conversation,
        evidence,
        also_block: false,
    }
}

fn reports_in(feed: &[FeedEvent]) -> Vec<ReportView> {
    feed.iter()
        .filter_map(|e| match &e.event {
            EventPayload::Report(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

/// Nothing about reports, notices or blocks reached this feed.
fn nothing_told(feed: &[FeedEvent]) {
    for event in feed {
        assert!(
            !matches!(
                event.event,
                EventPayload::Report(_) | EventPayload::Notice(_) | EventPayload::Block(_)
            ),
            "{event:?}"
        );
    }
}

/// Alice and Bob, connected, in a direct conversation where Bob threatens.
async fn threat(server: &Server) -> (Person, Person, ConversationId, Message) {
    let alice = server.alice().await;
    let bob = server.bob().await;
    server.connect(&alice, &bob).await;
    let direct = server.direct(&alice, &bob).await.id;
    server.say(&alice, direct, "Where is the invoice?").await;
    let threat = server
        .say(
            &bob,
            direct,
            "Pay me 2,000 EUR or I send your contract to everyone.",
        )
        .await;
    (alice, bob, direct, threat)
}

async fn file(server: &Server, who: &Person, request: &ReportRequest) -> common::Reply {
    server.post("/v1/reports", who.token(), request).await
}

#[tokio::test]
async fn a_report_with_evidence_is_received_followed_by_its_reporter_and_hidden_from_the_reported()
{
    let server = Server::start().await;
    let (alice, bob, direct, threat) = threat(&server).await;
    let alice_phone = server.sign_in(&alice, "phone").await;
    let request = report(bob.id(), Some(direct), vec![evidence(&threat)]);

    let filed: ReportView = file(&server, &alice, &request).await.ok(201);
    assert_eq!(filed.status, ReportStatus::Received);
    assert_eq!(filed.reported, bob.id());
    assert_eq!(filed.client_id, request.client_id);
    assert_eq!(filed.conversation, Some(direct));
    assert_eq!(filed.evidence, vec![threat.id]);
    assert_eq!(filed.outcome, None);
    assert_eq!(filed.description, request.description);

    // A retry (same client id) is the same report, and adds nothing.
    let retried: ReportView = file(&server, &alice_phone, &request).await.ok(200);
    assert_eq!(retried, filed);
    let mine: Vec<ReportView> = server.get("/v1/reports", alice.token()).await.ok(200);
    assert_eq!(mine, vec![filed.clone()]);
    // Both of Alice's devices follow it through her feed, once.
    assert_eq!(reports_in(&server.feed(&alice_phone).await), vec![filed]);

    // Bob is never told: no event, no report in his list.
    nothing_told(&server.feed(&bob).await);
    let his: Vec<ReportView> = server.get("/v1/reports", bob.token()).await.ok(200);
    assert!(his.is_empty());

    // The evidence was stored as the server recorded it, and re-verified.
    let db = rusqlite::Connection::open(server.data_dir().join("candor.sqlite3"))
        .expect("the database opens");
    let (hash, signature, verified): (Vec<u8>, Vec<u8>, bool) = db
        .query_row(
            "SELECT chain_hash, signature, verified FROM report_evidence WHERE message_id = ?1",
            [threat.id.0],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("the evidence row");
    assert_eq!(hex::encode(hash), threat.chain_hash);
    assert_eq!(hex::encode(signature), threat.signature);
    assert!(verified);
}

#[tokio::test]
async fn evidence_must_match_the_servers_record_of_a_conversation_the_reporter_is_in() {
    let server = Server::start().await;
    let (alice, bob, direct, threat) = threat(&server).await;
    let carol = server.carol().await;
    server.connect(&bob, &carol).await;
    server.connect(&alice, &carol).await;
    let bob_and_carol = server.direct(&bob, &carol).await.id;
    let elsewhere = server.say(&bob, bob_and_carol, "Alice is next").await;
    let alice_and_carol = server.direct(&alice, &carol).await.id;
    let aside = server
        .say(&carol, alice_and_carol, "He wrote to me too")
        .await;

    // A message of a conversation Alice is not in answers exactly like one
    // that does not exist.
    let outsider = file(
        &server,
        &alice,
        &report(bob.id(), None, vec![evidence(&elsewhere)]),
    )
    .await;
    let forged = EvidenceItem {
        message_id: MessageId(elsewhere.id.0 + 1000),
        ..evidence(&elsewhere)
    };
    let missing = file(&server, &alice, &report(bob.id(), None, vec![forged])).await;
    assert_eq!(
        outsider
            .assert_error(404, "evidence_not_found")
            .replace(&elsewhere.id.to_string(), "N"),
        missing
            .assert_error(404, "evidence_not_found")
            .replace(&(elsewhere.id.0 + 1000).to_string(), "N"),
    );
    // So does reporting that conversation itself.
    let reply = file(
        &server,
        &alice,
        &report(bob.id(), Some(bob_and_carol), vec![evidence(&threat)]),
    )
    .await;
    reply.assert_error(404, "conversation_not_found");

    // Evidence altered on the device: the chain hash, the signature, both.
    let mut tampered_hash = evidence(&threat);
    let first = if tampered_hash.chain_hash.starts_with('a') {
        "b"
    } else {
        "a"
    };
    tampered_hash.chain_hash.replace_range(0..1, first);
    let mut tampered_signature = evidence(&threat);
    let first = if tampered_signature.signature.starts_with('a') {
        "b"
    } else {
        "a"
    };
    tampered_signature.signature.replace_range(0..1, first);
    let both = EvidenceItem {
        chain_hash: tampered_hash.chain_hash.clone(),
        ..tampered_signature.clone()
    };
    for (item, what) in [
        (tampered_hash, "its chain hash differs"),
        (tampered_signature, "its signature differs"),
        (both, "its chain hash and its signature differ"),
    ] {
        let reply = file(&server, &alice, &report(bob.id(), Some(direct), vec![item])).await;
        let message = reply.assert_error(422, "evidence_mismatch");
        assert_eq!(
            message,
            format!(
                "The evidence for message {} does not match the server's record: {what}",
                threat.id
            )
        );
    }

    // A conversation report needs evidence, from that conversation.
    file(&server, &alice, &report(bob.id(), Some(direct), vec![]))
        .await
        .assert_error(422, "evidence_required");
    file(
        &server,
        &alice,
        &report(
            bob.id(),
            Some(direct),
            vec![evidence(&threat), evidence(&aside)],
        ),
    )
    .await
    .assert_error(422, "evidence_not_in_conversation");

    // None of that stored anything.
    let mine: Vec<ReportView> = server.get("/v1/reports", alice.token()).await.ok(200);
    assert!(mine.is_empty());
    assert!(reports_in(&server.feed(&alice).await).is_empty());

    // Hex is compared without regard to case; a report without a
    // conversation may gather evidence from several of Alice's.
    let upper = EvidenceItem {
        chain_hash: threat.chain_hash.to_uppercase(),
        signature: threat.signature.to_uppercase(),
        ..evidence(&threat)
    };
    let filed: ReportView = file(
        &server,
        &alice,
        &report(
            bob.id(),
            None,
            vec![upper, evidence(&aside), evidence(&threat)],
        ),
    )
    .await
    .ok(201);
    // The same message twice is kept once.
    assert_eq!(filed.evidence, vec![threat.id, aside.id]);
    // No evidence at all is fine without a conversation (an impersonation,
    // say).
    file(&server, &alice, &report(bob.id(), None, vec![]))
        .await
        .assert_status(201);
}

#[tokio::test]
async fn what_a_report_says_is_checked() {
    let server = Server::start().await;
    let (alice, bob, direct, threat) = threat(&server).await;
    let good = report(bob.id(), Some(direct), vec![evidence(&threat)]);

    file(&server, &alice, &report(alice.id(), None, vec![]))
        .await
        .assert_error(400, "cannot_report_self");
    file(&server, &alice, &report(UserId(424_242), None, vec![]))
        .await
        .assert_error(404, "user_not_found");
    for description in [
        String::new(),
        " \n\t ".to_owned(),
        "x".repeat(MAX_REPORT_DESCRIPTION_CHARS + 1),
        "Look\u{1b}[2J".to_owned(),
    ] {
        let request = ReportRequest {
            description,
            ..good.clone()
        };
        file(&server, &alice, &request)
            .await
            .assert_error(422, "invalid_field");
    }
    let too_much = ReportRequest {
        evidence: vec![evidence(&threat); MAX_EVIDENCE_ITEMS + 1],
        ..good.clone()
    };
    file(&server, &alice, &too_much)
        .await
        .assert_error(422, "too_much_evidence");

    // The longest description is fine.
    let longest = ReportRequest {
        description: "é".repeat(MAX_REPORT_DESCRIPTION_CHARS),
        ..good.clone()
    };
    let filed: ReportView = file(&server, &alice, &longest).await.ok(201);
    assert_eq!(
        filed.description.chars().count(),
        MAX_REPORT_DESCRIPTION_CHARS
    );
    // Its client id cannot be reused for a report about someone else.
    let carol = server.carol().await;
    let reused = ReportRequest {
        reported: carol.id(),
        conversation: None,
        evidence: vec![],
        ..longest
    };
    file(&server, &alice, &reused)
        .await
        .assert_error(409, "client_id_reused");
}

#[tokio::test]
async fn a_reporter_files_at_most_ten_reports_a_day() {
    let server = Server::start().await;
    let (alice, bob, _direct, _threat) = threat(&server).await;
    let mut filed = Vec::new();
    for n in 0..MAX_REPORTS_PER_WINDOW {
        let request = ReportRequest {
            description: format!("Incident #{n}"),
            ..report(bob.id(), None, vec![])
        };
        file(&server, &alice, &request).await.assert_status(201);
        filed.push(request);
    }
    let reply = file(&server, &alice, &report(bob.id(), None, vec![])).await;
    let message = reply.assert_error(429, "report_limit");
    assert!(
        message.starts_with("At most 10 reports per day; the next is possible in 24 hours"),
        "{message}"
    );
    let retry_after: u64 = reply
        .headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After header");
    assert!((86_000..=86_400).contains(&retry_after), "{retry_after} s");
    // A retry of a stored one is still answered.
    file(&server, &alice, &filed[3]).await.assert_status(200);
    // The limit is per reporter.
    let carol = server.carol().await;
    file(&server, &carol, &report(bob.id(), None, vec![]))
        .await
        .assert_status(201);
    let mine: Vec<ReportView> = server.get("/v1/reports", alice.token()).await.ok(200);
    assert_eq!(mine.len(), 10);
    // Newest first.
    assert!(mine.windows(2).all(|w| w[0].id > w[1].id));
}

#[test]
fn the_report_window_slides_a_day_behind_each_report() {
    let t0 = 1_700_000_000_000;
    let dir = tempfile::tempdir().expect("a temporary data directory");
    let store = SqliteStore::open(dir.path()).expect("the store opens");
    let account = |handle: &str, seed: u8| NewAccount {
        handle: handle.into(),
        display_name: handle.into(),
        password_hash: "not a real hash".into(),
        device_name: "laptop".into(),
        token_hash: [seed; 32],
    };
    let (alice, _) = store
        .create_account(account("alice", 1), t0)
        .expect("Alice");
    let (bob, _) = store.create_account(account("bob", 2), t0).expect("Bob");
    let file = |at: i64| store.create_report(alice.user_id, report(bob.user_id, None, vec![]), at);
    const HOUR: i64 = 3_600_000;
    for n in 0..MAX_REPORTS_PER_WINDOW {
        let (_, created, deliveries) = file(t0 + n * HOUR).expect("within the limit");
        assert!(created);
        assert_eq!(deliveries.len(), 1, "the reporter's feed only");
        assert_eq!(deliveries[0].user, alice.user_id);
    }
    let refused_for = |result: Result<(ReportView, bool, Vec<_>), StoreError>| match result {
        Err(StoreError::Rejected {
            kind: RejectionKind::TooMany { retry_after_secs },
            code: "report_limit",
            ..
        }) => retry_after_secs,
        other => panic!("expected the report limit, got {other:?}"),
    };
    // At t0 + 10 h the eleventh waits for the first to leave: 14 hours.
    assert_eq!(refused_for(file(t0 + 10 * HOUR)), 14 * 3600);
    assert_eq!(refused_for(file(t0 + REPORT_WINDOW_MS - 1)), 1);
    let (_, created, _) = file(t0 + REPORT_WINDOW_MS).expect("the first left the window");
    assert!(created);
    assert_eq!(refused_for(file(t0 + REPORT_WINDOW_MS + 1)), 3600);
}

#[tokio::test]
async fn also_block_blocks_in_the_same_step() {
    let server = Server::start().await;
    let (alice, bob, direct, threat) = threat(&server).await;
    let request = ReportRequest {
        also_block: true,
        ..report(bob.id(), Some(direct), vec![evidence(&threat)])
    };
    let filed: ReportView = file(&server, &alice, &request).await.ok(201);
    let blocks: Vec<BlockChange> = server.get("/v1/blocks", alice.token()).await.ok(200);
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0].user_id, bob.id());
    assert_eq!(blocks[0].at, filed.created_at);
    let connections: Vec<candor_proto::Connection> =
        server.get("/v1/connections", bob.token()).await.ok(200);
    assert_eq!(connections[0].state, ConnectionState::Removed);
    server
        .post(
            &format!("/v1/conversations/{direct}/messages"),
            bob.token(),
            &text("Answer me"),
        )
        .await
        .assert_error(403, "recipient_unavailable");
    // Bob learns only that the connection ended, never about the report or
    // the block.
    nothing_told(&server.feed(&bob).await);
    // A retry does not block twice.
    file(&server, &alice, &request).await.assert_status(200);
    let feed = server.feed(&alice).await;
    assert_eq!(
        feed.iter()
            .filter(|e| matches!(e.event, EventPayload::Block(_)))
            .count(),
        1
    );
}

#[tokio::test]
async fn someone_who_blocked_you_can_still_be_reported() {
    let server = Server::start().await;
    let (alice, bob, direct, threat) = threat(&server).await;
    server
        .post(
            "/v1/blocks",
            bob.token(),
            &serde_json::json!({"user_id": alice.id()}),
        )
        .await
        .assert_status(200);
    file(
        &server,
        &alice,
        &report(bob.id(), Some(direct), vec![evidence(&threat)]),
    )
    .await
    .assert_status(201);
    nothing_told(
        &server
            .feed(&bob)
            .await
            .into_iter()
            .filter(|e| !matches!(e.event, EventPayload::Block(_)))
            .collect::<Vec<_>>(),
    );
}
