//! Moderation: the role given and taken with the real `candor-server admin`
//! binary on a running server's data directory; the moderators' API refused
//! to everyone else; each action taking effect at once (warn → a notice;
//! restrict → no new conversations or invitations while existing ones carry
//! on; suspend → every token 401 and every socket closed, sign-in 403); the
//! reporter following the outcome; the append-only audit table; and a
//! suspension made by the command reaching the running server's sockets
//! within `REVOCATION_POLL`, and so do the feed events the command appends
//! (the reporter's report status, the reported account's notice), each
//! pushed once.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use candor_proto::admin::{AccountSummary, AdminReport, ReportDetail};
use candor_proto::{
    ConversationId, EventPayload, EvidenceItem, FeedEvent, LiveFrame, Message, ModerationAction,
    ModerationNotice, ModerationRequest, ReportCategory, ReportRequest, ReportStatus, ReportView,
    SignInRequest,
};
use candor_server::REVOCATION_POLL;
use common::{next_live_frame, open_events, Person, Server, Socket, PASSWORD};
use serde_json::json;
use uuid::Uuid;

const BIN: &str = env!("CARGO_BIN_EXE_candor-server");
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Runs `candor-server admin --data-dir DIR ARGS…`; (exit code, stdout, stderr).
async fn admin(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = tokio::process::Command::new(BIN)
        .arg("admin")
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("CANDOR_DATA_DIR")
        .output()
        .await
        .expect("the admin command runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn admin_ok(dir: &Path, args: &[&str]) -> String {
    let (code, stdout, stderr) = admin(dir, args).await;
    assert_eq!(code, 0, "admin {args:?} failed: {stderr}");
    stdout
}

fn evidence(message: &Message) -> EvidenceItem {
    EvidenceItem {
        message_id: message.id,
        chain_hash: message.chain_hash.clone(),
        signature: message.signature.clone(),
    }
}

/// The people of a moderation story: Alice reports Bob's threat; Mia
/// moderates; Dave is connected to Bob without a conversation yet.
struct Story {
    alice: Person,
    bob: Person,
    mia: Person,
    dave: Person,
    direct: ConversationId,
    threat: Message,
    report: ReportView,
}

async fn story(server: &Server) -> Story {
    let alice = server.alice().await;
    let bob = server.bob().await;
    let mia = server.sign_up("mia", "Mia Moderator").await;
    let dave = server.sign_up("dave", "Dave Okafor").await;
    server.connect(&alice, &bob).await;
    server.connect(&dave, &bob).await;
    let direct = server.direct(&alice, &bob).await.id;
    for line in ["Morning", "Did you get the invoice?", "I did"] {
        let who = if line == "I did" { &bob } else { &alice };
        server.say(who, direct, line).await;
    }
    let threat = server
        .say(
            &bob,
            direct,
            "Pay me 2,000 EUR or I send your contract to everyone.",
        )
        .await;
    server.say(&alice, direct, "Please stop.").await;
    let report: ReportView = server
        .post(
            "/v1/reports",
            alice.token(),
            &ReportRequest {
                client_id: Uuid::now_v7(),
                reported: bob.id(),
                category: ReportCategory::Extortion,
                description: "He threatens to leak a contract unless I pay.".into(),
                conversation: Some(direct),
                evidence: vec![evidence(&threat)],
                also_block: false,
            },
        )
        .await
        .ok(201);
    let granted = admin_ok(server.data_dir(), &["grant-moderator", "mia"]).await;
    assert_eq!(granted, "mia is now a moderator.\n");
    Story {
        alice,
        bob,
        mia,
        dave,
        direct,
        threat,
        report,
    }
}

async fn act(server: &Server, who: &Person, report: i64, action: ModerationAction) -> ReportDetail {
    server
        .post(
            &format!("/v1/admin/reports/{report}/actions"),
            who.token(),
            &ModerationRequest {
                action,
                reason: "Threat of extortion, confirmed by the evidence".into(),
            },
        )
        .await
        .ok(200)
}

fn notices(feed: &[FeedEvent]) -> Vec<ModerationNotice> {
    feed.iter()
        .filter_map(|e| match &e.event {
            EventPayload::Notice(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

fn report_events(feed: &[FeedEvent]) -> Vec<ReportView> {
    feed.iter()
        .filter_map(|e| match &e.event {
            EventPayload::Report(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

async fn sign_in(server: &Server, handle: &str) -> common::Reply {
    server
        .post(
            "/v1/sessions",
            None,
            &SignInRequest {
                handle: handle.into(),
                password: PASSWORD.into(),
                device_name: "tablet".into(),
            },
        )
        .await
}

#[tokio::test]
async fn only_moderators_may_use_the_moderation_api() {
    let server = Server::start().await;
    let alice = server.alice().await;
    let mia = server.sign_up("mia", "Mia Moderator").await;
    let action = json!({"action": {"action": "dismiss"}, "reason": "No"});
    let routes = |report: i64| {
        [
            (reqwest::Method::GET, "/v1/admin/reports".to_owned()),
            (
                reqwest::Method::GET,
                "/v1/admin/reports?status=received".to_owned(),
            ),
            (reqwest::Method::GET, format!("/v1/admin/reports/{report}")),
            (
                reqwest::Method::POST,
                format!("/v1/admin/reports/{report}/actions"),
            ),
        ]
    };
    // Forbidden for a user, whether the report exists or not, and whatever
    // the request holds.
    let nonsense = json!({"action": {"action": "suspend", "days": 0}, "reason": ""});
    for who in [&alice, &mia] {
        for (method, path) in routes(1).into_iter().chain(routes(999)) {
            for body in [&action, &nonsense] {
                let builder = server
                    .request(method.clone(), &path, who.token())
                    .json(body);
                server.send(builder).await.assert_error(403, "forbidden");
            }
        }
    }

    // The real binary grants the role on the running server's database.
    let dir = server.data_dir();
    let out = admin_ok(dir, &["--json", "grant-moderator", "mia"]).await;
    let account: AccountSummary = serde_json::from_str(&out).expect("an AccountSummary");
    assert_eq!(account.handle, "mia");
    assert!(account.moderator);
    let queue: Vec<AdminReport> = server.get("/v1/admin/reports", mia.token()).await.ok(200);
    assert!(queue.is_empty());
    server
        .get("/v1/admin/reports/999", mia.token())
        .await
        .assert_error(404, "report_not_found");
    server
        .get("/v1/admin/reports?status=closed", mia.token())
        .await
        .assert_error(400, "invalid_query");
    // Alice is still refused.
    server
        .get("/v1/admin/reports", alice.token())
        .await
        .assert_error(403, "forbidden");

    // Taken away, it stops at the next request.
    let out = admin_ok(dir, &["revoke-moderator", "mia"]).await;
    assert_eq!(out, "mia is no longer a moderator.\n");
    server
        .get("/v1/admin/reports", mia.token())
        .await
        .assert_error(403, "forbidden");

    // Unknown handles and a missing database fail clearly.
    let (code, _, stderr) = admin(dir, &["grant-moderator", "nobody"]).await;
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "ERROR: No one has the handle nobody (user_not_found)\n"
    );
    let empty = tempfile::tempdir().expect("a temporary directory");
    let (code, _, stderr) = admin(empty.path(), &["reports", "list"]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("there is no Candor database"), "{stderr}");
    assert!(!empty.path().join("candor.sqlite3").exists());
}

#[tokio::test]
async fn every_action_takes_effect_at_once_and_the_reporter_follows_it() {
    let server = Server::start().await;
    let Story {
        alice,
        bob,
        mia,
        dave,
        direct,
        threat,
        report,
    } = story(&server).await;
    let bob_phone = server.sign_in(&bob, "phone").await;

    // The detail: the evidence as recorded, re-verified, with three
    // messages on each side (here three before and one after).
    let detail: ReportDetail = server
        .get(&format!("/v1/admin/reports/{}", report.id), mia.token())
        .await
        .ok(200);
    assert_eq!(detail.report, report);
    assert_eq!(detail.reporter.handle, "alice");
    assert_eq!(detail.reported.handle, "bob");
    assert_eq!(detail.evidence.len(), 1);
    let item = &detail.evidence[0];
    assert!(item.verified);
    assert_eq!(item.chain_hash, threat.chain_hash);
    assert_eq!(item.signature, threat.signature);
    assert_eq!(
        item.context.iter().map(|m| m.seq).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5]
    );
    let shown = item.context.iter().find(|m| m.evidence).expect("marked");
    assert_eq!(shown.message_id, threat.id);
    assert_eq!(shown.sender_handle, "bob");
    assert_eq!(shown.body, threat.body);
    assert_eq!(item.context[0].sender_handle, "alice");
    assert!(detail.other_reports.is_empty());
    assert!(detail.actions.is_empty());
    let queue: Vec<AdminReport> = server
        .get("/v1/admin/reports?status=received", mia.token())
        .await
        .ok(200);
    assert_eq!(queue.len(), 1);

    // Review: the reporter sees it is being looked at; Bob hears nothing.
    let reviewed = act(&server, &mia, report.id, ModerationAction::Review).await;
    assert_eq!(reviewed.report.status, ReportStatus::UnderReview);
    let seen = report_events(&server.feed(&alice).await);
    assert_eq!(
        seen.last().map(|r| r.status),
        Some(ReportStatus::UnderReview)
    );
    assert!(notices(&server.feed(&bob).await).is_empty());

    // Warn: a notice in Bob's feed that never names Alice.
    let warned = act(&server, &mia, report.id, ModerationAction::Warn).await;
    assert_eq!(warned.report.status, ReportStatus::ActionTaken);
    assert_eq!(
        warned.report.outcome.as_deref(),
        Some("The account was warned.")
    );
    let bob_notices = notices(&server.feed(&bob_phone).await);
    assert_eq!(bob_notices.len(), 1);
    assert_eq!(bob_notices[0].action, ModerationAction::Warn);
    for name in ["alice", "Alice", "Martin", "Threat of extortion"] {
        assert!(
            !bob_notices[0].text.contains(name),
            "{}",
            bob_notices[0].text
        );
    }
    let seen = report_events(&server.feed(&alice).await);
    assert_eq!(
        seen.last().and_then(|r| r.outcome.clone()).as_deref(),
        Some("The account was warned.")
    );

    // A resolved report cannot go back to review or be dismissed.
    for action in [ModerationAction::Review, ModerationAction::Dismiss] {
        server
            .post(
                &format!("/v1/admin/reports/{}/actions", report.id),
                mia.token(),
                &ModerationRequest {
                    action,
                    reason: "Second thoughts".into(),
                },
            )
            .await
            .assert_error(409, "report_resolved");
    }

    // Restrict for 7 days: no new conversation, group or invitation…
    let restricted = act(
        &server,
        &mia,
        report.id,
        ModerationAction::Restrict { days: 7 },
    )
    .await;
    assert_eq!(
        restricted.report.outcome.as_deref(),
        Some("The account was restricted for 7 days.")
    );
    let until = restricted.reported.restricted_until.expect("restricted");
    let notice = notices(&server.feed(&bob).await).pop().expect("a notice");
    assert_eq!(notice.action, ModerationAction::Restrict { days: 7 });
    assert_eq!(notice.until, Some(until));
    assert_eq!(until - notice.at, 7 * DAY_MS);
    for who in [&bob, &bob_phone] {
        let refused = [
            server
                .post(
                    "/v1/conversations/direct",
                    who.token(),
                    &json!({"peer": dave.id()}),
                )
                .await,
            server
                .post(
                    "/v1/conversations/group",
                    who.token(),
                    &json!({"title": "New", "members": [dave.id()]}),
                )
                .await,
            server
                .post("/v1/connections", who.token(), &json!({"handle": "mia"}))
                .await,
        ];
        for reply in refused {
            let message = reply.assert_error(403, "restricted");
            assert!(
                message.starts_with("Your account is restricted until "),
                "{message}"
            );
        }
    }
    // …while his existing conversations carry on, both ways, and others
    // may still start conversations with him.
    server.say(&bob, direct, "Fine.").await;
    server.say(&alice, direct, "Noted.").await;
    let with_dave = server.direct(&dave, &bob).await.id;
    server.say(&bob, with_dave, "Hi Dave").await;

    // Suspend for 30 days while Bob listens on two devices.
    let (mut laptop, _) = open_events(&server, &bob).await;
    let (mut phone, _) = open_events(&server, &bob_phone).await;
    let suspended = act(
        &server,
        &mia,
        report.id,
        ModerationAction::Suspend { days: 30 },
    )
    .await;
    assert_eq!(
        suspended.report.outcome.as_deref(),
        Some("The account was suspended for 30 days.")
    );
    // Both sockets close (after, perhaps, the notice).
    for socket in [&mut laptop, &mut phone] {
        loop {
            match next_live_frame(socket).await {
                None => break,
                Some(candor_proto::LiveFrame::Event(e)) => {
                    assert!(matches!(e.event, EventPayload::Notice(_)), "{e:?}");
                }
                Some(other) => panic!("unexpected {other:?}"),
            }
        }
    }
    // Every token fails at once; signing in is refused with the date.
    for who in [&bob, &bob_phone] {
        server
            .get("/v1/profile", who.token())
            .await
            .assert_error(401, "unauthorized");
    }
    let message = sign_in(&server, "bob").await.assert_error(403, "suspended");
    assert!(
        message.starts_with("This account is suspended until "),
        "{message}"
    );
    // A wrong password says nothing about the suspension.
    server
        .post(
            "/v1/sessions",
            None,
            &json!({"handle": "bob", "password": "wrong password!", "device_name": "x"}),
        )
        .await
        .assert_error(401, "invalid_credentials");

    // The reporter followed every step; the record holds every action.
    let statuses: Vec<(ReportStatus, Option<String>)> = report_events(&server.feed(&alice).await)
        .into_iter()
        .map(|r| (r.status, r.outcome))
        .collect();
    assert_eq!(
        statuses,
        vec![
            (ReportStatus::Received, None),
            (ReportStatus::UnderReview, None),
            (
                ReportStatus::ActionTaken,
                Some("The account was warned.".into())
            ),
            (
                ReportStatus::ActionTaken,
                Some("The account was restricted for 7 days.".into())
            ),
            (
                ReportStatus::ActionTaken,
                Some("The account was suspended for 30 days.".into())
            ),
        ]
    );
    let actions: Vec<(ModerationAction, String)> = suspended
        .actions
        .iter()
        .map(|a| (a.action, a.moderator.clone()))
        .collect();
    assert_eq!(
        actions,
        vec![
            (ModerationAction::Review, "mia".to_owned()),
            (ModerationAction::Warn, "mia".to_owned()),
            (ModerationAction::Restrict { days: 7 }, "mia".to_owned()),
            (ModerationAction::Suspend { days: 30 }, "mia".to_owned()),
        ]
    );
    // Bob's feed (read from the database: his tokens no longer work) holds
    // his notices and never a report event.
    let db = rusqlite::Connection::open(server.data_dir().join("candor.sqlite3"))
        .expect("the database opens");
    let kinds: Vec<String> = db
        .prepare(
            "SELECT json_extract(payload, '$.type') FROM feed
             WHERE user_id = ?1 AND payload != '' ORDER BY seq",
        )
        .expect("a statement")
        .query_map([bob.id().0], |r| r.get(0))
        .expect("rows")
        .collect::<rusqlite::Result<_>>()
        .expect("kinds");
    assert!(!kinds.iter().any(|k| k == "report"), "{kinds:?}");
    assert_eq!(kinds.iter().filter(|k| *k == "notice").count(), 3);
}

#[tokio::test]
async fn dismissal_bad_requests_and_conflicts_of_interest() {
    let server = Server::start().await;
    let Story {
        alice,
        bob,
        mia,
        report,
        ..
    } = story(&server).await;
    let path = format!("/v1/admin/reports/{}/actions", report.id);
    for (body, code) in [
        (
            json!({"action": {"action": "suspend", "days": 0}, "reason": "x"}),
            "invalid_days",
        ),
        (
            json!({"action": {"action": "restrict", "days": 3651}, "reason": "x"}),
            "invalid_days",
        ),
        (
            json!({"action": {"action": "warn"}, "reason": "  "}),
            "invalid_field",
        ),
    ] {
        server
            .post(&path, mia.token(), &body)
            .await
            .assert_error(422, code);
    }
    server
        .post(
            "/v1/admin/reports/999/actions",
            mia.token(),
            &json!({"action": {"action": "warn"}, "reason": "x"}),
        )
        .await
        .assert_error(404, "report_not_found");
    let dismissed = act(&server, &mia, report.id, ModerationAction::Dismiss).await;
    assert_eq!(dismissed.report.status, ReportStatus::Dismissed);
    assert_eq!(
        dismissed.report.outcome.as_deref(),
        Some("After review, no action was taken.")
    );
    assert!(notices(&server.feed(&bob).await).is_empty());

    // A report about the moderator herself is not hers to decide.
    server.connect(&bob, &mia).await;
    let with_mia = server.direct(&bob, &mia).await.id;
    let rude = server.say(&mia, with_mia, "Go away").await;
    let about_mia: ReportView = server
        .post(
            "/v1/reports",
            bob.token(),
            &ReportRequest {
                client_id: Uuid::now_v7(),
                reported: mia.id(),
                category: ReportCategory::Harassment,
                description: "Rude".into(),
                conversation: Some(with_mia),
                evidence: vec![evidence(&rude)],
                also_block: false,
            },
        )
        .await
        .ok(201);
    server
        .post(
            &format!("/v1/admin/reports/{}/actions", about_mia.id),
            mia.token(),
            &json!({"action": {"action": "dismiss"}, "reason": "Not rude"}),
        )
        .await
        .assert_error(403, "forbidden");
    // Both reports are in the queue, oldest first, with who filed them.
    let queue: Vec<AdminReport> = server.get("/v1/admin/reports", mia.token()).await.ok(200);
    assert_eq!(
        queue
            .iter()
            .map(|r| (r.report.id, r.reporter.user_id))
            .collect::<Vec<_>>(),
        vec![(report.id, alice.id()), (about_mia.id, bob.id())]
    );
}

#[tokio::test]
async fn the_audit_record_refuses_update_and_delete_and_no_route_changes_it() {
    let server = Server::start().await;
    let Story { mia, report, .. } = story(&server).await;
    act(&server, &mia, report.id, ModerationAction::Review).await;
    act(&server, &mia, report.id, ModerationAction::Warn).await;

    let db = rusqlite::Connection::open(server.data_dir().join("candor.sqlite3"))
        .expect("the database opens");
    db.busy_timeout(Duration::from_secs(10))
        .expect("a busy timeout");
    let count = |db: &rusqlite::Connection| -> i64 {
        db.query_row("SELECT COUNT(*) FROM moderation_actions", [], |r| r.get(0))
            .expect("a count")
    };
    assert_eq!(count(&db), 2);
    for sql in [
        "UPDATE moderation_actions SET reason = 'nothing happened'",
        "UPDATE moderation_actions SET action = '{\"action\":\"dismiss\"}' WHERE id = 1",
        "DELETE FROM moderation_actions",
        "DELETE FROM moderation_actions WHERE id = 2",
        "UPDATE report_evidence SET verified = 0",
        "DELETE FROM report_evidence",
    ] {
        let error = db.execute(sql, []).expect_err(sql).to_string();
        assert!(error.contains("append-only"), "{sql}: {error}");
    }
    assert_eq!(count(&db), 2);

    // No route changes it either: there is no method for it, and a
    // moderator's actions only ever add.
    for method in [
        reqwest::Method::PUT,
        reqwest::Method::PATCH,
        reqwest::Method::DELETE,
    ] {
        for path in [
            format!("/v1/admin/reports/{}", report.id),
            format!("/v1/admin/reports/{}/actions", report.id),
        ] {
            let builder = server
                .request(method.clone(), &path, mia.token())
                .json(&json!({}));
            server
                .send(builder)
                .await
                .assert_error(405, "method_not_allowed");
        }
    }
    act(
        &server,
        &mia,
        report.id,
        ModerationAction::Restrict { days: 1 },
    )
    .await;
    assert_eq!(count(&db), 3);
    let reasons: Vec<String> = db
        .prepare("SELECT reason FROM moderation_actions ORDER BY id")
        .expect("a statement")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<rusqlite::Result<_>>()
        .expect("reasons");
    assert!(reasons
        .iter()
        .all(|r| r == "Threat of extortion, confirmed by the evidence"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_command_resolves_reports_and_the_running_server_closes_sockets_in_time() {
    let server = Server::start().await;
    let Story {
        alice,
        bob,
        report,
        threat,
        ..
    } = story(&server).await;
    let dir = server.data_dir();
    let id = report.id.to_string();

    // list: aligned text, or JSON.
    let listed = admin_ok(dir, &["reports", "list"]).await;
    let mut lines = listed.lines();
    let header = lines.next().expect("a header");
    assert!(
        header.starts_with("ID  STATUS    CATEGORY   REPORTER  REPORTED  EVIDENCE  FILED"),
        "{listed}"
    );
    let row = lines.next().expect("a row");
    assert!(
        row.starts_with(&format!(
            "{id:<2}  received  extortion  alice     bob       1"
        )),
        "{listed}"
    );
    // Columns line up: each header starts where its cells start.
    assert_eq!(header.find("REPORTED"), row.find("bob"));
    let queue: Vec<AdminReport> =
        serde_json::from_str(&admin_ok(dir, &["reports", "list", "--json"]).await).expect("JSON");
    assert_eq!(queue[0].report, report);
    assert_eq!(
        admin_ok(dir, &["reports", "list", "--status", "dismissed"]).await,
        "No reports dismissed.\n"
    );
    assert_eq!(
        admin_ok(dir, &["reports", "list", "--status", "under_review"]).await,
        "No reports under review.\n"
    );
    let received: Vec<AdminReport> = serde_json::from_str(
        &admin_ok(dir, &["reports", "list", "--status", "received", "--json"]).await,
    )
    .expect("JSON");
    assert_eq!(received.len(), 1);

    // show: the evidence, its verification and the messages around it.
    let shown = admin_ok(dir, &["reports", "show", &id]).await;
    assert!(
        shown.starts_with(&format!("Report {id} · received\n")),
        "{shown}"
    );
    assert!(
        shown.contains("Reporter      alice (Alice Martin, user "),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("message {} · conversation", threat.id)),
        "{shown}"
    );
    assert!(
        shown.contains("VERIFIED: chain link and server signature check out"),
        "{shown}"
    );
    assert!(
        shown.contains("Pay me 2,000 EUR or I send your contract to everyone."),
        "{shown}"
    );
    assert!(shown.contains("Did you get the invoice?"), "{shown}");
    assert!(shown.contains("Moderation actions on bob (0)"), "{shown}");
    let detail: ReportDetail =
        serde_json::from_str(&admin_ok(dir, &["--json", "reports", "show", &id]).await)
            .expect("JSON");
    assert!(detail.evidence[0].verified);

    // resolve needs --days for a suspension, and a real report.
    let (code, _, _) = admin(
        dir,
        &[
            "reports", "resolve", &id, "--action", "suspend", "--reason", "x",
        ],
    )
    .await;
    assert_eq!(code, 2, "a usage error");
    let (code, _, stderr) = admin(
        dir,
        &[
            "reports", "resolve", "999", "--action", "warn", "--reason", "x",
        ],
    )
    .await;
    assert_eq!(
        (code, stderr.as_str()),
        (1, "ERROR: No such report (report_not_found)\n")
    );
    // On behalf of someone who is not a moderator: refused.
    let (code, _, stderr) = admin(
        dir,
        &[
            "reports",
            "resolve",
            &id,
            "--action",
            "warn",
            "--reason",
            "x",
            "--moderator",
            "alice",
        ],
    )
    .await;
    assert_eq!(code, 1);
    assert!(stderr.contains("alice is not a moderator"), "{stderr}");

    // A warning on behalf of Mia, recorded with her handle.
    let warned = admin_ok(
        dir,
        &[
            "reports",
            "resolve",
            &id,
            "--action",
            "warn",
            "--reason",
            "First warning",
            "--moderator",
            "mia",
        ],
    )
    .await;
    assert_eq!(
        warned,
        format!("Report {id} is now action taken: The account was warned.\n")
    );

    // Suspend from the command while Bob listens: his token fails at once,
    // and the running server closes his socket within REVOCATION_POLL.
    let (mut socket, _) = open_events(&server, &bob).await;
    let started = Instant::now();
    let out = admin_ok(
        dir,
        &[
            "reports",
            "resolve",
            &id,
            "--action",
            "suspend",
            "--days",
            "30",
            "--reason",
            "Extortion",
        ],
    )
    .await;
    assert_eq!(
        out,
        format!(
            "Report {id} is now action taken: The account was suspended for 30 days.\n\
             1 session of bob revoked; a running server closes their live connections within 2 s.\n"
        )
    );
    server
        .get("/v1/profile", bob.token())
        .await
        .assert_error(401, "unauthorized");
    let before_close = tokio::time::timeout(
        candor_server::REVOCATION_POLL + Duration::from_secs(3),
        async {
            // The server pushes the notices the command queued (the
            // warning's, if it has not yet, and perhaps the suspension's)
            // at the same look that closes the socket.
            let mut frames = Vec::new();
            while let Some(frame) = next_live_frame(&mut socket).await {
                frames.push(frame);
            }
            frames
        },
    )
    .await
    .expect("the socket closes within the documented delay");
    for frame in &before_close {
        assert!(
            matches!(
                frame,
                LiveFrame::Event(FeedEvent {
                    event: EventPayload::Notice(_),
                    ..
                })
            ),
            "only notices before the close: {before_close:?}"
        );
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed < candor_server::REVOCATION_POLL + Duration::from_secs(3),
        "{elapsed:?}"
    );
    sign_in(&server, "bob").await.assert_error(403, "suspended");

    // The reporter's feed has the outcome, the record names who acted.
    let seen = report_events(&server.feed(&alice).await);
    assert_eq!(
        seen.last().and_then(|r| r.outcome.clone()).as_deref(),
        Some("The account was suspended for 30 days.")
    );
    let shown = admin_ok(dir, &["reports", "show", &id]).await;
    assert!(shown.contains("Moderation actions on bob (2)"), "{shown}");
    assert!(shown.contains("suspended until"), "{shown}");
    let detail: ReportDetail =
        serde_json::from_str(&admin_ok(dir, &["--json", "reports", "show", &id]).await)
            .expect("JSON");
    let who: Vec<&str> = detail
        .actions
        .iter()
        .map(|a| a.moderator.as_str())
        .collect();
    assert_eq!(who, vec!["mia", "cli"]);
    assert!(notices(&server.feed(&alice).await).is_empty());
}

/// Every frame `socket` receives during `window`; it must stay open.
async fn frames_during(socket: &mut Socket, window: Duration) -> Vec<LiveFrame> {
    let until = tokio::time::Instant::now() + window;
    let mut frames = Vec::new();
    while let Ok(frame) = tokio::time::timeout_at(until, next_live_frame(socket)).await {
        frames.push(frame.expect("the socket stays open"));
    }
    frames
}

/// The next frame, which must come within `limit`.
async fn frame_within(socket: &mut Socket, limit: Duration) -> LiveFrame {
    tokio::time::timeout(limit, next_live_frame(socket))
        .await
        .unwrap_or_else(|_| panic!("no frame within {limit:?}"))
        .expect("the socket stays open")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_the_admin_command_appends_reach_live_sockets_once_within_the_poll() {
    let server = Server::start().await;
    let Story {
        alice,
        bob,
        direct,
        report,
        ..
    } = story(&server).await;
    let dir = server.data_dir();
    let id = report.id.to_string();
    let (mut alice_socket, alice_head) = open_events(&server, &alice).await;
    let (mut bob_socket, bob_head) = open_events(&server, &bob).await;

    // A moderator warns Bob from the command while both listen.
    admin_ok(
        dir,
        &[
            "reports",
            "resolve",
            &id,
            "--action",
            "warn",
            "--reason",
            "First warning",
        ],
    )
    .await;
    // The command committed before it exited: from here on, the server has
    // one poll interval (plus one look at the database) to push.
    let committed = Instant::now();
    let limit = REVOCATION_POLL + Duration::from_secs(2);
    let to_alice = frame_within(&mut alice_socket, limit).await;
    let to_bob = frame_within(&mut bob_socket, limit).await;
    let elapsed = committed.elapsed();
    assert!(elapsed < limit, "{elapsed:?}");

    // Alice's app sees the report's new status live, as her feed has it.
    let LiveFrame::Event(status) = to_alice else {
        panic!("not an event: {to_alice:?}");
    };
    assert_eq!(status.seq, alice_head + 1);
    let EventPayload::Report(view) = &status.event else {
        panic!("not the report: {status:?}");
    };
    assert_eq!(view.id, report.id);
    assert_eq!(view.status, ReportStatus::ActionTaken);
    assert_eq!(view.outcome.as_deref(), Some("The account was warned."));
    assert_eq!(server.feed(&alice).await.last(), Some(&status));
    // Bob's app sees the notice live, as his feed has it.
    let LiveFrame::Event(notice) = to_bob else {
        panic!("not an event: {to_bob:?}");
    };
    assert_eq!(notice.seq, bob_head + 1);
    assert!(
        matches!(&notice.event, EventPayload::Notice(n) if n.action == ModerationAction::Warn),
        "{notice:?}"
    );
    assert_eq!(server.feed(&bob).await.last(), Some(&notice));

    // Over the next two polls, each socket gets exactly one more frame: the
    // message the server stored and pushed itself. Neither the command's
    // events nor the server's own come a second time.
    let said = server.say(&alice, direct, "Thank you.").await;
    let window = 2 * REVOCATION_POLL + Duration::from_millis(500);
    let (to_alice, to_bob) = tokio::join!(
        frames_during(&mut alice_socket, window),
        frames_during(&mut bob_socket, window)
    );
    for (frames, seq) in [(to_alice, alice_head + 2), (to_bob, bob_head + 2)] {
        match frames.as_slice() {
            [LiveFrame::Event(FeedEvent {
                seq: pushed,
                event: EventPayload::Message(m),
            })] => {
                assert_eq!((*pushed, m.id), (seq, said.id));
            }
            other => panic!("expected the one message, got {other:?}"),
        }
    }
}
