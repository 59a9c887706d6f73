//! Verifiable conversation transcripts: the file format and its offline
//! verification.
//!
//! A transcript is a JSON document holding every message of one conversation
//! from seq 1, each with the chain hash and the server signature it was
//! delivered with, plus the server's public key. Anyone holding the file can
//! check, with no network and no account, that the messages are exactly the
//! ones the server recorded, complete from the first one and in order
//! ([`verify_transcript`], or `candor-server verify-transcript FILE.json`).
//!
//! # What the signatures cover, and what they do not
//!
//! The chain (see [`crate::chain`]) covers, per message: the conversation id,
//! seq, sender id, client id, server time, kind, reference, body and
//! correction fields. Every message's signature vouches for its own hash and,
//! through the chain, for every message before it. Verification recomputes
//! the chain from the genesis hash with the same canonical encoding the
//! server used and checks every signature.
//!
//! Not covered: the conversation's title and kind, the member list (names and
//! handles), the export details, and the messages' server ids (`id`). They
//! are there to make the transcript readable. Verification checks the ids for
//! consistency (they strictly increase, and every reference points to an
//! earlier message of the transcript), but a name next to a sender id is only
//! as trustworthy as the person who exported the file.
//!
//! A valid transcript proves the messages were signed by the key in
//! `server_public_key`. Whoever relies on it must compare that key with the
//! key the server publishes (`GET /v1/server`, field `public_key`): a forger
//! can sign a fabricated conversation with a key of their own.
//!
//! # Format, version 1
//!
//! Top level (an object; unknown fields are rejected):
//!
//! | field | type | meaning |
//! | --- | --- | --- |
//! | `format` | string | always `"candor-transcript"` |
//! | `version` | integer | `1`; a verifier rejects versions it does not know |
//! | `server_url` | string | the server the conversation lives on |
//! | `server_public_key` | string | the server's ed25519 public key, 64 hex digits |
//! | `conversation` | object | `id` (integer), `kind` (`"direct"` or `"group"`), `title` (string; for a direct conversation, the other member's name as the exporter saw it) |
//! | `members` | array | the members, each `user_id`, `handle`, `display_name`; then anyone who sent a message but is no longer a member |
//! | `exported_by` | object | who exported it, as a member entry |
//! | `exported_at` | integer | when, ms since the Unix epoch (UTC) |
//! | `message_count` | integer | how many messages follow (the seq of the last one) |
//! | `chain_head` | string | the chain hash of the last message (the genesis hash when there is none), hex |
//! | `messages` | array | every message from seq 1, in seq order (below) |
//!
//! Each message (unknown fields are rejected):
//!
//! | field | type | covered by the chain | meaning |
//! | --- | --- | --- | --- |
//! | `seq` | integer | yes | 1, 2, 3, … without gaps |
//! | `id` | integer | no | the server's message id (what `reference` points to) |
//! | `sender` | integer | yes | the sender's user id |
//! | `client_id` | string | yes | the sender's UUID for the message |
//! | `server_time` | integer | yes | when the server accepted it, ms since the epoch |
//! | `kind` | string | yes | `text`, `correction`, `retraction`, `apology` or `urgent` |
//! | `reference` | integer or null | yes | the id of the message it refers to |
//! | `body` | string | yes | the text, exactly as sent |
//! | `correction` | object or null | yes | `what_was_wrong`, `correct_information` (corrections only) |
//! | `chain_hash` | string | — | SHA-256 chain hash up to and including this message, hex |
//! | `signature` | string | — | the server's ed25519 signature over [`crate::chain::signing_payload`], hex |
//!
//! # Verification
//!
//! In order, stopping at the first failure, which names the message (its
//! seq, and its id when it is the message at fault):
//!
//! 1. `format` and `version` are known, the server key parses;
//! 2. message `i` (from 0) has seq `i + 1`: a missing, duplicated or
//!    reordered message fails at the first position that is wrong;
//! 3. its chain hash recomputes from the previous one and its content;
//! 4. its signature verifies for (conversation, seq, chain hash);
//! 5. ids strictly increase; a reference points to an earlier message of the
//!    transcript (the sender's own for corrections and retractions); kinds
//!    that need a reference have one; only corrections carry correction
//!    fields;
//! 6. finally `message_count` and `chain_head` match the messages, so a
//!    message cut from the end is noticed too.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::chain::{self, ChainError};
use crate::{
    CanonicalMessage, ConversationId, ConversationKind, CorrectionFields, MessageId, MessageKind,
    UserId,
};

/// The value of a transcript's `format` field.
pub const TRANSCRIPT_FORMAT: &str = "candor-transcript";
/// The transcript format version this crate writes and verifies.
pub const TRANSCRIPT_VERSION: u32 = 1;

/// A conversation's verifiable transcript (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct Transcript {
    /// Always [`TRANSCRIPT_FORMAT`].
    pub format: String,
    /// [`TRANSCRIPT_VERSION`].
    pub version: u32,
    pub server_url: String,
    /// The server's ed25519 public key, hex.
    pub server_public_key: String,
    pub conversation: TranscriptConversation,
    /// The members, then earlier senders who are no longer members.
    pub members: Vec<TranscriptMember>,
    pub exported_by: TranscriptMember,
    /// Milliseconds since the Unix epoch.
    pub exported_at: i64,
    /// Number of messages (the seq of the last one).
    pub message_count: i64,
    /// Chain hash of the last message (the genesis hash when empty), hex.
    pub chain_head: String,
    /// Every message from seq 1, in seq order.
    pub messages: Vec<TranscriptMessage>,
}

/// The conversation a transcript is of. Not covered by the signatures except
/// `id`, which every chain hash depends on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct TranscriptConversation {
    pub id: ConversationId,
    pub kind: ConversationKind,
    pub title: String,
}

/// A person in a transcript, as the exporter's device knew them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct TranscriptMember {
    pub user_id: UserId,
    pub handle: String,
    pub display_name: String,
}

/// One delivered message with what it takes to re-verify it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct TranscriptMessage {
    pub seq: i64,
    /// The server's message id (not covered by the chain).
    pub id: MessageId,
    pub sender: UserId,
    pub client_id: Uuid,
    /// Milliseconds since the Unix epoch.
    pub server_time: i64,
    pub kind: MessageKind,
    pub reference: Option<MessageId>,
    pub body: String,
    pub correction: Option<CorrectionFields>,
    /// Hex SHA-256 chain hash up to and including this message.
    pub chain_hash: String,
    /// Hex ed25519 signature by the server over the signing payload.
    pub signature: String,
}

impl TranscriptMessage {
    /// The fields the chain hash covers, in `conversation`.
    pub fn canonical(&self, conversation: ConversationId) -> CanonicalMessage<'_> {
        CanonicalMessage {
            conversation_id: conversation,
            seq: self.seq,
            sender: self.sender,
            client_id: self.client_id,
            server_time: self.server_time,
            kind: self.kind,
            reference: self.reference,
            body: &self.body,
            correction: self.correction.as_ref(),
        }
    }
}

/// What a successful verification established.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TranscriptReport {
    pub conversation_id: ConversationId,
    /// How many messages verified (all of them, from seq 1).
    pub messages: i64,
    /// The chain hash of the last message (the genesis hash when empty), hex.
    pub chain_head: String,
    /// The key every signature verified under, hex. Compare it with the key
    /// the server publishes before trusting the transcript.
    pub server_public_key: String,
}

/// Why a transcript failed verification, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TranscriptFailure {
    /// The seq of the first message that failed (the position of a missing
    /// one); `None` when the transcript as a whole is at fault.
    pub seq: Option<i64>,
    /// The server id of the message at fault, when one is.
    pub message_id: Option<i64>,
    pub reason: String,
}

impl TranscriptFailure {
    fn whole(reason: impl Into<String>) -> Self {
        TranscriptFailure {
            seq: None,
            message_id: None,
            reason: reason.into(),
        }
    }

    fn at(m: &TranscriptMessage, reason: impl Into<String>) -> Self {
        TranscriptFailure {
            seq: Some(m.seq),
            message_id: Some(m.id.0),
            reason: reason.into(),
        }
    }

    fn position(seq: i64, reason: impl Into<String>) -> Self {
        TranscriptFailure {
            seq: Some(seq),
            message_id: None,
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for TranscriptFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.seq, self.message_id) {
            (Some(seq), Some(id)) => write!(f, "message #{seq} (id {id}): {}", self.reason),
            (Some(seq), None) => write!(f, "message #{seq}: {}", self.reason),
            (None, _) => f.write_str(&self.reason),
        }
    }
}

impl std::error::Error for TranscriptFailure {}

/// Verifies a transcript (see the module docs for the checks, in order).
pub fn verify_transcript(t: &Transcript) -> Result<TranscriptReport, TranscriptFailure> {
    if t.format != TRANSCRIPT_FORMAT {
        return Err(TranscriptFailure::whole(format!(
            "this is not a Candor transcript (format {:?})",
            t.format
        )));
    }
    if t.version != TRANSCRIPT_VERSION {
        return Err(unsupported_version(i64::from(t.version)));
    }
    let key = chain::parse_public_key(&t.server_public_key).map_err(|_| {
        TranscriptFailure::whole("the server public key is not a valid ed25519 key")
    })?;
    let conversation = t.conversation.id;
    let mut previous = chain::genesis_hash(conversation);
    // Id and sender of every message so far, for references.
    let mut earlier: std::collections::HashMap<MessageId, (i64, UserId)> =
        std::collections::HashMap::with_capacity(t.messages.len());
    let mut last_id: Option<MessageId> = None;
    let mut expected: i64 = 1;
    for (position, m) in t.messages.iter().enumerate() {
        if m.seq != expected {
            return Err(out_of_place(t, position, expected));
        }
        let hash = chain::verify_link(&previous, &m.canonical(conversation), &m.chain_hash)
            .map_err(|e| {
                TranscriptFailure::at(
                    m,
                    match e {
                        ChainError::MalformedHash => {
                            "the chain hash is not 64 hex digits".to_owned()
                        }
                        _ => "the chain hash does not match its content".to_owned(),
                    },
                )
            })?;
        chain::verify_signature(&key, conversation, m.seq, &hash, &m.signature).map_err(|e| {
            TranscriptFailure::at(
                m,
                match e {
                    ChainError::MalformedSignature => "the signature is not 128 hex digits",
                    _ => "the server signature does not verify under the transcript's server key",
                },
            )
        })?;
        if last_id.is_some_and(|last| m.id <= last) {
            return Err(TranscriptFailure::at(
                m,
                "message ids do not increase with seq (ids were changed or reordered)",
            ));
        }
        check_reference(m, &earlier)?;
        earlier.insert(m.id, (m.seq, m.sender));
        last_id = Some(m.id);
        previous = hash;
        expected += 1;
    }
    let count = expected - 1;
    if t.message_count > count {
        return Err(TranscriptFailure::position(
            count + 1,
            format!(
                "message #{} is missing: the transcript says it holds {} messages but ends after #{count}",
                count + 1,
                t.message_count
            ),
        ));
    }
    if t.message_count != count {
        return Err(TranscriptFailure::whole(format!(
            "the transcript says it holds {} messages but has {count}",
            t.message_count
        )));
    }
    let head = hex::encode(previous);
    if !t.chain_head.eq_ignore_ascii_case(&head) {
        return Err(TranscriptFailure::whole(
            "the transcript's chain_head does not match its last message",
        ));
    }
    Ok(TranscriptReport {
        conversation_id: conversation,
        messages: count,
        chain_head: head,
        server_public_key: hex::encode(key.to_bytes()),
    })
}

/// The failure for position `position`, which should hold `expected` but
/// does not.
fn out_of_place(t: &Transcript, position: usize, expected: i64) -> TranscriptFailure {
    let found = &t.messages[position];
    let later = t.messages[position..].iter().any(|m| m.seq == expected);
    let reason = if found.seq < expected {
        format!(
            "message #{expected} is missing: in its place is message #{} (id {}) again, a duplicate or out of order",
            found.seq, found.id
        )
    } else if later {
        format!(
            "message #{expected} is out of order: in its place is message #{} (id {})",
            found.seq, found.id
        )
    } else {
        format!(
            "message #{expected} is missing: the transcript goes on with message #{} (id {})",
            found.seq, found.id
        )
    };
    TranscriptFailure::position(expected, reason)
}

fn check_reference(
    m: &TranscriptMessage,
    earlier: &std::collections::HashMap<MessageId, (i64, UserId)>,
) -> Result<(), TranscriptFailure> {
    if (m.kind == MessageKind::Correction) != m.correction.is_some() {
        return Err(TranscriptFailure::at(
            m,
            if m.correction.is_some() {
                "only a correction carries correction fields"
            } else {
                "a correction lacks its correction fields"
            },
        ));
    }
    match m.reference {
        None if m.kind.requires_reference() => Err(TranscriptFailure::at(
            m,
            format!("a message of kind {} must refer to another", m.kind.as_str()),
        )),
        None => Ok(()),
        Some(reference) => match earlier.get(&reference) {
            None => Err(TranscriptFailure::at(
                m,
                format!("it refers to message id {reference}, which is not an earlier message of this transcript"),
            )),
            Some((_, sender)) if m.kind.reference_must_be_own() && *sender != m.sender => {
                Err(TranscriptFailure::at(
                    m,
                    format!(
                        "a {} must refer to one of the sender's own messages",
                        m.kind.as_str()
                    ),
                ))
            }
            Some(_) => Ok(()),
        },
    }
}

fn unsupported_version(version: i64) -> TranscriptFailure {
    TranscriptFailure::whole(format!(
        "transcript format version {version} is not supported (this verifier knows version {TRANSCRIPT_VERSION})"
    ))
}

/// Parses a transcript file and verifies it. Bytes that are not a
/// transcript fail with a reason (never a panic).
pub fn verify_transcript_json(bytes: &[u8]) -> Result<TranscriptReport, TranscriptFailure> {
    verify_transcript(&parse_transcript(bytes)?)
}

/// Parses a transcript file, checking the format and version first so a
/// newer file gets a clear message rather than a parse error.
pub fn parse_transcript(bytes: &[u8]) -> Result<Transcript, TranscriptFailure> {
    #[derive(Deserialize)]
    struct Header {
        format: Option<serde_json::Value>,
        version: Option<serde_json::Value>,
    }
    let header: Header = serde_json::from_slice(bytes).map_err(|e| {
        TranscriptFailure::whole(format!("the file is not a JSON transcript ({e})"))
    })?;
    if header.format.as_ref().and_then(|f| f.as_str()) != Some(TRANSCRIPT_FORMAT) {
        return Err(TranscriptFailure::whole(
            "this is not a Candor transcript (its \"format\" is not \"candor-transcript\")",
        ));
    }
    match header.version.as_ref().and_then(serde_json::Value::as_i64) {
        Some(v) if v == i64::from(TRANSCRIPT_VERSION) => {}
        Some(v) => return Err(unsupported_version(v)),
        None => {
            return Err(TranscriptFailure::whole(
                "the transcript has no format version",
            ))
        }
    }
    serde_json::from_slice(bytes)
        .map_err(|e| TranscriptFailure::whole(format!("the transcript is malformed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;

    const CONVERSATION: ConversationId = ConversationId(42);

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    struct Draft {
        id: i64,
        sender: i64,
        kind: MessageKind,
        reference: Option<i64>,
        body: &'static str,
        correction: Option<(&'static str, &'static str)>,
    }

    fn text(id: i64, sender: i64, body: &'static str) -> Draft {
        Draft {
            id,
            sender,
            kind: MessageKind::Text,
            reference: None,
            body,
            correction: None,
        }
    }

    /// Signs `drafts` as the server would, into a transcript.
    fn build(drafts: Vec<Draft>) -> Transcript {
        let key = key();
        let mut previous = chain::genesis_hash(CONVERSATION);
        let mut messages = Vec::new();
        for (i, d) in drafts.into_iter().enumerate() {
            let seq = i64::try_from(i).expect("small") + 1;
            let mut m = TranscriptMessage {
                seq,
                id: MessageId(d.id),
                sender: UserId(d.sender),
                client_id: Uuid::from_u128(
                    0x0192_0000_0000_7000_8000_0000_0000_0000 + d.id as u128,
                ),
                server_time: 1_764_000_000_000 + seq * 60_000,
                kind: d.kind,
                reference: d.reference.map(MessageId),
                body: d.body.to_owned(),
                correction: d.correction.map(|(w, c)| CorrectionFields {
                    what_was_wrong: w.to_owned(),
                    correct_information: c.to_owned(),
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
        let alice = TranscriptMember {
            user_id: UserId(1),
            handle: "alice".into(),
            display_name: "Alice Martin".into(),
        };
        Transcript {
            format: TRANSCRIPT_FORMAT.into(),
            version: TRANSCRIPT_VERSION,
            server_url: "https://candor.example".into(),
            server_public_key: hex::encode(key.verifying_key().to_bytes()),
            conversation: TranscriptConversation {
                id: CONVERSATION,
                kind: ConversationKind::Direct,
                title: "Bob Okafor".into(),
            },
            members: vec![
                alice.clone(),
                TranscriptMember {
                    user_id: UserId(2),
                    handle: "bob".into(),
                    display_name: "Bob Okafor".into(),
                },
            ],
            exported_by: alice,
            exported_at: 1_764_000_900_000,
            message_count: i64::try_from(messages.len()).expect("small"),
            chain_head: hex::encode(previous),
            messages,
        }
    }

    fn sample() -> Transcript {
        build(vec![
            text(100, 1, "Hi Bob, the meeting is on Wednesday."),
            text(101, 2, "Thanks — see you then <b>&</b>"),
            Draft {
                id: 103,
                sender: 1,
                kind: MessageKind::Correction,
                reference: Some(100),
                body: "Sorry, I got the day wrong.",
                correction: Some(("The day", "Thursday 4 December")),
            },
            Draft {
                id: 104,
                sender: 2,
                kind: MessageKind::Urgent,
                reference: Some(103),
                body: "Noted!",
                correction: None,
            },
            text(107, 1, "Ævar says hi 👋\nsecond line"),
        ])
    }

    /// Re-signs message `index` (and everything after it) so that only the
    /// consistency checks can catch what was changed.
    fn resign_from(t: &mut Transcript, index: usize) {
        let key = key();
        let mut previous = if index == 0 {
            chain::genesis_hash(t.conversation.id)
        } else {
            chain::parse_hash(&t.messages[index - 1].chain_hash).expect("hash")
        };
        for m in &mut t.messages[index..] {
            let hash = chain::chain_hash(&previous, &m.canonical(t.conversation.id));
            m.chain_hash = hex::encode(hash);
            m.signature = chain::sign_chain_hash(&key, t.conversation.id, m.seq, &hash);
            previous = hash;
        }
        t.chain_head = hex::encode(previous);
    }

    fn failure(t: &Transcript) -> TranscriptFailure {
        verify_transcript(t).expect_err("verification fails")
    }

    #[test]
    fn a_good_transcript_verifies() {
        let t = sample();
        let report = verify_transcript(&t).expect("verifies");
        assert_eq!(report.messages, 5);
        assert_eq!(report.conversation_id, CONVERSATION);
        assert_eq!(report.chain_head, t.messages[4].chain_hash);
        assert_eq!(report.server_public_key, t.server_public_key);
        let json = serde_json::to_vec_pretty(&t).expect("serialise");
        assert_eq!(verify_transcript_json(&json), Ok(report));
    }

    #[test]
    fn an_empty_transcript_verifies_to_the_genesis_hash() {
        let t = build(Vec::new());
        let report = verify_transcript(&t).expect("verifies");
        assert_eq!(report.messages, 0);
        assert_eq!(
            report.chain_head,
            hex::encode(chain::genesis_hash(CONVERSATION))
        );
    }

    #[test]
    fn the_format_is_pinned() {
        let t = build(vec![
            text(100, 1, "Hello <Bob> & co"),
            Draft {
                id: 101,
                sender: 1,
                kind: MessageKind::Correction,
                reference: Some(100),
                body: "Correction",
                correction: Some(("The name", "Hello Bob")),
            },
        ]);
        insta::assert_json_snapshot!("transcript_v1", t);
    }

    #[test]
    fn a_changed_body_fails_at_that_message() {
        let mut t = sample();
        t.messages[1].body = "Thanks — see you than <b>&</b>".into();
        let f = failure(&t);
        assert_eq!((f.seq, f.message_id), (Some(2), Some(101)));
        assert_eq!(
            f.to_string(),
            "message #2 (id 101): the chain hash does not match its content"
        );
    }

    type Change = Box<dyn Fn(&mut TranscriptMessage)>;

    #[test]
    fn every_covered_field_is_protected() {
        let cases: Vec<(usize, Change)> = vec![
            (0, Box::new(|m| m.kind = MessageKind::Apology)),
            (3, Box::new(|m| m.kind = MessageKind::Retraction)),
            (2, Box::new(|m| m.reference = Some(MessageId(101)))),
            (3, Box::new(|m| m.reference = None)),
            (
                2,
                Box::new(|m| {
                    if let Some(c) = &mut m.correction {
                        c.correct_information = "Friday 5 December".into();
                    }
                }),
            ),
            (
                2,
                Box::new(|m| {
                    if let Some(c) = &mut m.correction {
                        c.what_was_wrong = "The time".into();
                    }
                }),
            ),
            (2, Box::new(|m| m.correction = None)),
            (1, Box::new(|m| m.sender = UserId(1))),
            (4, Box::new(|m| m.server_time += 1)),
            (4, Box::new(|m| m.client_id = Uuid::nil())),
            (4, Box::new(|m| m.body.push(' '))),
        ];
        for (index, change) in cases {
            let mut t = sample();
            change(&mut t.messages[index]);
            let f = failure(&t);
            let seq = i64::try_from(index).expect("small") + 1;
            assert_eq!(f.seq, Some(seq), "{f}");
            assert_eq!(f.message_id, Some(t.messages[index].id.0), "{f}");
            assert!(f.reason.contains("chain hash"), "{f}");
        }
    }

    #[test]
    fn a_changed_conversation_id_fails_at_the_first_message() {
        let mut t = sample();
        t.conversation.id = ConversationId(43);
        assert_eq!(failure(&t).seq, Some(1));
    }

    #[test]
    fn another_key_fails_at_the_first_message() {
        let mut t = sample();
        let other = SigningKey::from_bytes(&[8u8; 32]);
        t.server_public_key = hex::encode(other.verifying_key().to_bytes());
        let f = failure(&t);
        assert_eq!((f.seq, f.message_id), (Some(1), Some(100)));
        assert!(f.reason.contains("signature does not verify"), "{f}");
    }

    #[test]
    fn a_bad_key_fails_as_a_whole() {
        for bad in ["", "zz", "00", &"g".repeat(64)] {
            let mut t = sample();
            t.server_public_key = bad.to_owned();
            let f = failure(&t);
            assert_eq!(f.seq, None);
            assert!(f.reason.contains("public key"), "{f}");
        }
    }

    #[test]
    fn a_tampered_signature_fails_at_that_message() {
        let mut t = sample();
        let sig = &mut t.messages[3].signature;
        let flipped = if sig.starts_with('0') { "1" } else { "0" };
        sig.replace_range(0..1, flipped);
        let f = failure(&t);
        assert_eq!((f.seq, f.message_id), (Some(4), Some(104)));
        assert!(f.reason.contains("signature does not verify"), "{f}");
        // The signature of another message does not fit either.
        let mut t = sample();
        t.messages[3].signature = t.messages[2].signature.clone();
        assert_eq!(failure(&t).seq, Some(4));
    }

    #[test]
    fn bad_hex_is_named() {
        let mut t = sample();
        t.messages[2].chain_hash = "not hex".into();
        let f = failure(&t);
        assert_eq!(f.seq, Some(3));
        assert!(f.reason.contains("64 hex digits"), "{f}");

        let mut t = sample();
        t.messages[2].chain_hash.pop();
        assert_eq!(failure(&t).seq, Some(3));

        let mut t = sample();
        t.messages[1].signature = "xyz".into();
        let f = failure(&t);
        assert_eq!(f.seq, Some(2));
        assert!(f.reason.contains("128 hex digits"), "{f}");
    }

    #[test]
    fn a_missing_message_fails_at_its_position() {
        let mut t = sample();
        t.messages.remove(1);
        let f = failure(&t);
        assert_eq!((f.seq, f.message_id), (Some(2), None));
        assert!(f.reason.contains("#2 is missing"), "{f}");

        let mut t = sample();
        t.messages.remove(0);
        assert_eq!(failure(&t).seq, Some(1));
    }

    #[test]
    fn a_message_cut_from_the_end_is_noticed() {
        let mut t = sample();
        t.messages.pop();
        let f = failure(&t);
        assert_eq!(f.seq, Some(5));
        assert!(f.reason.contains("#5 is missing"), "{f}");
        // Even with the count adjusted, the declared head gives it away.
        t.message_count = 4;
        assert!(failure(&t).reason.contains("chain_head"));
    }

    #[test]
    fn reordered_and_duplicated_messages_fail_at_their_position() {
        let mut t = sample();
        t.messages.swap(2, 3);
        let f = failure(&t);
        assert_eq!(f.seq, Some(3));
        assert!(f.reason.contains("out of order"), "{f}");

        let mut t = sample();
        let copy = t.messages[1].clone();
        t.messages.insert(2, copy);
        t.message_count += 1;
        assert_eq!(failure(&t).seq, Some(3));
    }

    #[test]
    fn renumbering_fails() {
        // Renumbering every seq after a removed message changes each hash.
        let mut t = sample();
        t.messages.remove(1);
        for m in &mut t.messages[1..] {
            m.seq -= 1;
        }
        assert_eq!(failure(&t).seq, Some(2));
    }

    #[test]
    fn ids_and_references_are_consistent() {
        // Ids are not signed, but they must increase.
        let mut t = sample();
        t.messages[1].id = MessageId(99);
        let f = failure(&t);
        assert_eq!(f.seq, Some(2));
        assert!(f.reason.contains("ids"), "{f}");
        // A signed reference to a message that is not in the transcript.
        let mut t = sample();
        t.messages[3].reference = Some(MessageId(102));
        resign_from(&mut t, 3);
        let f = failure(&t);
        assert_eq!((f.seq, f.message_id), (Some(4), Some(104)));
        assert!(f.reason.contains("not an earlier message"), "{f}");
        // A correction of someone else's message.
        let mut t = sample();
        t.messages[2].reference = Some(MessageId(101));
        resign_from(&mut t, 2);
        assert!(failure(&t).reason.contains("sender's own"));
        // A correction without its fields, and fields without a correction.
        let mut t = sample();
        t.messages[2].correction = None;
        resign_from(&mut t, 2);
        assert!(failure(&t).reason.contains("lacks"));
        let mut t = sample();
        t.messages[0].correction = Some(CorrectionFields {
            what_was_wrong: "a".into(),
            correct_information: "b".into(),
        });
        resign_from(&mut t, 0);
        assert_eq!(failure(&t).seq, Some(1));
        // Urgent notices need a reference.
        let mut t = sample();
        t.messages[3].reference = None;
        resign_from(&mut t, 3);
        assert!(failure(&t).reason.contains("must refer"));
    }

    #[test]
    fn format_and_version_are_checked() {
        let mut t = sample();
        t.version = 2;
        assert!(failure(&t).reason.contains("version 2"));
        let mut t = sample();
        t.format = "something-else".into();
        assert!(failure(&t).reason.contains("not a Candor transcript"));

        let mut v = serde_json::to_value(sample()).expect("serialise");
        v["version"] = serde_json::json!(2);
        v["new_field"] = serde_json::json!(true);
        let f = verify_transcript_json(&serde_json::to_vec(&v).expect("bytes"))
            .expect_err("newer version");
        assert!(f.reason.contains("version 2 is not supported"), "{f}");
    }

    #[test]
    fn json_that_is_not_a_transcript_fails_clearly() {
        let good = serde_json::to_vec_pretty(&sample()).expect("serialise");
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (Vec::new(), "not a JSON transcript"),
            (b"{".to_vec(), "not a JSON transcript"),
            (b"[1, 2]".to_vec(), "not a Candor transcript"),
            (b"null".to_vec(), "not a JSON transcript"),
            (b"\xff\xfe".to_vec(), "not a JSON transcript"),
            (b"{}".to_vec(), "not a Candor transcript"),
            (
                br#"{"format": "candor-transcript"}"#.to_vec(),
                "no format version",
            ),
            (
                br#"{"format": "candor-transcript", "version": 1}"#.to_vec(),
                "malformed",
            ),
            (good[..good.len() / 2].to_vec(), "not a JSON transcript"),
        ];
        for (bytes, expected) in cases {
            let f = verify_transcript_json(&bytes).expect_err("fails");
            assert_eq!(f.seq, None);
            assert!(f.reason.contains(expected), "{f}");
        }
        // An unknown kind, or a field the format does not have.
        let mut v = serde_json::to_value(sample()).expect("serialise");
        v["messages"][1]["kind"] = serde_json::json!("unsend");
        let f = verify_transcript_json(&serde_json::to_vec(&v).expect("bytes")).expect_err("kind");
        assert!(f.reason.contains("malformed"), "{f}");
        let mut v = serde_json::to_value(sample()).expect("serialise");
        v["messages"][1]["edited"] = serde_json::json!(true);
        assert!(verify_transcript_json(&serde_json::to_vec(&v).expect("bytes")).is_err());
    }

    #[test]
    fn one_flipped_byte_in_a_body_fails_at_that_message() {
        let good = serde_json::to_vec_pretty(&sample()).expect("serialise");
        let needle = b"the meeting is on Wednesday";
        let at = good
            .windows(needle.len())
            .position(|w| w == needle)
            .expect("body in the file")
            + 4; // the 'm' of "meeting"
        let mut bad = good.clone();
        bad[at] ^= 0x01;
        let f = verify_transcript_json(&bad).expect_err("tampered");
        assert_eq!((f.seq, f.message_id), (Some(1), Some(100)));
        assert_eq!(
            f.to_string(),
            "message #1 (id 100): the chain hash does not match its content"
        );
    }

    #[test]
    fn failures_display_where_they_are() {
        let f = TranscriptFailure {
            seq: Some(12),
            message_id: Some(345),
            reason: "the chain hash does not match its content".into(),
        };
        assert_eq!(
            f.to_string(),
            "message #12 (id 345): the chain hash does not match its content"
        );
        assert_eq!(
            TranscriptFailure::position(3, "gone").to_string(),
            "message #3: gone"
        );
        assert_eq!(TranscriptFailure::whole("bad").to_string(), "bad");
    }
}
