//! Careful sending and honest corrections in the real window (WebDriver
//! under Xvfb, a real server on a loopback port, Bob as a real core client):
//! the hold window with Cancel and across a restart, the recipient card, the
//! sensitive-data warning, corrections attached on both sides, and exported
//! transcripts that verify, and name the altered message when tampered with.

use std::time::Duration;

use candor_core::Outgoing;
use candor_proto::ConversationId;
use candor_tests::app::{
    app_binary, bob_connects_with_dana, open_conversation, sign_up_in_the_window, App, AppHome,
    APP_LOCK,
};
use candor_tests::{all_messages, init_tracing, Person, TestServer};

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

async fn composer_text(app: &App) -> anyhow::Result<String> {
    Ok(app
        .wait_for("composer")
        .await?
        .prop("value")
        .await?
        .unwrap_or_default())
}

async fn type_and_send(app: &App, text: &str) -> anyhow::Result<()> {
    app.wait_for("composer").await?.send_keys(text).await?;
    app.click("send-button").await
}

async fn bob_has(bob: &Person, chat: ConversationId, body: &'static str) {
    bob.wait_until(&format!("{body:?} arrives"), |c| async move {
        all_messages(&c, chat).await.iter().any(|m| m.body == body)
    })
    .await;
}

#[tokio::test]
async fn a_held_message_can_be_cancelled_and_a_hold_outlives_a_restart() -> anyhow::Result<()> {
    init_tracing();
    let _serial = APP_LOCK.lock().await;
    let server = TestServer::start().await;
    let url = server.url();
    let bob = Person::sign_up(&url, "bob", "Bob Okafor").await;
    let home = AppHome::new();
    let app = App::launch(&home, &url).await?;
    sign_up_in_the_window(&app, &url).await?;
    let chat = bob_connects_with_dana(&app, &bob).await?;
    open_conversation(&app, chat).await?;

    // Dana's first message to Bob: the card says so.
    let text = "Please wire the deposit to the new account today.";
    type_and_send(&app, text).await?;
    app.wait_for("send-check").await?;
    app.wait_texts(
        "recipient-reason",
        "the card names the first message",
        |t| {
            t.iter()
                .any(|r| r == "This is your first message to Bob Okafor.")
        },
    )
    .await?;
    app.screenshot("recipient-check").await?;
    app.click("send-confirm").await?;

    // Held, counting down, then cancelled: the text is back in the box.
    let held = app
        .wait_for_css("[data-testid=\"pending-message\"][data-state=\"held\"]")
        .await?;
    let label = app
        .wait_texts("pending-state", "the countdown shows", |t| {
            t.iter().any(|s| s.starts_with("Sending in "))
        })
        .await?;
    assert!(label.iter().any(|s| s.ends_with(" s")), "{label:?}");
    app.screenshot("held").await?;
    held.find(fantoccini::Locator::Css("[data-testid=\"pending-cancel\"]"))
        .await?
        .click()
        .await?;
    app.wait_texts("pending-message", "the held message is gone", |t| {
        t.is_empty()
    })
    .await?;
    assert_eq!(composer_text(&app).await?, text);
    assert_eq!(server_count(&server, text), 0);

    // Sent again, and the app closes while it is held.
    app.click("send-button").await?;
    app.click("send-confirm").await?;
    app.wait_for_css("[data-testid=\"pending-message\"][data-state=\"held\"]")
        .await?;
    app.quit().await?;
    assert_eq!(server_count(&server, text), 0, "nothing left while held");
    // The app stays closed past the end of the 10 s hold.
    tokio::time::sleep(Duration::from_secs(11)).await;
    assert_eq!(server_count(&server, text), 0);

    let app = App::launch(&home, &url).await?;
    app.wait_for("conversation-list").await?;
    bob_has(&bob, chat, text).await;
    assert_eq!(server_count(&server, text), 1, "delivered exactly once");
    app.quit().await?;
    server.stop().await;
    Ok(())
}

#[tokio::test]
async fn a_namesake_and_a_card_number_each_get_a_second_look() -> anyhow::Result<()> {
    init_tracing();
    let _serial = APP_LOCK.lock().await;
    let server = TestServer::start().await;
    let url = server.url();
    let bob = Person::sign_up(&url, "bob", "Bob Okafor").await;
    let bob_stein = Person::sign_up(&url, "bob.stein", "Bob Stein").await;
    let home = AppHome::new();
    let app = App::launch(&home, &url).await?;
    sign_up_in_the_window(&app, &url).await?;
    let chat = bob_connects_with_dana(&app, &bob).await?;
    bob_connects_with_dana(&app, &bob_stein).await?;
    bob.client
        .send_text(chat, "Hi Dana, ready for Monday?")
        .await?;
    open_conversation(&app, chat).await?;

    type_and_send(&app, "Yes, see you at nine.").await?;
    app.wait_texts("recipient-reason", "the card names the namesake", |t| {
        t.iter()
            .any(|r| r == "Another connection is also called Bob: Bob Stein (@bob.stein)")
    })
    .await?;
    app.screenshot("namesake").await?;
    app.click("send-confirm").await?;
    app.click("pending-send-now").await?;
    bob_has(&bob, chat, "Yes, see you at nine.").await;

    // A card number: a warning while typing, then "Send anyway".
    let card = "The hotel can charge my card 4111 1111 1111 1111, expiry 09/28.";
    app.wait_for("composer").await?.send_keys(card).await?;
    app.wait_texts("composer-hints", "the composer warns", |t| {
        t.iter().any(|h| h.contains("payment card number"))
    })
    .await?;
    app.click("send-button").await?;
    let finding = app
        .wait_for_css("[data-testid=\"finding\"][data-kind=\"payment_card\"]")
        .await?;
    let shown = finding.text().await?;
    assert!(!shown.contains("4111 1111 1111 1111"), "masked: {shown}");
    assert!(
        app.all("send-confirm").await?.is_empty(),
        "only Send anyway"
    );
    app.screenshot("sensitive").await?;
    app.click("send-anyway").await?;
    app.click("pending-send-now").await?;
    bob_has(&bob, chat, card).await;
    app.quit().await?;
    server.stop().await;
    Ok(())
}

#[tokio::test]
async fn corrections_are_attached_to_the_original_on_both_sides() -> anyhow::Result<()> {
    init_tracing();
    let _serial = APP_LOCK.lock().await;
    let server = TestServer::start().await;
    let url = server.url();
    let bob = Person::sign_up(&url, "bob", "Bob Okafor").await;
    let home = AppHome::new();
    let app = App::launch(&home, &url).await?;
    sign_up_in_the_window(&app, &url).await?;
    let chat = bob_connects_with_dana(&app, &bob).await?;
    open_conversation(&app, chat).await?;

    // Dana's message, which Bob has not read when her correction arrives.
    app.send_message("The review is on Tuesday at 10:00.")
        .await?;
    bob_has(&bob, chat, "The review is on Tuesday at 10:00.").await;
    let mine = app.wait_for_css("[data-testid=\"message\"]").await?;
    mine.find(fantoccini::Locator::Css(
        "[data-testid=\"message-actions\"]",
    ))
    .await?
    .click()
    .await?;
    app.click("action-correct").await?;
    app.wait_for("followup-dialog").await?;
    app.fill("correction-wrong", "The day").await?;
    app.fill("correction-right", "Thursday at 10:00").await?;
    app.screenshot("correction-form").await?;
    app.click("followup-send").await?;
    app.click("pending-send-now").await?;

    bob.wait_until("the correction arrives", |c| async move {
        all_messages(&c, chat).await.len() >= 2
    })
    .await;
    let on_bob = all_messages(&bob.client, chat).await;
    assert_eq!(on_bob[0].annotations.len(), 1);
    assert_eq!(
        on_bob[0].annotations[0]
            .correction
            .as_ref()
            .map(|c| c.correct_information.as_str()),
        Some("Thursday at 10:00")
    );
    assert_eq!(
        on_bob[1].referenced.as_ref().map(|r| r.id),
        Some(on_bob[0].id)
    );
    // Dana sees it attached beneath her original.
    app.wait_for_css("[data-testid=\"attached-followup\"][data-kind=\"correction\"]")
        .await?;

    // Bob corrects his own message, unread by Dana: she sees the correction
    // together with the original.
    bob.client
        .send_text(chat, "Budget for the offsite: 40k.")
        .await?;
    bob.wait_until("Bob's message is stored", |c| async move {
        all_messages(&c, chat).await.len() >= 3
    })
    .await;
    let original = all_messages(&bob.client, chat).await[2].id;
    bob.client
        .send(
            chat,
            Outgoing::correction(
                original,
                "Sorry, the budget is 45k.",
                "The amount",
                "45k, not 40k",
            ),
        )
        .await?;
    app.wait_texts("referenced-quote", "Bob's correction is in", |t| {
        t.len() >= 2
    })
    .await?;
    // The quoted text is line-clamped, which WebDriver's visible-text rule
    // skips; a reader sees it (see the screenshot), so read the content.
    let mut quoted = Vec::new();
    for quote in app.all("referenced-quote").await? {
        quoted.push(quote.prop("textContent").await?.unwrap_or_default());
    }
    assert!(
        quoted
            .iter()
            .any(|q| q.contains("Corrects Bob Okafor's message")
                && q.contains("Budget for the offsite: 40k.")),
        "{quoted:?}"
    );
    app.wait_texts("attached-followup", "both corrections are attached", |t| {
        t.len() >= 2 && t.iter().any(|a| a.contains("45k, not 40k"))
    })
    .await?;
    app.screenshot("correction").await?;
    app.quit().await?;
    server.stop().await;
    Ok(())
}

#[tokio::test]
async fn an_exported_transcript_verifies_and_names_a_tampered_message() -> anyhow::Result<()> {
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
        "Contract draft v3 is in the shared folder.",
        "Clause 7 now caps liability at 2x the annual fee.",
        "Please confirm by Friday <urgent> & thanks.",
    ] {
        bob.client.send_text(chat, text).await?;
    }
    open_conversation(&app, chat).await?;
    app.wait_texts("message-body", "three messages", |t| t.len() >= 3)
        .await?;

    app.click("export-transcript").await?;
    app.wait_for("transcript-exported").await?;
    let json = std::path::PathBuf::from(app.wait_for("transcript-json-path").await?.text().await?);
    let html = std::path::PathBuf::from(app.wait_for("transcript-html-path").await?.text().await?);
    app.screenshot("transcript-exported").await?;
    assert!(json.starts_with(home.export_dir()), "{json:?}");
    let page = std::fs::read_to_string(&html)?;
    assert!(page.contains("Please confirm by Friday &lt;urgent&gt; &amp; thanks."));
    assert!(!page.contains("<urgent>"));

    let verifier = app_binary().with_file_name("candor-server");
    let good = std::process::Command::new(&verifier)
        .arg("verify-transcript")
        .arg(&json)
        .output()?;
    let said = String::from_utf8_lossy(&good.stdout).to_string();
    assert!(good.status.success(), "{said}");
    assert!(said.starts_with("OK: 3 messages verified"), "{said}");

    // One letter of message #2 changed: verification names that message.
    let original = std::fs::read_to_string(&json)?;
    let tampered_text = original.replacen("caps liability at 2x", "caps liability at 3x", 1);
    assert_ne!(tampered_text, original);
    let tampered = json.with_file_name("tampered.json");
    std::fs::write(&tampered, tampered_text)?;
    let bad = std::process::Command::new(&verifier)
        .arg("verify-transcript")
        .arg(&tampered)
        .output()?;
    let said =
        String::from_utf8_lossy(&bad.stdout).to_string() + &String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(1), "{said}");
    assert!(said.contains("FAILED at message #2"), "{said}");
    app.quit().await?;
    server.stop().await;
    Ok(())
}
