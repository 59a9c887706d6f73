//! Verifiable transcripts end to end: alice and bob talk through a real
//! server, alice exports the conversation to files, and the JSON verifies
//! offline, while a changed letter, a changed signature digit or a removed
//! message is caught at exactly that message. The HTML page shows hostile
//! text as text.

use candor_core::Outgoing;
use candor_proto::transcript::{verify_transcript, verify_transcript_json, Transcript};
use candor_proto::{ConversationKind, MessageKind};
use candor_tests::{alice, all_messages, bob, connect, init_tracing, Person, TestServer};

const HOSTILE: &str = "<script>alert('pwned')</script> & <b>bold</b> \"quoted\"";
const NON_ASCII: &str = "Noted — see you Thursday.\nSøren and Zoë will join too. 你好 👋";

/// Position of `needle` in `haystack`; panics when absent or repeated.
fn find_once(haystack: &[u8], needle: &[u8]) -> usize {
    let hits: Vec<usize> = haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "{:?} occurs once",
        String::from_utf8_lossy(needle)
    );
    hits[0]
}

async fn send_and_wait(
    from: &Person,
    others: &[&Person],
    chat: candor_proto::ConversationId,
    outgoing: Outgoing,
    n: usize,
) {
    from.client.send(chat, outgoing).await.expect("queued");
    from.wait_for_messages(chat, n).await;
    for p in others {
        p.wait_for_messages(chat, n).await;
    }
}

#[tokio::test]
async fn an_exported_transcript_verifies_and_names_what_was_tampered_with() {
    init_tracing();
    let server = TestServer::start().await;
    let alice = alice(&server).await;
    let bob = bob(&server).await;
    let chat = candor_tests::direct(&alice, &bob).await;

    let first = "Hi Bob, the review is on Wednesday at 10:00.";
    send_and_wait(&alice, &[&bob], chat, Outgoing::text(first), 1).await;
    send_and_wait(&bob, &[&alice], chat, Outgoing::text(HOSTILE), 2).await;
    let original = all_messages(&alice.client, chat).await[0].id;
    send_and_wait(
        &alice,
        &[&bob],
        chat,
        Outgoing::correction(
            original,
            "Sorry, I got the day wrong.",
            "The day",
            "Thursday at 10:00",
        ),
        3,
    )
    .await;
    send_and_wait(&bob, &[&alice], chat, Outgoing::text(NON_ASCII), 4).await;
    send_and_wait(
        &alice,
        &[&bob],
        chat,
        Outgoing::text("Great, thanks Bob."),
        5,
    )
    .await;

    // Alice exports into a directory that does not exist yet.
    let dir = tempfile::tempdir().expect("temp dir");
    let exports = dir.path().join("exports");
    let files = alice
        .client
        .export_transcript_files(chat, &exports)
        .await
        .expect("export");
    assert_eq!(files.json.parent(), Some(exports.as_path()));
    assert_eq!(files.html.parent(), Some(exports.as_path()));
    let json_name = files
        .json
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let prefix = format!("Bob-Okafor-{chat}-");
    assert!(json_name.starts_with(&prefix), "{json_name}");
    assert!(json_name.ends_with(".json"), "{json_name}");
    // <title>-<id>-YYYYMMDD-HHMMSS.json
    let stamp = &json_name[prefix.len()..json_name.len() - ".json".len()];
    assert_eq!(stamp.len(), 15, "{stamp}");
    assert!(stamp[..8].chars().all(|c| c.is_ascii_digit()) && &stamp[8..9] == "-");
    assert_eq!(
        files.html.file_stem(),
        files.json.file_stem(),
        "the page sits beside the JSON"
    );
    let mut listed: Vec<String> = std::fs::read_dir(&exports)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    listed.sort();
    assert_eq!(listed.len(), 2, "no temporary files are left: {listed:?}");

    // The file verifies offline, with the right count.
    let bytes = std::fs::read(&files.json).expect("read the transcript");
    let report = verify_transcript_json(&bytes).expect("the transcript verifies");
    assert_eq!(report.messages, 5);
    assert_eq!(report.conversation_id, chat);

    let t: Transcript = serde_json::from_slice(&bytes).expect("parse");
    assert_eq!(t.conversation.id, chat);
    assert_eq!(t.conversation.kind, ConversationKind::Direct);
    assert_eq!(t.conversation.title, "Bob Okafor");
    assert_eq!(t.exported_by.handle, "alice");
    assert_eq!(
        t.server_url.trim_end_matches('/'),
        server.url().trim_end_matches('/')
    );
    let mut handles: Vec<&str> = t.members.iter().map(|m| m.handle.as_str()).collect();
    handles.sort_unstable();
    assert_eq!(handles, ["alice", "bob"]);
    assert_eq!(
        t.messages.iter().map(|m| m.seq).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    assert_eq!(t.messages[1].body, HOSTILE);
    assert_eq!(t.messages[3].body, NON_ASCII);
    let correction = &t.messages[2];
    assert_eq!(correction.kind, MessageKind::Correction);
    assert_eq!(correction.reference, Some(original));
    assert_eq!(
        correction
            .correction
            .as_ref()
            .map(|c| c.correct_information.as_str()),
        Some("Thursday at 10:00")
    );
    assert_eq!(report.chain_head, t.messages[4].chain_hash);

    // One letter of message #1's body changed: still JSON, no longer the record.
    let mut bad = bytes.clone();
    let at = find_once(&bad, b"the review is on Wednesday") + 4;
    bad[at] ^= 0x01; // "review" → "seview"
    let f = verify_transcript_json(&bad).expect_err("a changed body fails");
    assert_eq!((f.seq, f.message_id), (Some(1), Some(original.0)), "{f}");
    assert!(f.reason.contains("chain hash"), "{f}");

    // The same in the non-ASCII message #4.
    let mut bad = bytes.clone();
    let at = find_once(&bad, "Søren and Zoë".as_bytes());
    bad[at] ^= 0x01; // "Søren" → "Røren"
    let f = verify_transcript_json(&bad).expect_err("a changed body fails");
    assert_eq!(
        (f.seq, f.message_id),
        (Some(4), Some(t.messages[3].id.0)),
        "{f}"
    );

    // One hex digit of message #3's signature changed.
    let mut bad = bytes.clone();
    let at = find_once(&bad, t.messages[2].signature.as_bytes()) + 10;
    bad[at] = if bad[at] == b'0' { b'1' } else { b'0' };
    let f = verify_transcript_json(&bad).expect_err("a changed signature fails");
    assert_eq!(
        (f.seq, f.message_id),
        (Some(3), Some(t.messages[2].id.0)),
        "{f}"
    );
    assert!(f.reason.contains("signature"), "{f}");

    // Message #2 removed from the array.
    let mut value: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
    value["messages"]
        .as_array_mut()
        .expect("messages")
        .remove(1);
    let f = verify_transcript_json(&serde_json::to_vec(&value).expect("json"))
        .expect_err("a removed message fails");
    assert_eq!(f.seq, Some(2), "{f}");
    assert!(f.reason.contains("#2 is missing"), "{f}");

    // The last message removed: the declared count gives it away.
    let mut value: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
    value["messages"].as_array_mut().expect("messages").pop();
    let f = verify_transcript_json(&serde_json::to_vec(&value).expect("json"))
        .expect_err("a cut transcript fails");
    assert_eq!(f.seq, Some(5), "{f}");

    // The page shows hostile text as text.
    let html = std::fs::read_to_string(&files.html).expect("read the page");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        !html.to_lowercase().contains("<script"),
        "no script element"
    );
    assert!(html.contains(
        "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt; &quot;quoted&quot;"
    ));
    assert!(!html.contains("<b>bold</b>"));
    assert!(html.contains("Søren and Zoë will join too. 你好 👋"));
    assert!(html.contains("Alice Martin") && html.contains("Bob Okafor"));
    assert!(html.contains("refers to message #1"));
    assert!(html.contains("Corrected in"));
    assert!(html.contains("Thursday at 10:00"));
    assert!(html.contains("candor-server verify-transcript FILE.json"));
    assert!(html.contains(&t.server_public_key));
    assert!(html.contains(&t.messages[4].chain_hash[..12]));
    assert!(html.contains("All 5 messages were checked"));

    // Bob's own export of the same conversation verifies to the same head.
    let bobs = bob
        .client
        .export_transcript(chat)
        .await
        .expect("bob exports");
    let bobs_report = verify_transcript(&bobs).expect("bob's transcript verifies");
    assert_eq!(bobs_report.messages, 5);
    assert_eq!(bobs_report.chain_head, report.chain_head);
    assert_eq!(bobs.conversation.title, "Alice Martin");
    assert_eq!(bobs.exported_by.handle, "bob");
    assert_eq!(bobs.messages, t.messages);

    // A second export in the same second does not overwrite the first.
    let again = alice
        .client
        .export_transcript_files(chat, &exports)
        .await
        .expect("export again");
    assert_ne!(again.json, files.json);
    assert!(files.json.exists() && again.json.exists());
}

#[tokio::test]
async fn hostile_names_and_titles_stay_text_and_out_of_paths() {
    init_tracing();
    let server = TestServer::start().await;
    let alice = alice(&server).await;
    let bob = bob(&server).await;
    let carol = Person::sign_up(
        &server.url(),
        "carol",
        "Carol <img src=x onerror=alert(1)> & Co",
    )
    .await;
    connect(&alice, &bob).await;
    connect(&alice, &carol).await;
    connect(&bob, &carol).await;
    let title = "../Board / Q4 <Review> & \\plans";
    let chat = alice
        .client
        .create_group(title, vec![bob.profile.user_id, carol.profile.user_id])
        .await
        .expect("group");
    carol
        .wait_until("the group arrived", |c| async move {
            c.conversation(chat).await.is_ok()
        })
        .await;
    send_and_wait(
        &carol,
        &[&alice],
        chat,
        Outgoing::text("Hello all & welcome"),
        1,
    )
    .await;

    // An empty export directory name part is fine; the files stay inside it.
    let dir = tempfile::tempdir().expect("temp dir");
    let files = alice
        .client
        .export_transcript_files(chat, dir.path())
        .await
        .expect("export");
    for path in [&files.json, &files.html] {
        assert_eq!(path.parent(), Some(dir.path()), "{}", path.display());
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        assert!(
            name.starts_with(&format!("Board-Q4-Review-plans-{chat}-")),
            "{name}"
        );
        assert!(!name.contains(['/', '\\', '<', '>', '&', ' ']), "{name}");
    }
    let t: Transcript =
        serde_json::from_slice(&std::fs::read(&files.json).expect("read")).expect("parse");
    assert_eq!(t.conversation.title, title);
    assert_eq!(t.conversation.kind, ConversationKind::Group);
    assert_eq!(verify_transcript(&t).expect("verifies").messages, 1);

    let html = std::fs::read_to_string(&files.html).expect("read the page");
    assert!(!html.contains("<img"), "no image element");
    assert!(html.contains("Carol &lt;img src=x onerror=alert(1)&gt; &amp; Co"));
    assert!(html.contains("../Board / Q4 &lt;Review&gt; &amp; \\plans"));
}
