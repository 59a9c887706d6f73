//! The types the core hands to the app: read models built from the mirror.
//! They are plain data (serde), so the desktop shell can pass them over IPC.

use candor_proto::{
    ConversationId, ConversationKind, CorrectionFields, MessageId, MessageKind, Profile, UserId,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use crate::search::SnippetPart;

/// Where a message of yours stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// In the hold window on this device; can still be cancelled.
    Held,
    /// Waiting in the outbox for the server (offline or retrying).
    Waiting,
    /// Being sent right now.
    Sending,
    /// The server refused it; see the error.
    Failed,
    /// Accepted by the server, permanent.
    Sent,
    /// Reached at least one device of every other member.
    Delivered,
    /// Read by every other member.
    Read,
}

/// A follow-up message that refers to this one (a correction, retraction,
/// apology or urgent notice), with enough of it to show beneath the original.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Annotation {
    pub kind: MessageKind,
    pub message_id: MessageId,
    pub seq: i64,
    pub sender_name: String,
    pub mine: bool,
    pub server_time: i64,
    pub body: String,
    pub correction: Option<CorrectionFields>,
    /// For your own follow-ups: delivered or read by the others yet?
    pub state: DeliveryState,
}

/// A delivered message as the app shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct MessageView {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub seq: i64,
    pub sender: UserId,
    pub sender_name: String,
    pub mine: bool,
    pub client_id: Uuid,
    pub server_time: i64,
    pub kind: MessageKind,
    pub reference: Option<MessageId>,
    pub body: String,
    pub correction: Option<CorrectionFields>,
    /// Only meaningful for your own messages; `Sent` otherwise.
    pub state: DeliveryState,
    /// False when its chain link failed verification.
    pub verified: bool,
    /// Corrections, retractions, apologies and urgent notices that refer to it.
    pub annotations: Vec<Annotation>,
    /// The message this follow-up refers to, so it can be read together with it.
    pub referenced: Option<MessagePreview>,
    /// Your own messages only: what the sensitive-data check found when you
    /// sent it (masked), so the after-send flows know a secret went out.
    pub findings: Vec<crate::checks::Finding>,
}

/// A message of yours that has not been accepted by the server yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PendingMessage {
    pub client_id: Uuid,
    pub conversation_id: ConversationId,
    pub kind: MessageKind,
    pub reference: Option<MessageId>,
    pub body: String,
    pub correction: Option<CorrectionFields>,
    pub state: DeliveryState,
    pub created_at: i64,
    /// While held: when it will be sent (ms since the epoch).
    pub hold_until: i64,
    pub attempts: i64,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

/// A short view of the newest message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct MessagePreview {
    pub id: MessageId,
    pub sender: UserId,
    pub sender_name: String,
    pub kind: MessageKind,
    pub body: String,
    pub server_time: i64,
}

/// A conversation in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ConversationSummary {
    pub id: ConversationId,
    pub kind: ConversationKind,
    /// The group title, or the other person's name.
    pub title: String,
    pub members: Vec<Profile>,
    pub last_message: Option<MessagePreview>,
    pub last_activity: i64,
    pub unread: i64,
    pub urgent_unread: i64,
    /// Messages waiting in the outbox.
    pub pending: i64,
    /// The chain failed verification somewhere: show a permanent warning.
    pub integrity_alarm: bool,
}

/// Which slice of a conversation to read. Pages are in ascending `seq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(tag = "at", rename_all = "snake_case")]
pub enum Page {
    /// The newest messages.
    Latest { limit: u32 },
    /// Messages older than `seq`.
    Before { seq: i64, limit: u32 },
    /// Messages newer than `seq`.
    After { seq: i64, limit: u32 },
    /// Messages around one message, which is included.
    Around { message: MessageId, limit: u32 },
}

/// A search result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SearchHit {
    pub message_id: MessageId,
    pub conversation_id: ConversationId,
    pub conversation_title: String,
    pub seq: i64,
    pub sender_name: String,
    /// You sent it.
    pub mine: bool,
    pub server_time: i64,
    pub kind: MessageKind,
    pub snippet: Vec<SnippetPart>,
}

/// A recorded chain verification failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct IntegrityAlarm {
    pub conversation_id: ConversationId,
    pub seq: i64,
    pub message_id: Option<MessageId>,
    pub reason: String,
    pub detected_at: i64,
}

/// A new message from someone else, for notifications.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct IncomingMessage {
    pub conversation_id: ConversationId,
    pub message_id: MessageId,
    pub sender: UserId,
    pub sender_name: String,
    pub kind: MessageKind,
    pub body: String,
}

/// The state of the connection to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SyncStatus {
    /// No account signed in.
    SignedOut,
    /// Unreachable since this time (ms since the epoch); retrying.
    Offline { since: i64 },
    /// Fetching what happened while away.
    CatchingUp,
    /// Up to date and following live.
    Online,
}

/// Coarse change notifications: the app refetches what it shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientEvent {
    /// Messages, receipts, members or pending messages of a conversation changed.
    ConversationChanged {
        id: ConversationId,
    },
    /// New messages from other people arrived (for notifications).
    MessagesArrived {
        messages: Vec<IncomingMessage>,
    },
    ConnectionsChanged,
    ProfileChanged {
        user: UserId,
    },
    SyncStatus {
        status: SyncStatus,
    },
    /// A chain check failed; the alarm is stored.
    IntegrityAlarm {
        alarm: IntegrityAlarm,
    },
    /// The server no longer accepts this device's token.
    SignedOut,
    /// One of your incidents changed (here or on another device).
    IncidentChanged {
        id: Uuid,
    },
    /// You blocked or unblocked someone (here or on another device).
    BlocksChanged,
    /// One of your reports changed status.
    ReportsChanged,
    /// A moderator's notice to you.
    Notice {
        notice: candor_proto::ModerationNotice,
    },
}
