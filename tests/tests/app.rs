//! The desktop app in its real window, driven through WebDriver under Xvfb,
//! against a real server on a loopback port. Bob is a real core client on
//! the other side. Notifications are read off the session bus; the token
//! lives in the session's real Secret Service.

use std::time::Duration;

use candor_tests::app::{
    bob_connects_with_dana, open_conversation, sign_up_in_the_window, wait_for_window_title, App,
    AppHome, APP_LOCK, DANA_PASSWORD,
};
use candor_tests::{all_messages, init_tracing, Person, TestServer};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

async fn send_in_window(app: &App, text: &str) -> anyhow::Result<()> {
    app.send_message(text).await
}

#[tokio::test]
async fn a_new_user_signs_up_talks_live_and_is_signed_in_again_after_a_restart(
) -> anyhow::Result<()> {
    init_tracing();
    let _serial = APP_LOCK.lock().await;
    let server = TestServer::start().await;
    let url = server.url();
    let bob = Person::sign_up(&url, "bob", "Bob Okafor").await;
    let home = AppHome::new();

    let app = App::launch(&home, &url).await?;
    app.screenshot("setup").await?;
    sign_up_in_the_window(&app, &url).await?;
    let chat = bob_connects_with_dana(&app, &bob).await?;

    // Bob writes; it appears live in Dana's window.
    bob.client
        .send_text(
            chat,
            "Hi Dana, could you review the supplier contract today?",
        )
        .await?;
    open_conversation(&app, chat).await?;
    app.wait_texts("message-body", "Bob's message appears", |t| {
        t.iter()
            .any(|b| b == "Hi Dana, could you review the supplier contract today?")
    })
    .await?;

    // Dana answers from the composer; Bob receives it.
    send_in_window(&app, "Yes, I'll send comments by 4 pm.").await?;
    bob.wait_until("Dana's answer arrives", |c| async move {
        all_messages(&c, chat)
            .await
            .iter()
            .any(|m| m.body == "Yes, I'll send comments by 4 pm.")
    })
    .await;
    app.wait_texts(
        "message-body",
        "Dana's own message shows as delivered",
        |t| t.iter().any(|b| b == "Yes, I'll send comments by 4 pm."),
    )
    .await?;

    // Hostile text is shown as text and runs nothing.
    let payload =
        "<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=2</script><b>bold</b>";
    bob.client.send_text(chat, payload).await?;
    app.wait_texts("message-body", "the payload appears as literal text", |t| {
        t.iter().any(|b| b == payload)
    })
    .await?;
    let pwned = app
        .driver
        .execute("return window.__pwned === undefined", vec![])
        .await?;
    assert_eq!(pwned, serde_json::Value::Bool(true), "no script ran");
    let injected = app
        .driver
        .execute(
            "return document.querySelectorAll('[data-testid=\"message-body\"] img, [data-testid=\"message-body\"] script, [data-testid=\"message-body\"] b').length",
            vec![],
        )
        .await?;
    assert_eq!(
        injected,
        serde_json::json!(0),
        "no element was created from message text"
    );
    app.screenshot("conversation").await?;
    app.quit().await?;

    // The token is in the Secret Service, and nowhere in the mirror.
    let secret = Command::new("secret-tool")
        .args([
            "search",
            "--all",
            "--unlock",
            "service",
            "app.candor.desktop",
        ])
        .output()
        .await?;
    let listing = String::from_utf8_lossy(&secret.stdout).to_string()
        + &String::from_utf8_lossy(&secret.stderr);
    let token = listing
        .lines()
        .find_map(|l| l.strip_prefix("secret = "))
        .map(str::to_owned)
        .expect("the token is in the keychain");
    assert!(token.starts_with("cnd_"));
    for entry in std::fs::read_dir(home.data_dir())? {
        let bytes = std::fs::read(entry?.path())?;
        assert!(
            !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
            "the token must not be written to the mirror"
        );
    }

    // Restart: signed in silently from the keychain, history on screen.
    let app = App::launch(&home, &url).await?;
    app.wait_for("conversation-list").await?;
    assert!(
        app.all("setup-screen").await?.is_empty(),
        "no sign-in screen after restart"
    );
    open_conversation(&app, chat).await?;
    app.wait_texts("message-body", "history is there after restart", |t| {
        t.len() >= 3
    })
    .await?;
    app.quit().await?;
    server.stop().await;
    Ok(())
}

#[tokio::test]
async fn with_the_server_down_history_reads_searches_and_the_outbox_delivers_later(
) -> anyhow::Result<()> {
    init_tracing();
    let _serial = APP_LOCK.lock().await;
    let server = TestServer::start().await;
    let addr = server.server.addr;
    let url = server.url();
    let bob = Person::sign_up(&url, "bob", "Bob Okafor").await;
    let home = AppHome::new();
    let app = App::launch(&home, &url).await?;
    sign_up_in_the_window(&app, &url).await?;
    let chat = bob_connects_with_dana(&app, &bob).await?;
    for text in [
        "The Malmö workshop invoice is attached.",
        "Søren approved the budget for Q1.",
    ] {
        bob.client.send_text(chat, text).await?;
    }
    open_conversation(&app, chat).await?;
    app.wait_texts("message-body", "both messages arrived", |t| t.len() >= 2)
        .await?;

    // The server goes away.
    let data = server.stop().await;
    app.wait_texts("sync-status", "the app shows it is offline", |t| {
        t.iter().any(|s| s.to_lowercase().contains("offline"))
    })
    .await?;

    // Search works offline, diacritics folded.
    app.click("open-search").await?;
    app.fill("search-input", "soren budget").await?;
    app.wait_texts("search-result", "the search finds Søren's message", |t| {
        t.len() == 1 && t[0].contains("budget")
    })
    .await?;
    app.screenshot("search").await?;
    app.wait_for("search-result").await?.click().await?;
    app.wait_texts("message-body", "the result opens in context", |t| {
        t.iter().any(|b| b.contains("Søren approved"))
    })
    .await?;

    // A message written offline waits visibly in the outbox.
    send_in_window(&app, "Thanks, I'll file it tomorrow.").await?;
    let pending = app.wait_for("pending-message").await?;
    let state = pending.attr("data-state").await?.unwrap_or_default();
    assert!(
        state == "waiting" || state == "sending",
        "an offline message waits to be sent (state {state})"
    );
    app.screenshot("offline").await?;

    // The server returns on the same address; the message is delivered.
    let server = candor_server::spawn(candor_tests::test_config(data.path()), addr).await?;
    bob.wait_until("Dana's offline message arrives", |c| async move {
        all_messages(&c, chat)
            .await
            .iter()
            .any(|m| m.body == "Thanks, I'll file it tomorrow.")
    })
    .await;
    app.wait_texts("pending-message", "the outbox empties", |t| t.is_empty())
        .await?;
    app.wait_texts(
        "message-body",
        "the delivered message is in the thread",
        |t| t.iter().any(|b| b == "Thanks, I'll file it tomorrow."),
    )
    .await?;
    app.quit().await?;
    server.stop().await?;
    Ok(())
}

#[tokio::test]
async fn an_incoming_message_raises_a_desktop_notification() -> anyhow::Result<()> {
    init_tracing();
    let _serial = APP_LOCK.lock().await;
    candor_tests::app::require_desktop();
    // Watch the session bus for notification calls, and run a notification
    // daemon to answer them.
    let mut monitor = Command::new("dbus-monitor")
        .args([
            "--session",
            "type=method_call,interface=org.freedesktop.Notifications,member=Notify",
        ])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut dunst = Command::new("dunst")
        .args(["-config", "/dev/null"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let mut lines = BufReader::new(monitor.stdout.take().expect("stdout")).lines();

    let server = TestServer::start().await;
    let url = server.url();
    let bob = Person::sign_up(&url, "bob", "Bob Okafor").await;
    let home = AppHome::new();
    let app = App::launch(&home, &url).await?;
    sign_up_in_the_window(&app, &url).await?;
    let chat = bob_connects_with_dana(&app, &bob).await?;
    // Dana is not looking at the conversation.
    bob.client
        .send_text(chat, "The client moved the meeting to 3 pm.")
        .await?;

    // A Notify call carries the app name, the sender and the preview.
    let mut call = Vec::new();
    let found = tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.starts_with("method call") {
                call.clear();
            }
            call.push(line);
            let text = call.join("\n");
            // The hints (urgency) follow the body in the same call.
            if text.contains("The client moved the meeting to 3 pm.")
                && text.contains("\"urgency\"")
            {
                return Some(text);
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
    .expect("a Notify call was observed on the session bus");
    assert!(found.contains("string \"Candor\""), "{found}");
    assert!(found.contains("string \"Bob Okafor\""), "{found}");
    assert!(found.contains("\"urgency\""), "{found}");
    // The taskbar shows the unread message in the window's title, until
    // Dana reads it.
    wait_for_window_title("(1) Candor").await?;
    open_conversation(&app, chat).await?;
    wait_for_window_title("Candor").await?;
    app.quit().await?;
    server.stop().await;
    let _ = dunst.start_kill();
    let _ = monitor.start_kill();
    Ok(())
}

/// Starts a notification daemon and pauses it, so screenshots show only the
/// window.
async fn quiet_notifications() -> anyhow::Result<tokio::process::Child> {
    let dunst = Command::new("dunst")
        .args(["-config", "/dev/null"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let paused = Command::new("dunstctl")
            .args(["set-paused", "true"])
            .stderr(std::process::Stdio::null())
            .status()
            .await?;
        if paused.success() {
            return Ok(dunst);
        }
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "dunst did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn corrections_are_shown_beside_the_original_and_the_main_screens_render(
) -> anyhow::Result<()> {
    init_tracing();
    let _serial = APP_LOCK.lock().await;
    candor_tests::app::require_desktop();
    let _dunst = quiet_notifications().await?;
    let server = TestServer::start().await;
    let url = server.url();
    let bob = Person::sign_up(&url, "bob", "Bob Okafor").await;
    let carol = Person::sign_up(&url, "carol", "Carol Søndergaard").await;
    let home = AppHome::new();
    let app = App::launch(&home, &url).await?;
    sign_up_in_the_window(&app, &url).await?;
    let chat = bob_connects_with_dana(&app, &bob).await?;
    carol.client.invite("dana").await?;
    candor_tests::connect(&bob, &carol).await;

    for text in [
        "Morning Dana — the revised quote from Nordlicht came in last night.",
        "Total is 48,200 EUR including installation, delivery in week 51.",
    ] {
        bob.client.send_text(chat, text).await?;
    }
    bob.wait_for_messages(chat, 2).await;
    let wrong = all_messages(&bob.client, chat).await[1].id;
    bob.client
        .send(
            chat,
            candor_core::Outgoing::correction(
                wrong,
                "Correction: delivery is in week 2, not week 51.",
                "The delivery week",
                "Week 2 (6–10 January), after the holiday freeze",
            ),
        )
        .await?;
    open_conversation(&app, chat).await?;
    send_in_window(&app, "Thanks for correcting it straight away, Bob.").await?;

    // The original stays as it was, annotated, and the correction carries
    // both of its fields.
    let rows = app
        .wait_texts(
            "message",
            "the correction and its annotation are shown",
            |t| {
                // Labels are upper-cased by CSS; WebDriver reports what shows.
                t.iter()
                    .any(|r| r.contains("week 51") && r.to_lowercase().contains("corrected"))
                    && t.iter().any(|r| {
                        r.to_lowercase().contains("corrects bob okafor's message")
                            && r.contains("The delivery week")
                            && r.contains("Week 2 (6–10 January)")
                    })
            },
        )
        .await?;
    // The original carries the correction beneath it, with a way to it.
    assert!(rows.iter().any(|r| r.contains("Go to correction")));
    app.screenshot("conversation").await?;

    app.click("open-search").await?;
    app.fill("search-input", "nordlicht quote").await?;
    app.wait_texts("search-result", "the search finds the quote", |t| {
        !t.is_empty()
    })
    .await?;
    app.screenshot("search").await?;
    app.driver
        .active_element()
        .await?
        .send_keys(fantoccini::key::Key::Escape.to_string().as_str())
        .await?;

    app.click("open-connections").await?;
    app.wait_for("accept-invitation").await?;
    app.screenshot("connections").await?;
    app.driver
        .active_element()
        .await?
        .send_keys(fantoccini::key::Key::Escape.to_string().as_str())
        .await?;

    app.click("open-settings").await?;
    app.wait_for("sign-out").await?;
    app.screenshot("settings").await?;

    app.quit().await?;
    server.stop().await;
    Ok(())
}

#[tokio::test]
async fn a_tampered_history_shows_a_warning_that_cannot_be_dismissed() -> anyhow::Result<()> {
    init_tracing();
    let _serial = APP_LOCK.lock().await;
    candor_tests::app::require_desktop();
    let _dunst = quiet_notifications().await?;
    let server = TestServer::start().await;
    let addr = server.server.addr;
    let url = server.url();
    let bob = Person::sign_up(&url, "bob", "Bob Okafor").await;
    let home = AppHome::new();
    let app = App::launch(&home, &url).await?;
    sign_up_in_the_window(&app, &url).await?;
    let chat = bob_connects_with_dana(&app, &bob).await?;
    bob.client
        .send_text(chat, "We agreed on 42,000 EUR.")
        .await?;
    bob.wait_for_messages(chat, 1).await;
    app.quit().await?;

    // History is rewritten on the server's disk while it is down.
    let data = server.stop().await;
    {
        let db = rusqlite::Connection::open(data.path().join("candor.sqlite3"))?;
        db.execute_batch(
            "DROP TRIGGER messages_no_update;
             UPDATE messages SET body = 'We agreed on 24,000 EUR.' WHERE seq = 1;",
        )?;
    }
    let server = candor_server::spawn(candor_tests::test_config(data.path()), addr).await?;

    // Dana signs in on a new computer and downloads the altered history.
    let new_home = AppHome::new();
    let app = App::launch(&new_home, &url).await?;
    app.wait_for("setup-screen").await?;
    app.click("mode-sign-in").await?;
    app.fill("server-url", &url).await?;
    app.fill("handle", "dana").await?;
    app.fill("password", DANA_PASSWORD).await?;
    app.fill("device-name", "Dana's laptop").await?;
    app.click("submit-auth").await?;
    open_conversation(&app, chat).await?;
    let warning = app.wait_for("integrity-warning").await?;
    assert!(warning.text().await?.to_lowercase().contains("verif"));
    // There is nothing to close it with.
    assert!(
        warning
            .find_all(fantoccini::Locator::Css("button"))
            .await?
            .is_empty(),
        "the warning has no dismiss button"
    );
    app.screenshot("integrity").await?;
    app.quit().await?;
    server.stop().await?;
    Ok(())
}

#[tokio::test]
async fn starting_the_app_twice_keeps_one_window() -> anyhow::Result<()> {
    init_tracing();
    let _serial = APP_LOCK.lock().await;
    let server = TestServer::start().await;
    let url = server.url();
    let home = AppHome::new();
    let app = App::launch(&home, &url).await?;
    app.wait_for("setup-screen").await?;
    let first = candor_tests::app::app_pids();
    assert_eq!(first.len(), 1);

    // A second start hands over to the running window and exits.
    let status = tokio::time::timeout(
        Duration::from_secs(30),
        Command::new(candor_tests::app::app_binary())
            .env("CANDOR_DATA_DIR", home.data_dir())
            .env("CANDOR_SERVER_URL", &url)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status(),
    )
    .await
    .expect("the second instance exits by itself")?;
    assert!(status.success());
    assert_eq!(
        candor_tests::app::app_pids(),
        first,
        "the first window still runs, alone"
    );
    app.wait_for("setup-screen").await?;
    app.quit().await?;
    server.stop().await;
    Ok(())
}
