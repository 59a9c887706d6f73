//! The per-conversation hash chain and its canonical encoding.
//!
//! `hash_0 = SHA-256("candor/genesis/v1" ‖ conversation id)` and
//! `hash_n = SHA-256(hash_{n-1} ‖ canonical(message n))`. The server signs
//! `signing_payload(conversation, seq, hash_n)` with its ed25519 key, so one
//! valid signature on message n proves messages 1..=n.
//!
//! The canonical encoding (version 1) is, in order, with integers big-endian:
//!
//! | field | encoding |
//! | --- | --- |
//! | tag | the 16 ASCII bytes `candor/msg/v1\0\0\0` |
//! | conversation id | i64 |
//! | seq | i64 |
//! | sender | i64 |
//! | client id | 16 bytes (UUID) |
//! | server time | i64 (ms since the epoch) |
//! | kind | u8 ([`MessageKind::code`]) |
//! | reference | u8 0, or u8 1 then i64 |
//! | body | u32 byte length, then UTF-8 |
//! | correction | u8 0, or u8 1 then two strings as body |
//!
//! Never change an existing field's encoding: a new field means a new version tag.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{ConversationId, CorrectionFields, MessageId, MessageKind, UserId};

const MESSAGE_TAG: &[u8; 16] = b"candor/msg/v1\0\0\0";
const GENESIS_TAG: &[u8] = b"candor/genesis/v1";
const SIGNATURE_TAG: &[u8] = b"candor/sig/v1";

/// The fields of a message that the chain covers.
#[derive(Debug, Clone, Copy)]
pub struct CanonicalMessage<'a> {
    pub conversation_id: ConversationId,
    pub seq: i64,
    pub sender: UserId,
    pub client_id: Uuid,
    pub server_time: i64,
    pub kind: MessageKind,
    pub reference: Option<MessageId>,
    pub body: &'a str,
    pub correction: Option<&'a CorrectionFields>,
}

impl CanonicalMessage<'_> {
    /// The canonical bytes of this message (see the module docs).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(96 + self.body.len());
        out.extend_from_slice(MESSAGE_TAG);
        out.extend_from_slice(&self.conversation_id.0.to_be_bytes());
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&self.sender.0.to_be_bytes());
        out.extend_from_slice(self.client_id.as_bytes());
        out.extend_from_slice(&self.server_time.to_be_bytes());
        out.push(self.kind.code());
        match self.reference {
            None => out.push(0),
            Some(id) => {
                out.push(1);
                out.extend_from_slice(&id.0.to_be_bytes());
            }
        }
        push_str(&mut out, self.body);
        match self.correction {
            None => out.push(0),
            Some(c) => {
                out.push(1);
                push_str(&mut out, &c.what_was_wrong);
                push_str(&mut out, &c.correct_information);
            }
        }
        out
    }
}

fn push_str(out: &mut Vec<u8>, s: &str) {
    // Bodies are bounded far below 4 GiB by validation; saturate defensively.
    let len = u32::try_from(s.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// The chain hash before the first message of a conversation.
pub fn genesis_hash(conversation: ConversationId) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(GENESIS_TAG);
    h.update(conversation.0.to_be_bytes());
    h.finalize().into()
}

/// `SHA-256(previous ‖ canonical(message))`.
pub fn chain_hash(previous: &[u8; 32], message: &CanonicalMessage<'_>) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(previous);
    h.update(message.encode());
    h.finalize().into()
}

/// The bytes the server signs for message `seq` of `conversation`.
pub fn signing_payload(conversation: ConversationId, seq: i64, hash: &[u8; 32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(SIGNATURE_TAG.len() + 48);
    out.extend_from_slice(SIGNATURE_TAG);
    out.extend_from_slice(&conversation.0.to_be_bytes());
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(hash);
    out
}

/// Signs a chain hash; returns the signature as hex.
pub fn sign_chain_hash(
    key: &SigningKey,
    conversation: ConversationId,
    seq: i64,
    hash: &[u8; 32],
) -> String {
    hex::encode(
        key.sign(&signing_payload(conversation, seq, hash))
            .to_bytes(),
    )
}

/// Why a message failed verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainError {
    /// The hash field is not 32 bytes of hex.
    MalformedHash,
    /// The recomputed hash differs from the one the message carries.
    HashMismatch { expected: String, found: String },
    /// The signature field is not 64 bytes of hex.
    MalformedSignature,
    /// The signature does not verify under the server's key.
    BadSignature,
    /// The server's public key is not a valid ed25519 key.
    BadPublicKey,
}

impl std::fmt::Display for ChainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainError::MalformedHash => f.write_str("the chain hash is malformed"),
            ChainError::HashMismatch { expected, found } => {
                write!(f, "the chain hash is {found}, expected {expected}")
            }
            ChainError::MalformedSignature => f.write_str("the signature is malformed"),
            ChainError::BadSignature => f.write_str("the server signature does not verify"),
            ChainError::BadPublicKey => f.write_str("the server public key is invalid"),
        }
    }
}

impl std::error::Error for ChainError {}

/// Parses a hex chain hash.
pub fn parse_hash(hex_hash: &str) -> Result<[u8; 32], ChainError> {
    let bytes = hex::decode(hex_hash).map_err(|_| ChainError::MalformedHash)?;
    bytes.try_into().map_err(|_| ChainError::MalformedHash)
}

/// Checks that `message` extends `previous`; returns its hash.
pub fn verify_link(
    previous: &[u8; 32],
    message: &CanonicalMessage<'_>,
    claimed_hash: &str,
) -> Result<[u8; 32], ChainError> {
    let expected = chain_hash(previous, message);
    let claimed = parse_hash(claimed_hash)?;
    if claimed != expected {
        return Err(ChainError::HashMismatch {
            expected: hex::encode(expected),
            found: claimed_hash.to_owned(),
        });
    }
    Ok(expected)
}

/// Parses the server's hex public key.
pub fn parse_public_key(hex_key: &str) -> Result<VerifyingKey, ChainError> {
    let bytes: [u8; 32] = hex::decode(hex_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(ChainError::BadPublicKey)?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| ChainError::BadPublicKey)
}

/// Verifies the server's signature over a chain hash.
pub fn verify_signature(
    key: &VerifyingKey,
    conversation: ConversationId,
    seq: i64,
    hash: &[u8; 32],
    signature_hex: &str,
) -> Result<(), ChainError> {
    let bytes: [u8; 64] = hex::decode(signature_hex)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(ChainError::MalformedSignature)?;
    key.verify(
        &signing_payload(conversation, seq, hash),
        &Signature::from_bytes(&bytes),
    )
    .map_err(|_| ChainError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample<'a>(body: &'a str, correction: Option<&'a CorrectionFields>) -> CanonicalMessage<'a> {
        CanonicalMessage {
            conversation_id: ConversationId(42),
            seq: 3,
            sender: UserId(7),
            client_id: Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0001),
            server_time: 1_764_000_000_000,
            kind: if correction.is_some() {
                MessageKind::Correction
            } else {
                MessageKind::Text
            },
            reference: correction.map(|_| MessageId(99)),
            body,
            correction,
        }
    }

    #[test]
    fn canonical_encoding_is_stable() {
        let fields = CorrectionFields {
            what_was_wrong: "The date".into(),
            correct_information: "Thursday 4 December".into(),
        };
        insta::assert_snapshot!("text", hex::encode(sample("Hello, Bob", None).encode()));
        insta::assert_snapshot!(
            "correction",
            hex::encode(sample("Sorry, the meeting is on Thursday", Some(&fields)).encode())
        );
        insta::assert_snapshot!("genesis", hex::encode(genesis_hash(ConversationId(42))));
    }

    #[test]
    fn every_field_changes_the_hash() {
        let base = sample("Hello", None);
        let h = chain_hash(&genesis_hash(base.conversation_id), &base);
        let variants = [
            CanonicalMessage { seq: 4, ..base },
            CanonicalMessage {
                sender: UserId(8),
                ..base
            },
            CanonicalMessage {
                server_time: 1,
                ..base
            },
            CanonicalMessage {
                body: "Hellp",
                ..base
            },
            CanonicalMessage {
                kind: MessageKind::Apology,
                ..base
            },
            CanonicalMessage {
                reference: Some(MessageId(1)),
                ..base
            },
            CanonicalMessage {
                client_id: Uuid::nil(),
                ..base
            },
            CanonicalMessage {
                conversation_id: ConversationId(43),
                ..base
            },
        ];
        for v in variants {
            assert_ne!(
                chain_hash(&genesis_hash(base.conversation_id), &v),
                h,
                "{v:?}"
            );
        }
    }

    #[test]
    fn signatures_verify_and_detect_tampering() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let public =
            parse_public_key(&hex::encode(key.verifying_key().to_bytes())).expect("valid key");
        let msg = sample("Hello", None);
        let hash = chain_hash(&genesis_hash(msg.conversation_id), &msg);
        let sig = sign_chain_hash(&key, msg.conversation_id, msg.seq, &hash);
        assert_eq!(
            verify_signature(&public, msg.conversation_id, msg.seq, &hash, &sig),
            Ok(())
        );
        assert_eq!(
            verify_signature(&public, msg.conversation_id, msg.seq + 1, &hash, &sig),
            Err(ChainError::BadSignature)
        );
        assert_eq!(
            verify_signature(&public, msg.conversation_id, msg.seq, &hash, "zz"),
            Err(ChainError::MalformedSignature)
        );
        let tampered = CanonicalMessage {
            body: "Hellò",
            ..msg
        };
        assert!(matches!(
            verify_link(
                &genesis_hash(msg.conversation_id),
                &tampered,
                &hex::encode(hash)
            ),
            Err(ChainError::HashMismatch { .. })
        ));
    }
}
