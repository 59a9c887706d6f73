//! The real `candor-server` binary: `verify-transcript FILE` on good,
//! tampered and unreadable transcripts (exit codes 0, 1, 2 and the message
//! it names), and serving as before when no subcommand is given.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use candor_proto::transcript::{
    Transcript, TranscriptConversation, TranscriptMember, TranscriptMessage, TRANSCRIPT_FORMAT,
    TRANSCRIPT_VERSION,
};
use candor_proto::{
    chain, ConversationId, ConversationKind, CorrectionFields, MessageId, MessageKind, UserId,
};
use ed25519_dalek::SigningKey;
use uuid::Uuid;

const BIN: &str = env!("CARGO_BIN_EXE_candor-server");
const CONVERSATION: ConversationId = ConversationId(7);

fn key() -> SigningKey {
    SigningKey::from_bytes(&[42u8; 32])
}

fn member(id: i64, handle: &str, name: &str) -> TranscriptMember {
    TranscriptMember {
        user_id: UserId(id),
        handle: handle.into(),
        display_name: name.into(),
    }
}

/// Five messages signed the way the server signs them (see
/// `store/sqlite.rs`): chain hash from the previous one, signature over
/// (conversation, seq, hash).
fn transcript() -> Transcript {
    let key = key();
    let bodies: [(i64, MessageKind, Option<i64>, &str); 5] = [
        (
            1,
            MessageKind::Text,
            None,
            "Hello Bob, the invoice is attached.",
        ),
        (
            2,
            MessageKind::Text,
            None,
            "Thanks Alice — <b>received</b> & filed.",
        ),
        (1, MessageKind::Correction, Some(10), "Sorry, wrong amount."),
        (
            2,
            MessageKind::Text,
            None,
            "No problem.\nSee you on Thursday.",
        ),
        (
            1,
            MessageKind::Apology,
            Some(12),
            "Apologies for the confusion.",
        ),
    ];
    let mut previous = chain::genesis_hash(CONVERSATION);
    let mut messages = Vec::new();
    for (i, (sender, kind, reference, body)) in bodies.into_iter().enumerate() {
        let seq = i64::try_from(i).expect("small") + 1;
        let mut m = TranscriptMessage {
            seq,
            id: MessageId(9 + seq),
            sender: UserId(sender),
            client_id: Uuid::now_v7(),
            server_time: 1_764_000_000_000 + seq * 1_000,
            kind,
            reference: reference.map(MessageId),
            body: body.into(),
            correction: (kind == MessageKind::Correction).then(|| CorrectionFields {
                what_was_wrong: "The amount".into(),
                correct_information: "EUR 1,250".into(),
            }),
            chain_hash: String::new(),
            signature: String::new(),
        };
        let hash = chain::chain_hash(&previous, &m.canonical(CONVERSATION));
        m.chain_hash = hex::encode(hash);
        m.signature = chain::sign_chain_hash(&key, CONVERSATION, seq, &hash);
        previous = hash;
        messages.push(m);
    }
    Transcript {
        format: TRANSCRIPT_FORMAT.into(),
        version: TRANSCRIPT_VERSION,
        server_url: "http://127.0.0.1:8470".into(),
        server_public_key: hex::encode(key.verifying_key().to_bytes()),
        conversation: TranscriptConversation {
            id: CONVERSATION,
            kind: ConversationKind::Direct,
            title: "Bob Okafor".into(),
        },
        members: vec![
            member(1, "alice", "Alice Martin"),
            member(2, "bob", "Bob Okafor"),
        ],
        exported_by: member(1, "alice", "Alice Martin"),
        exported_at: 1_764_000_100_000,
        message_count: 5,
        chain_head: hex::encode(previous),
        messages,
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write the transcript");
    path
}

fn verify(path: &Path, extra: &[&str]) -> Output {
    Command::new(BIN)
        .arg("verify-transcript")
        .args(extra)
        .arg(path)
        .output()
        .expect("run candor-server")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_good_transcript_verifies() {
    let dir = tempfile::tempdir().expect("temp dir");
    let t = transcript();
    let path = write(
        dir.path(),
        "good.json",
        &serde_json::to_vec_pretty(&t).expect("json"),
    );
    let out = verify(&path, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with(&format!(
            "OK: 5 messages verified; chain head {}\n",
            t.chain_head
        )),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains(&t.server_public_key));

    // With the key the server publishes, and with a different one.
    let out = verify(&path, &["--expect-key", &t.server_public_key]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let other = hex::encode(
        SigningKey::from_bytes(&[1u8; 32])
            .verifying_key()
            .to_bytes(),
    );
    let out = verify(&path, &["--expect-key", &other]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("not by the expected key"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_body_with_one_changed_byte_fails_at_that_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut json = serde_json::to_vec_pretty(&transcript()).expect("json");
    let needle = b"No problem.";
    let at = json
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("the body is in the file");
    json[at + 3] ^= 0x01; // "No problem" → "No qroblem"
    let path = write(dir.path(), "tampered.json", &json);
    let out = verify(&path, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(
        stderr(&out).trim(),
        "FAILED at message #4 (id 13): the chain hash does not match its content"
    );
    assert!(stdout(&out).is_empty());
}

#[test]
fn a_tampered_signature_or_a_missing_message_is_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut t = transcript();
    let sig = &mut t.messages[1].signature;
    let first = if sig.starts_with('a') { "b" } else { "a" };
    sig.replace_range(0..1, first);
    let path = write(
        dir.path(),
        "sig.json",
        &serde_json::to_vec(&t).expect("json"),
    );
    let out = verify(&path, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("FAILED at message #2 (id 11): "),
        "{}",
        stderr(&out)
    );

    let mut t = transcript();
    t.messages.remove(2);
    let path = write(
        dir.path(),
        "gap.json",
        &serde_json::to_vec(&t).expect("json"),
    );
    let out = verify(&path, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("FAILED at message #3: message #3 is missing"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn files_that_are_not_transcripts_fail_clearly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = verify(&dir.path().join("nothing-here.json"), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read"), "{}", stderr(&out));

    let out = verify(dir.path(), &[]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a directory is not readable as a file"
    );

    let path = write(dir.path(), "broken.json", b"{\"format\": \"candor-tr");
    let out = verify(&path, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("FAILED: the file is not a JSON transcript"),
        "{}",
        stderr(&out)
    );

    let out = Command::new(BIN)
        .arg("verify-transcript")
        .output()
        .expect("run candor-server");
    assert_eq!(
        out.status.code(),
        Some(2),
        "a missing argument is a usage error"
    );
}

/// Strips ANSI colour sequences from a log line.
fn plain(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Kills the child process when the test ends, passing or not.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn without_a_subcommand_it_still_serves() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut server = Running(
        Command::new(BIN)
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(dir.path())
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start candor-server"),
    );
    let stdout = server.0.stdout.take().expect("stdout");
    let addr = tokio::task::spawn_blocking(move || {
        for line in BufReader::new(stdout).lines() {
            let line = plain(&line.ok()?);
            if let Some(rest) = line.split("listening addr=").nth(1) {
                return rest.split_whitespace().next().map(str::to_owned);
            }
        }
        None
    });
    let addr = tokio::time::timeout(Duration::from_secs(30), addr)
        .await
        .expect("the server starts in time")
        .expect("reader")
        .expect("the server says where it listens");
    let info: candor_proto::ServerInfo = reqwest::get(format!("http://{addr}/v1/server"))
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("server info");
    assert!(chain::parse_public_key(&info.public_key).is_ok());
    drop(server);
}
