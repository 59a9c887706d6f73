//! What moderators see: reports with the people involved, the evidence as the
//! server recorded and re-verified it with the messages around it, and the
//! append-only record of moderation actions. Served only to moderators
//! (`/v1/admin/...`) and printed by `candor-server admin`. The desktop app
//! never receives these types, so they export no TypeScript.

use serde::{Deserialize, Serialize};

use crate::{ConversationId, MessageId, MessageKind, ModerationAction, ReportView, UserId};

/// An account as moderators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountSummary {
    pub user_id: UserId,
    pub handle: String,
    pub display_name: String,
    /// Whether the account has the moderator role.
    pub moderator: bool,
    /// Until when (ms since the epoch) the account may not start
    /// conversations or send invitations; past values are history.
    pub restricted_until: Option<i64>,
    /// Until when (ms since the epoch) the account may not sign in.
    pub suspended_until: Option<i64>,
}

/// A report with the people involved, as a moderation queue lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminReport {
    pub report: ReportView,
    pub reporter: AccountSummary,
    pub reported: AccountSummary,
}

/// One message around a piece of evidence, with who sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContextMessage {
    pub message_id: MessageId,
    pub seq: i64,
    pub sender: UserId,
    pub sender_handle: String,
    /// Server time of acceptance, ms since the epoch.
    pub server_time: i64,
    pub kind: MessageKind,
    pub body: String,
    /// True for the evidence message itself.
    pub evidence: bool,
}

/// A message offered as evidence, as the server recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvidenceDetail {
    pub message_id: MessageId,
    pub conversation_id: ConversationId,
    pub seq: i64,
    /// The chain hash (hex) of the server's record, which the reporter's
    /// copy had to match.
    pub chain_hash: String,
    /// The server's signature (hex) over that chain hash.
    pub signature: String,
    /// Whether, when the report was filed, the server recomputed this
    /// message's chain link from the stored chain and verified the signature
    /// with its own key.
    pub verified: bool,
    /// The messages of its conversation up to 3 before and 3 after it, in
    /// order, itself included.
    pub context: Vec<ContextMessage>,
}

/// One entry of the append-only moderation record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModerationRecord {
    pub id: i64,
    pub report_id: i64,
    /// The reported account the action concerned.
    pub target: UserId,
    /// Who acted: the moderator's handle, or `cli` for the server's
    /// `admin` command run without `--moderator`.
    pub moderator: String,
    pub action: ModerationAction,
    pub reason: String,
    /// Until when a restriction or suspension lasts (ms since the epoch).
    pub until: Option<i64>,
    /// When (ms since the epoch).
    pub at: i64,
}

/// Everything a moderator needs to decide on a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportDetail {
    pub report: ReportView,
    pub reporter: AccountSummary,
    pub reported: AccountSummary,
    /// In the order the reporter gave them.
    pub evidence: Vec<EvidenceDetail>,
    /// The other reports about the same account, newest first.
    pub other_reports: Vec<AdminReport>,
    /// Every moderation action on the reported account (this report's and
    /// earlier ones), oldest first.
    pub actions: Vec<ModerationRecord>,
}
