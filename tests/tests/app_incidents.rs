//! Guided damage control in the real window (WebDriver under Xvfb, a real
//! server, a real session bus): the wrong-person path from "Something is
//! wrong" to a resolved incident, an urgent notice raising critical
//! notifications that repeat until it is read, and "Call" handing a tel: URL
//! to the system's handler.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use candor_core::Outgoing;
use candor_proto::{ConversationId, MessageKind, ProfileUpdate};
use candor_tests::app::{
    bob_connects_with_dana, open_conversation, sign_up_in_the_window, App, AppHome, APP_LOCK,
    DANA_PASSWORD,
};
use candor_tests::{all_messages, init_tracing, Person, TestServer};
use fantoccini::Locator;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

fn css_step(id: &str) -> String {
    format!("[data-testid=\"step\"][data-step-id=\"{id}\"]")
}

async fn click_in(app: &App, container_css: &str, testid: &str) -> anyhow::Result<()> {
    app.wait_for_css(container_css)
        .await?
        .find(Locator::Css(&format!("[data-testid=\"{testid}\"]")))
        .await?
        .click()
        .await?;
    Ok(())
}

/// Opens "Something is wrong with this message" on Dana's newest message and
/// starts an incident of `case`.
async fn start_incident(app: &App, case: &str) -> anyhow::Result<()> {
    let rows = app.all("message").await?;
    let mine = rows.last().expect("Dana's message is on screen");
    mine.find(Locator::Css("[data-testid=\"message-actions\"]"))
        .await?
        .click()
        .await?;
    app.click("action-something-wrong").await?;
    app.wait_for("something-wrong-dialog").await?;
    app.click(&format!("case-{case}")).await?;
    app.screenshot("something-wrong").await?;
    app.click("start-incident").await?;
    app.wait_for("incident-detail").await?;
    Ok(())
}

async fn step_status(app: &App, id: &str) -> anyhow::Result<String> {
    Ok(app
        .wait_for_css(&css_step(id))
        .await?
        .attr("data-status")
        .await?
        .unwrap_or_default())
}

async fn wait_step_done(app: &App, id: &str) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while step_status(app, id).await? != "done" {
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "step {id} was not marked done"
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    Ok(())
}

#[tokio::test]
async fn the_wrong_person_path_ends_in_a_resolved_incident() -> anyhow::Result<()> {
    init_tracing();
    let _serial = APP_LOCK.lock().await;
    let server = TestServer::start().await;
    let url = server.url();
    let bob = Person::sign_up(&url, "bob", "Bob Okafor").await;
    let carol = Person::sign_up(&url, "carol", "Carol Jensen").await;
    let home = AppHome::new();
    let app = App::launch(&home, &url).await?;
    sign_up_in_the_window(&app, &url).await?;
    let with_bob = bob_connects_with_dana(&app, &bob).await?;
    bob_connects_with_dana(&app, &carol).await?;
    open_conversation(&app, with_bob).await?;

    // Meant for Carol, sent to Bob.
    let text = "Carol, the shortlist for the audit lead role is Ahmed, Jo and Priya.";
    app.send_message(text).await?;
    bob.wait_until("the message reached Bob", |c| async move {
        all_messages(&c, with_bob)
            .await
            .iter()
            .any(|m| m.body == text)
    })
    .await;

    start_incident(&app, "wrong_person").await?;
    app.screenshot("incident").await?;

    // Ask Bob to disregard it: a retraction linked to the original.
    click_in(&app, &css_step("retract"), "step-send").await?;
    wait_step_done(&app, "retract").await?;
    bob.wait_until("the retraction reached Bob", |c| async move {
        let all = all_messages(&c, with_bob).await;
        let original = all.iter().find(|m| m.body == text).map(|m| m.id);
        all.iter()
            .any(|m| m.kind == MessageKind::Retraction && m.reference == original)
    })
    .await;

    // Send it to the right person: the text goes to Carol's conversation.
    let pick = app
        .wait_for_css(&format!(
            "{} [data-testid=\"step-pick-person\"]",
            css_step("send-to-right-person")
        ))
        .await?;
    pick.select_by_value(&carol.profile.user_id.0.to_string())
        .await?;
    click_in(
        &app,
        &css_step("send-to-right-person"),
        "step-open-with-text",
    )
    .await?;
    let composer = app.wait_for("composer").await?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while composer.prop("value").await?.unwrap_or_default() != text {
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "the text did not arrive in Carol's composer"
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    app.send_composed(text).await?;
    carol
        .wait_until("the message reached Carol", |c| async move {
            let conversations = c.conversations().await.unwrap_or_default();
            for summary in conversations {
                if all_messages(&c, summary.id)
                    .await
                    .iter()
                    .any(|m| m.body == text)
                {
                    return true;
                }
            }
            false
        })
        .await;

    // Every required step is done: the incident is resolved.
    app.click("open-incidents").await?;
    app.wait_for("incident-item").await?.click().await?;
    app.wait_for_css("[data-testid=\"incident-detail\"][data-resolved=\"true\"]")
        .await?;
    app.wait_for("incident-resolved").await?;
    app.screenshot("incident-resolved").await?;
    app.quit().await?;
    server.stop().await;
    Ok(())
}

/// Collects the session bus's Notify calls, one string per call.
fn watch_notifications() -> anyhow::Result<(tokio::process::Child, Arc<Mutex<Vec<String>>>)> {
    let mut monitor = Command::new("dbus-monitor")
        .args([
            "--session",
            "type=method_call,interface=org.freedesktop.Notifications,member=Notify",
        ])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let calls = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut lines = BufReader::new(monitor.stdout.take().expect("stdout")).lines();
    let sink = Arc::clone(&calls);
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            let Ok(mut calls) = sink.lock() else { return };
            if line.starts_with("method call") {
                calls.push(String::new());
            }
            if let Some(last) = calls.last_mut() {
                last.push_str(&line);
                last.push('\n');
            }
        }
    });
    Ok((monitor, calls))
}

/// Notify calls so far that are critical and about the urgent notice.
fn critical(calls: &Mutex<Vec<String>>) -> usize {
    calls
        .lock()
        .map(|c| {
            c.iter()
                .filter(|call| {
                    let flat = call.split_whitespace().collect::<Vec<_>>().join(" ");
                    flat.contains("do NOT pay")
                        && flat.contains("string \"urgency\" variant byte 2")
                })
                .count()
        })
        .unwrap_or(0)
}

async fn wait_for_critical(calls: &Mutex<Vec<String>>, n: usize) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while critical(calls) < n {
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "saw {} critical notifications, waited for {n}",
            critical(calls)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(())
}

#[tokio::test]
async fn an_urgent_notice_notifies_critically_repeats_and_stops_once_read() -> anyhow::Result<()> {
    init_tracing();
    let _serial = APP_LOCK.lock().await;
    candor_tests::app::require_desktop();
    let (mut monitor, calls) = watch_notifications()?;
    let mut dunst = Command::new("dunst")
        .args(["-config", "/dev/null"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()?;

    let server = TestServer::start().await;
    let url = server.url();
    let bob = Person::sign_up(&url, "bob", "Bob Okafor").await;
    let home = AppHome::new();
    // Repeats every 5 s instead of 2 minutes, so the test sees two of them.
    let app = App::launch_with(&home, &url, &[("CANDOR_URGENT_REPEAT_SECONDS", "5")]).await?;
    sign_up_in_the_window(&app, &url).await?;
    let chat: ConversationId = bob_connects_with_dana(&app, &bob).await?;
    bob.client
        .send_text(chat, "Please pay invoice 7731 today.")
        .await?;
    bob.wait_for_messages(chat, 1).await;
    let original = all_messages(&bob.client, chat).await[0].id;
    bob.client
        .send(
            chat,
            Outgoing::referring(
                MessageKind::Urgent,
                original,
                "Urgent: do NOT pay invoice 7731, the bank details are forged.",
            ),
        )
        .await?;

    // A critical notification at once, then repeats.
    wait_for_critical(&calls, 3).await?;

    // Dana reads it on her other device; the repeats stop here too.
    let phone = Person::sign_in(&url, "dana", DANA_PASSWORD).await;
    phone.wait_for_messages(chat, 2).await;
    phone.client.mark_read(chat, 2).await?;
    app.wait_texts("unread-badge", "the conversation shows as read", |t| {
        t.is_empty()
    })
    .await?;
    // Allow a repeat already on its way, then nothing more.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let settled = critical(&calls);
    tokio::time::sleep(Duration::from_secs(12)).await;
    assert_eq!(critical(&calls), settled, "no repeats once read");
    app.quit().await?;
    server.stop().await;
    let _ = dunst.start_kill();
    let _ = monitor.start_kill();
    Ok(())
}

#[tokio::test]
async fn call_hands_the_number_to_the_systems_tel_handler() -> anyhow::Result<()> {
    init_tracing();
    let _serial = APP_LOCK.lock().await;
    let server = TestServer::start().await;
    let url = server.url();
    let bob = Person::sign_up(&url, "bob", "Bob Okafor").await;
    bob.client
        .update_profile(ProfileUpdate {
            display_name: None,
            headline: None,
            phone: Some("+44 20 7946 0958".to_owned()),
        })
        .await?;
    let home = AppHome::new();

    // A tel: handler registered the freedesktop way, in the app's own XDG dirs.
    let root = home.root.path();
    let received = root.join("tel-received.txt");
    let handler = root.join("tel-handler.sh");
    std::fs::write(
        &handler,
        format!("#!/bin/sh\necho \"$1\" >> '{}'\n", received.display()),
    )?;
    std::fs::set_permissions(
        &handler,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )?;
    std::fs::create_dir_all(root.join("xdg-data/applications"))?;
    std::fs::write(
        root.join("xdg-data/applications/candor-test-tel.desktop"),
        format!(
            "[Desktop Entry]\nType=Application\nName=Test phone\nExec={} %u\nMimeType=x-scheme-handler/tel;\nNoDisplay=true\n",
            handler.display()
        ),
    )?;
    std::fs::create_dir_all(root.join("xdg-config"))?;
    std::fs::write(
        root.join("xdg-config/mimeapps.list"),
        "[Default Applications]\nx-scheme-handler/tel=candor-test-tel.desktop\n",
    )?;

    let app = App::launch(&home, &url).await?;
    sign_up_in_the_window(&app, &url).await?;
    let chat = bob_connects_with_dana(&app, &bob).await?;
    open_conversation(&app, chat).await?;
    app.send_message("Please approve the transfer to the new supplier account.")
        .await?;
    bob.wait_for_messages(chat, 1).await;

    start_incident(&app, "time_sensitive").await?;
    click_in(&app, &css_step("call"), "step-call").await?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let got = loop {
        if let Ok(text) = std::fs::read_to_string(&received) {
            if !text.trim().is_empty() {
                break text;
            }
        }
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "the tel: handler received nothing"
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    };
    assert_eq!(got.trim(), "tel:+442079460958");

    // The outcome is recorded with the step.
    click_in(&app, &css_step("call"), "call-outcome-voicemail").await?;
    wait_step_done(&app, "call").await?;
    app.screenshot("incident-call").await?;
    app.quit().await?;
    server.stop().await;
    Ok(())
}
