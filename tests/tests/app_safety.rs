//! Blocking and reporting in the real window (WebDriver under Xvfb, a real
//! server, the real `candor-server admin` command): block from a profile and
//! see it enforced on the other side; report a message with evidence chosen
//! in the thread, resolve it on the command line, and watch the status change
//! in the reporter's app; report while the server is down and see it wait
//! under Safety, then reach the server once when it is back.

use std::time::Duration;

use candor_proto::{ConnectionState, ReportStatus};
use candor_tests::app::{
    app_binary, bob_connects_with_dana, open_conversation, sign_up_in_the_window, App, AppHome,
    APP_LOCK,
};
use candor_tests::{all_messages, init_tracing, Person, TestServer};
use fantoccini::Locator;

/// Runs `candor-server admin …` on the server's data directory.
fn admin(server: &TestServer, args: &[&str]) -> anyhow::Result<String> {
    let out = std::process::Command::new(app_binary().with_file_name("candor-server"))
        .arg("admin")
        .args(args)
        .arg("--data-dir")
        .arg(server.dir.path())
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    anyhow::ensure!(
        out.status.success(),
        "admin {args:?} failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(text)
}

#[tokio::test]
async fn blocking_from_a_profile_is_enforced_on_the_other_side() -> anyhow::Result<()> {
    init_tracing();
    let _serial = APP_LOCK.lock().await;
    let server = TestServer::start().await;
    let url = server.url();
    let bob = Person::sign_up(&url, "bob", "Bob Okafor").await;
    let home = AppHome::new();
    let app = App::launch(&home, &url).await?;
    sign_up_in_the_window(&app, &url).await?;
    let chat = bob_connects_with_dana(&app, &bob).await?;
    bob.client
        .send_text(chat, "You will regret not answering me.")
        .await?;

    // Dana opens Bob's profile from her connections and blocks him.
    app.click("open-connections").await?;
    let mut opened = false;
    for person in app
        .driver
        .find_all(Locator::Css("li.person button"))
        .await?
    {
        if person.text().await?.contains("Bob Okafor") {
            person.click().await?;
            opened = true;
            break;
        }
    }
    anyhow::ensure!(opened, "Bob is in Dana's connections");
    app.click("block-user").await?;
    let dialog = app.wait_for("block-dialog").await?;
    let says = dialog.text().await?;
    assert!(says.contains("They are not told"), "{says}");
    assert!(says.contains("history stays"), "{says}");
    app.screenshot("block-dialog").await?;
    app.click("confirm-block").await?;

    // Bob's side: the connection is gone and his messages are refused.
    let dana = app_user_id(&bob).await?;
    bob.wait_until("the connection was removed", |c| async move {
        c.connections()
            .await
            .unwrap_or_default()
            .iter()
            .any(|x| x.peer.user_id == dana && x.state == ConnectionState::Removed)
    })
    .await;
    bob.client.send_text(chat, "Hello?").await?;
    bob.wait_until("Bob's message was refused", |c| async move {
        c.pending(Some(chat)).await.is_ok_and(|p| {
            p.iter()
                .any(|m| m.error_code.as_deref() == Some("recipient_unavailable"))
        })
    })
    .await;
    assert!(
        bob.client.fetch_profile(dana).await.is_err(),
        "profile hidden"
    );

    // Dana's conversation says so, with Unblock, and keeps the history.
    open_conversation(&app, chat).await?;
    let banner = app.wait_for("blocked-banner").await?;
    assert!(banner.text().await?.contains("You blocked Bob Okafor"));
    assert!(
        app.all("composer").await?.is_empty(),
        "no composer while blocked"
    );
    app.wait_texts("message-body", "the history stays", |t| {
        t.iter().any(|b| b == "You will regret not answering me.")
    })
    .await?;
    app.screenshot("blocked").await?;

    // Unblocking restores the ability to connect, not the connection.
    app.click("unblock-user").await?;
    if app.exists("confirm-unblock").await {
        app.click("confirm-unblock").await?;
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while app.exists("blocked-banner").await {
        anyhow::ensure!(tokio::time::Instant::now() < deadline, "still blocked");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    bob.client.invite("dana").await?;
    app.quit().await?;
    server.stop().await;
    Ok(())
}

/// Opens the report dialog from a message's menu and fills it in as
/// extortion with `description` (the message is preselected as evidence).
async fn start_report(
    app: &App,
    message: candor_proto::MessageId,
    description: &str,
) -> anyhow::Result<()> {
    let row = app
        .wait_for_css(&format!(
            "[data-testid=\"message\"][data-message-id=\"{}\"]",
            message.0
        ))
        .await?;
    row.find(Locator::Css("[data-testid=\"message-actions\"]"))
        .await?
        .click()
        .await?;
    app.click("action-report").await?;
    app.wait_for("report-dialog").await?;
    app.click("report-category-extortion").await?;
    app.fill("report-description", description).await?;
    Ok(())
}

/// Dana's user id, as Bob knows it.
async fn app_user_id(bob: &Person) -> anyhow::Result<candor_proto::UserId> {
    bob.client
        .connections()
        .await?
        .into_iter()
        .find(|c| c.peer.handle == "dana")
        .map(|c| c.peer.user_id)
        .ok_or_else(|| anyhow::anyhow!("Dana is among Bob's connections"))
}

#[tokio::test]
async fn a_reported_message_is_resolved_on_the_command_line_and_the_reporter_sees_it(
) -> anyhow::Result<()> {
    init_tracing();
    let _serial = APP_LOCK.lock().await;
    let server = TestServer::start().await;
    let url = server.url();
    let bob = Person::sign_up(&url, "bob", "Bob Okafor").await;
    let home = AppHome::new();
    let app = App::launch(&home, &url).await?;
    sign_up_in_the_window(&app, &url).await?;
    let chat = bob_connects_with_dana(&app, &bob).await?;
    for text in [
        "I have the photos from the offsite.",
        "Transfer 5,000 EUR by Friday or they go to your manager.",
    ] {
        bob.client.send_text(chat, text).await?;
    }
    open_conversation(&app, chat).await?;
    app.wait_texts("message-body", "Bob's messages arrived", |t| t.len() >= 2)
        .await?;
    let messages = all_messages(&bob.client, chat).await;
    let (context, threat) = (messages[0].id, messages[1].id);

    // Report the threat, with the message before it as evidence too.
    start_report(
        &app,
        threat,
        "He demands money and threatens to send private photos to my manager.",
    )
    .await?;
    let option = |id: i64| format!("[data-testid=\"evidence-option\"][data-message-id=\"{id}\"]");
    // Each option is the checkbox of one message of the thread.
    let chosen = app.wait_for_css(&option(threat.0)).await?;
    assert_eq!(
        chosen.prop("checked").await?.as_deref(),
        Some("true"),
        "the reported message is preselected"
    );
    app.wait_for_css(&option(context.0)).await?.click().await?;
    app.screenshot("report").await?;
    app.click("submit-report").await?;

    // The report is received; the reporter follows it.
    app.wait_for_css("[data-testid=\"report-sent\"][data-status=\"received\"]")
        .await?;
    app.click("report-done").await?;
    app.click("open-reports").await?;
    app.wait_for_css("[data-testid=\"report-item\"][data-status=\"received\"]")
        .await?;

    // A moderator resolves it on the command line.
    let listed = admin(&server, &["reports", "list", "--json"])?;
    let reports: serde_json::Value = serde_json::from_str(&listed)?;
    let id = reports[0]["report"]["id"]
        .as_i64()
        .or_else(|| reports[0]["id"].as_i64())
        .ok_or_else(|| anyhow::anyhow!("a report id in {listed}"))?;
    let shown = admin(&server, &["reports", "show", &id.to_string()])?;
    assert!(shown.contains("VERIFIED"), "{shown}");
    assert!(shown.contains("Transfer 5,000 EUR"), "{shown}");
    admin(
        &server,
        &[
            "reports",
            "resolve",
            &id.to_string(),
            "--action",
            "suspend",
            "--days",
            "7",
            "--reason",
            "Extortion, verified evidence",
        ],
    )?;

    // The reporter's app shows the outcome live; the account is suspended.
    app.wait_for_css("[data-testid=\"report-item\"][data-status=\"action_taken\"]")
        .await?;
    app.wait_texts("report-outcome", "the outcome is shown", |t| {
        t.iter().any(|o| o.contains("suspended for 7 days"))
    })
    .await?;
    app.screenshot("report-resolved").await?;
    bob.wait_until("Bob's session ended", |c| async move {
        c.sync_now().await.is_err()
    })
    .await;
    // A new device of Dana's learns the status from her feed, too.
    let tablet = Person::sign_in(&url, "dana", candor_tests::app::DANA_PASSWORD).await;
    tablet
        .wait_until(
            "the report's status reached the new device",
            |c| async move {
                c.reports().await.is_ok_and(|r| {
                    r.first()
                        .is_some_and(|r| r.status == ReportStatus::ActionTaken)
                })
            },
        )
        .await;
    app.quit().await?;
    server.stop().await;
    Ok(())
}

#[tokio::test]
async fn a_report_made_offline_waits_under_safety_and_reaches_the_server_when_it_is_back(
) -> anyhow::Result<()> {
    init_tracing();
    let _serial = APP_LOCK.lock().await;
    let server = TestServer::start().await;
    let (url, addr) = (server.url(), server.server.addr);
    let bob = Person::sign_up(&url, "bob", "Bob Okafor").await;
    let home = AppHome::new();
    let app = App::launch(&home, &url).await?;
    sign_up_in_the_window(&app, &url).await?;
    let chat = bob_connects_with_dana(&app, &bob).await?;
    bob.client
        .send_text(
            chat,
            "Send me 2,000 EUR or I forward your message to the whole board.",
        )
        .await?;
    open_conversation(&app, chat).await?;
    app.wait_texts("message-body", "Bob's message arrived", |t| !t.is_empty())
        .await?;
    let threat = all_messages(&bob.client, chat).await[0].id;

    // The server goes away (Dana is on a train); she reports Bob anyway,
    // and blocks him in the same step.
    let data = server.stop().await;
    start_report(
        &app,
        threat,
        "He demands money and threatens to forward my message to the board.",
    )
    .await?;
    app.click("report-also-block").await?;
    app.click("submit-report").await?;
    let queued = app.wait_for("report-queued").await?;
    let says = queued.text().await?;
    assert!(says.contains("Waiting to send"), "{says}");
    app.screenshot("report-queued").await?;
    app.click("report-follow").await?;

    // Safety lists it as waiting; Bob is blocked on this device already.
    let item = app
        .wait_for_css(
            "[data-testid=\"queued-safety-item\"][data-action=\"report\"][data-state=\"waiting\"]",
        )
        .await?;
    let says = item.text().await?;
    assert!(says.contains("Bob Okafor"), "{says}");
    app.wait_for_css("[data-testid=\"blocked-person\"][data-pending=\"true\"]")
        .await?;
    app.screenshot("safety-waiting").await?;

    // The server is back: the report is sent once, the block with it.
    let server = TestServer::start_at(data, addr).await;
    app.wait_for_css("[data-testid=\"report-item\"][data-status=\"received\"]")
        .await?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while app.exists("queued-safety-item").await {
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "the queue still shows an item"
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    app.wait_for_css("[data-testid=\"blocked-person\"][data-pending=\"false\"]")
        .await?;
    let listed = admin(&server, &["reports", "list", "--json"])?;
    let reports: serde_json::Value = serde_json::from_str(&listed)?;
    assert_eq!(
        reports.as_array().map(Vec::len),
        Some(1),
        "exactly one report: {listed}"
    );
    let dana = app_user_id(&bob).await?;
    bob.wait_until("the block reached Bob's side", |c| async move {
        c.connections()
            .await
            .unwrap_or_default()
            .iter()
            .any(|x| x.peer.user_id == dana && x.state == ConnectionState::Removed)
    })
    .await;
    app.quit().await?;
    server.stop().await;
    Ok(())
}
