//! Candor's wire protocol: the JSON types exchanged between the client core and
//! the server, the limits both sides enforce, and the canonical message
//! encoding that the per-conversation hash chain is computed over.
//!
//! This crate does no I/O and knows nothing of storage, HTTP or the desktop
//! shell. Anything both sides must agree on byte for byte lives here, so that
//! a change to the wire is a visible diff in this crate's snapshot tests.

pub mod admin;
pub mod chain;
pub mod transcript;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use chain::{chain_hash, genesis_hash, signing_payload, CanonicalMessage, ChainError};

/// Maximum characters of a message body after trimming.
pub const MAX_BODY_CHARS: usize = 10_000;
/// Maximum characters of the "what was wrong" / "correct information" fields.
pub const MAX_CORRECTION_FIELD_CHARS: usize = 2_000;
/// Largest and smallest group (members including the creator).
pub const MAX_GROUP_MEMBERS: usize = 50;
pub const MIN_GROUP_MEMBERS: usize = 2;
/// Minimum password length in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Largest page the sync feed returns.
pub const MAX_SYNC_PAGE: u32 = 1_000;
/// Largest incident document the server keeps, in bytes of JSON text.
pub const MAX_INCIDENT_BYTES: usize = 32 * 1024;
/// Urgent notices one sender may send in one conversation per window.
pub const MAX_URGENT_PER_WINDOW: i64 = 3;
/// The window of [`MAX_URGENT_PER_WINDOW`], in milliseconds (one hour).
pub const URGENT_WINDOW_MS: i64 = 60 * 60 * 1000;
/// Reports one account may file per window.
pub const MAX_REPORTS_PER_WINDOW: i64 = 10;
/// The window of [`MAX_REPORTS_PER_WINDOW`], in milliseconds (one day).
pub const REPORT_WINDOW_MS: i64 = 24 * 60 * 60 * 1000;
/// Evidence items one report may carry.
pub const MAX_EVIDENCE_ITEMS: usize = 50;
/// Longest report description, in characters.
pub const MAX_REPORT_DESCRIPTION_CHARS: usize = 4_000;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A server-assigned account id.
    UserId
);
id_type!(
    /// A server-assigned conversation id.
    ConversationId
);
id_type!(
    /// A server-assigned message id, unique across the server and increasing
    /// in delivery order.
    MessageId
);
id_type!(
    /// A device session id (one per signed-in device).
    SessionId
);

/// Every error the server returns has this body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ErrorBody {
    /// A stable machine-readable code, e.g. `not_connected`. Clients branch on it.
    pub code: String,
    /// A human-readable explanation in English.
    pub message: String,
}

// ---------------------------------------------------------------- accounts

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct SignUpRequest {
    pub handle: String,
    pub display_name: String,
    pub password: String,
    pub device_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    pub handle: String,
    pub password: String,
    pub device_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AuthResponse {
    /// Opaque bearer token for this device session. The server keeps only its hash.
    pub token: String,
    pub session_id: SessionId,
    pub profile: Profile,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SessionInfo {
    pub id: SessionId,
    pub device_name: String,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    pub last_seen_at: i64,
    /// True for the session whose token made this request.
    pub current: bool,
}

// ---------------------------------------------------------------- profiles

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Profile {
    pub user_id: UserId,
    pub handle: String,
    pub display_name: String,
    pub headline: String,
    /// Present only for yourself and your accepted connections.
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct ProfileUpdate {
    pub display_name: Option<String>,
    pub headline: Option<String>,
    /// `Some("")` removes the phone number.
    pub phone: Option<String>,
}

// ------------------------------------------------------------- connections

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum ConnectionState {
    /// You invited them; they have not answered.
    InvitedByMe,
    /// They invited you; accept or decline.
    InvitedMe,
    Accepted,
    /// The invitation was declined; either side may invite again.
    Declined,
    /// The connection ended because one of you blocked the other; once
    /// nothing blocks it, either side may invite again.
    Removed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Connection {
    pub peer: Profile,
    pub state: ConnectionState,
    /// When the state last changed (ms since the epoch).
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    pub handle: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DirectoryEntry {
    pub profile: Profile,
    pub connected: bool,
}

// ----------------------------------------------------------- conversations

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum ConversationKind {
    Direct,
    Group,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Conversation {
    pub id: ConversationId,
    pub kind: ConversationKind,
    /// Empty for direct conversations.
    pub title: String,
    pub members: Vec<Profile>,
    pub created_by: UserId,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct CreateDirectRequest {
    pub peer: UserId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct CreateGroupRequest {
    pub title: String,
    /// The other members (the creator is added automatically).
    pub members: Vec<UserId>,
}

// ---------------------------------------------------------------- messages

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    Text,
    /// Corrects an earlier message of the same sender.
    Correction,
    /// "Please disregard": refers to an earlier message of the same sender.
    Retraction,
    Apology,
    /// An urgent follow-up that escalates notifications on the recipient's side.
    Urgent,
}

impl MessageKind {
    pub const ALL: [MessageKind; 5] = [
        MessageKind::Text,
        MessageKind::Correction,
        MessageKind::Retraction,
        MessageKind::Apology,
        MessageKind::Urgent,
    ];

    /// The stable wire and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Text => "text",
            MessageKind::Correction => "correction",
            MessageKind::Retraction => "retraction",
            MessageKind::Apology => "apology",
            MessageKind::Urgent => "urgent",
        }
    }

    pub fn parse(s: &str) -> Option<MessageKind> {
        MessageKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The byte the canonical encoding uses for this kind. Never renumber.
    pub fn code(self) -> u8 {
        match self {
            MessageKind::Text => 1,
            MessageKind::Correction => 2,
            MessageKind::Retraction => 3,
            MessageKind::Apology => 4,
            MessageKind::Urgent => 5,
        }
    }

    /// Whether a message of this kind must refer to an earlier message.
    pub fn requires_reference(self) -> bool {
        matches!(
            self,
            MessageKind::Correction | MessageKind::Retraction | MessageKind::Urgent
        )
    }

    /// Whether the referenced message must be the sender's own.
    pub fn reference_must_be_own(self) -> bool {
        matches!(self, MessageKind::Correction | MessageKind::Retraction)
    }
}

/// The two structured fields of a correction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct CorrectionFields {
    pub what_was_wrong: String,
    pub correct_information: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct SendMessageRequest {
    /// The sender's own id for this message (UUIDv7). Sending the same id
    /// again returns the original message and stores nothing new.
    pub client_id: Uuid,
    pub kind: MessageKind,
    #[serde(default)]
    pub reference: Option<MessageId>,
    pub body: String,
    #[serde(default)]
    pub correction: Option<CorrectionFields>,
}

/// A delivered, permanent message as the server recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Message {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    /// 1, 2, 3, … within the conversation, without gaps.
    pub seq: i64,
    pub sender: UserId,
    pub client_id: Uuid,
    /// Server time of acceptance, ms since the epoch.
    pub server_time: i64,
    pub kind: MessageKind,
    pub reference: Option<MessageId>,
    pub body: String,
    pub correction: Option<CorrectionFields>,
    /// Hex SHA-256 chain hash up to and including this message.
    pub chain_hash: String,
    /// Hex ed25519 signature by the server over [`signing_payload`].
    pub signature: String,
}

impl Message {
    /// The fields the chain hash covers, borrowed.
    pub fn canonical(&self) -> CanonicalMessage<'_> {
        CanonicalMessage {
            conversation_id: self.conversation_id,
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SendMessageResponse {
    pub message: Message,
    /// False when this `client_id` had already been accepted before.
    pub created: bool,
}

// ---------------------------------------------------------------- receipts

/// Delivery and read state of one member in one conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Receipt {
    pub conversation_id: ConversationId,
    pub user_id: UserId,
    /// Every message with `seq <= delivered_up_to` reached one of the member's devices.
    pub delivered_up_to: i64,
    /// Every message with `seq <= read_up_to` was read on one of the member's devices.
    pub read_up_to: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct ReceiptRequest {
    #[serde(default)]
    pub delivered_up_to: Option<i64>,
    #[serde(default)]
    pub read_up_to: Option<i64>,
}

// -------------------------------------------------------------------- feed

/// Something a user must see, numbered in that user's feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct FeedEvent {
    /// 1, 2, 3, … per user, without gaps.
    pub seq: i64,
    pub event: EventPayload,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum EventPayload {
    Message(Message),
    Receipt(Receipt),
    /// You became a member of a conversation (or its members changed).
    Membership(Conversation),
    /// A connection was created or changed state.
    Connection(Connection),
    /// The profile of yourself or of a connection changed.
    Profile(Profile),
    /// One of your incidents changed (on this or another of your devices).
    Incident(IncidentRecord),
    /// You blocked or unblocked someone (on this or another of your devices).
    /// The other person is never sent this.
    Block(BlockChange),
    /// A report you made changed status.
    Report(ReportView),
    /// A moderator's notice to you (a warning, a restriction, a suspension).
    Notice(ModerationNotice),
}

// ------------------------------------------------------------------ blocks

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct BlockRequest {
    pub user_id: UserId,
}

/// Someone you blocked (or unblocked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct BlockChange {
    pub user_id: UserId,
    pub blocked: bool,
    /// When (ms since the epoch).
    pub at: i64,
}

// ----------------------------------------------------------------- reports

/// Why someone is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum ReportCategory {
    Harassment,
    Extortion,
    MisuseThreat,
    SpamScam,
    Impersonation,
    Other,
}

/// A message offered as evidence, as the reporter's device has it. The
/// server checks it against its own record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct EvidenceItem {
    pub message_id: MessageId,
    /// The chain hash (hex) the reporter's device verified for it.
    pub chain_hash: String,
    /// The server's signature (hex) the reporter's device holds for it.
    pub signature: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    /// Makes a retried submission idempotent.
    pub client_id: Uuid,
    pub reported: UserId,
    pub category: ReportCategory,
    pub description: String,
    /// The conversation reported, if any (then at least one evidence item).
    pub conversation: Option<ConversationId>,
    pub evidence: Vec<EvidenceItem>,
    /// Also block the reported person, in the same step.
    #[serde(default)]
    pub also_block: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    Received,
    UnderReview,
    ActionTaken,
    Dismissed,
}

/// A report as its reporter sees it (never shown to the reported person).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReportView {
    pub id: i64,
    pub client_id: Uuid,
    pub reported: UserId,
    pub category: ReportCategory,
    pub description: String,
    pub conversation: Option<ConversationId>,
    pub evidence: Vec<MessageId>,
    pub status: ReportStatus,
    /// What was done, in words for the reporter ("The account was suspended.").
    pub outcome: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What a moderator may do about a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ModerationAction {
    /// Mark it under review (the reporter sees it is being looked at).
    Review,
    Dismiss,
    /// The reported account receives a notice.
    Warn,
    /// The reported account cannot start conversations or send invitations.
    Restrict {
        days: u32,
    },
    /// The reported account cannot sign in; every session ends at once.
    Suspend {
        days: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct ModerationRequest {
    pub action: ModerationAction,
    pub reason: String,
}

/// A moderator's notice to the account concerned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ModerationNotice {
    pub action: ModerationAction,
    pub text: String,
    /// Until when a restriction or suspension lasts (ms since the epoch).
    pub until: Option<i64>,
    pub at: i64,
}

// --------------------------------------------------------------- incidents

/// A damage-control incident as the server keeps it: private to its owner
/// and opaque to the server, which checks only ownership, size and that each
/// stored version is newer than the last. Its devices read it back through
/// their feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct IncidentRecord {
    pub id: Uuid,
    /// Grows with every change; the server keeps a write only if its version
    /// is higher than the stored one (otherwise 409 `stale_version`).
    pub version: i64,
    /// The incident as the client engine writes it: JSON text of at most
    /// [`MAX_INCIDENT_BYTES`] bytes. The server never interprets it.
    pub data: String,
    /// Set by the server: when it stored this version (ms since the epoch);
    /// ignored on writes.
    #[serde(default)]
    pub stored_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SyncPage {
    pub events: Vec<FeedEvent>,
    /// The cursor to ask with next (`since`).
    pub next: i64,
    /// True when more events follow immediately.
    pub has_more: bool,
}

/// What the server pushes on the `/v1/events` WebSocket, one JSON text frame each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveFrame {
    /// Sent once after connecting: the newest feed number at that moment.
    Hello {
        feed_head: i64,
    },
    Event(FeedEvent),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ServerInfo {
    pub name: String,
    pub version: String,
    /// Hex ed25519 public key that signs every chain hash.
    pub public_key: String,
}

/// Validates and normalises a message body: trims it and checks the length.
pub fn normalise_body(body: &str) -> Result<String, &'static str> {
    let trimmed = body.trim();
    let chars = trimmed.chars().count();
    if chars == 0 {
        return Err("The message is empty");
    }
    if chars > MAX_BODY_CHARS {
        return Err("The message is longer than 10,000 characters");
    }
    Ok(trimmed.to_owned())
}

/// Validates a handle: 3–32 characters of lower-case ASCII letters, digits,
/// `_`, `.` and `-`, starting with a letter.
pub fn validate_handle(handle: &str) -> Result<(), &'static str> {
    let len = handle.len();
    if !(3..=32).contains(&len) {
        return Err("A handle has 3 to 32 characters");
    }
    let mut chars = handle.chars();
    if !chars.next().is_some_and(|c| c.is_ascii_lowercase()) {
        return Err("A handle starts with a lower-case letter");
    }
    if !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c)) {
        return Err("A handle uses only a–z, 0–9, '.', '_' and '-'");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_trimmed_and_bounded() {
        assert_eq!(normalise_body("  hi \n").as_deref(), Ok("hi"));
        assert!(normalise_body(" \n\t ").is_err());
        assert!(normalise_body(&"é".repeat(MAX_BODY_CHARS)).is_ok());
        assert!(normalise_body(&"é".repeat(MAX_BODY_CHARS + 1)).is_err());
    }

    #[test]
    fn handles_are_validated() {
        assert!(validate_handle("alice").is_ok());
        assert!(validate_handle("a.b-c_1").is_ok());
        assert!(validate_handle("Alice").is_err());
        assert!(validate_handle("1alice").is_err());
        assert!(validate_handle("al").is_err());
        assert!(validate_handle("al ice").is_err());
    }

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in MessageKind::ALL {
            assert_eq!(MessageKind::parse(kind.as_str()), Some(kind));
            let json = serde_json::to_string(&kind).expect("serialise");
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
        assert_eq!(MessageKind::parse("unsend"), None);
    }

    #[test]
    fn feed_event_wire_shape() {
        let event = FeedEvent {
            seq: 7,
            event: EventPayload::Receipt(Receipt {
                conversation_id: ConversationId(3),
                user_id: UserId(2),
                delivered_up_to: 10,
                read_up_to: 9,
            }),
        };
        insta::assert_json_snapshot!(event);
        let frame = LiveFrame::Hello { feed_head: 12 };
        insta::assert_json_snapshot!(frame);
    }
}
