//! The server's storage boundary.
//!
//! [`Store`] is everything the HTTP layer needs from persistence, expressed in
//! wire types. Each method is one atomic operation: it either commits all its
//! effects (the row, the chain head, every feed event) or none. Methods that
//! append feed events return them as [`Delivery`]s so the caller can push them
//! to live connections after the commit.
//!
//! The trait is synchronous: the embedded SQLite implementation blocks, and the
//! HTTP layer calls it on the blocking thread pool. A PostgreSQL store (see
//! ARCHITECTURE.md) implements the same trait over a blocking client, or the
//! trait grows async methods when that store arrives; nothing above this
//! module knows which database is underneath.

pub mod sqlite;

use std::sync::Arc;

use candor_proto::{
    Connection, Conversation, DirectoryEntry, FeedEvent, IncidentRecord, Message, Profile,
    ProfileUpdate, Receipt, ReceiptRequest, SendMessageRequest, SendMessageResponse, SessionId,
    SessionInfo, SyncPage, UserId, MAX_INCIDENT_BYTES, MAX_URGENT_PER_WINDOW, URGENT_WINDOW_MS,
};
use ed25519_dalek::SigningKey;
use uuid::Uuid;

pub use sqlite::SqliteStore;

/// Why a store operation was refused. `Rejected` is the caller's fault and
/// maps to a 4xx; `Internal` is ours and maps to a 500 that is logged.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{message}")]
    Rejected {
        kind: RejectionKind,
        code: &'static str,
        message: String,
    },
    #[error("storage failure: {0}")]
    Internal(#[from] rusqlite::Error),
    #[error("storage failure: {0}")]
    Encoding(#[from] serde_json::Error),
}

/// The class of a refusal, which decides its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectionKind {
    NotFound,
    /// Well-formed input that breaks a rule (422).
    Invalid,
    /// Input that is malformed in itself (400).
    BadRequest,
    Conflict,
    Forbidden,
    /// Input over a size limit (413).
    TooLarge,
    /// A limit on how often something may be done; possible again after
    /// `retry_after_secs` seconds (429 with `Retry-After`).
    TooMany {
        retry_after_secs: u64,
    },
}

impl StoreError {
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::rejected(RejectionKind::NotFound, code, message)
    }
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::rejected(RejectionKind::Invalid, code, message)
    }
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::rejected(RejectionKind::Conflict, code, message)
    }
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::rejected(RejectionKind::Forbidden, code, message)
    }
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::rejected(RejectionKind::BadRequest, code, message)
    }
    pub fn too_large(code: &'static str, message: impl Into<String>) -> Self {
        Self::rejected(RejectionKind::TooLarge, code, message)
    }
    pub fn too_many(code: &'static str, message: impl Into<String>, retry_after_secs: u64) -> Self {
        Self::rejected(RejectionKind::TooMany { retry_after_secs }, code, message)
    }
    fn rejected(kind: RejectionKind, code: &'static str, message: impl Into<String>) -> Self {
        StoreError::Rejected {
            kind,
            code,
            message: message.into(),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

// ---------------------------------------------------------- shared rules
//
// Rules every store implementation enforces the same way, kept here so that
// a second implementation cannot word or compute them differently.

/// Checks an incident write before it touches storage: the version starts at
/// 1, `data` is at most [`MAX_INCIDENT_BYTES`] and is the JSON text of an
/// object. The server never interprets `data` beyond that.
pub fn validate_incident(record: &IncidentRecord) -> StoreResult<()> {
    if record.data.len() > MAX_INCIDENT_BYTES {
        return Err(StoreError::too_large(
            "incident_too_large",
            format!(
                "An incident holds at most {} KiB of JSON text; this one has {} bytes",
                MAX_INCIDENT_BYTES / 1024,
                record.data.len()
            ),
        ));
    }
    if record.version < 1 {
        return Err(StoreError::bad_request(
            "invalid_incident",
            "An incident's version is 1 or more",
        ));
    }
    // Parsed in full (bounded by the size check and serde_json's nesting
    // limit), so that text a client could not read back (a lone surrogate
    // escape, say) is refused here and not stored.
    let is_object =
        serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&record.data).is_ok();
    if !is_object {
        return Err(StoreError::bad_request(
            "invalid_incident",
            "An incident's data is the JSON text of an object",
        ));
    }
    Ok(())
}

/// The refusal of a write that is not newer than the stored version.
pub fn stale_incident(stored_version: i64) -> StoreError {
    StoreError::conflict(
        "stale_version",
        format!(
            "A newer version of this incident is stored (version {stored_version}); \
             fetch it and merge"
        ),
    )
}

pub fn incident_not_found() -> StoreError {
    StoreError::not_found("incident_not_found", "No such incident")
}

/// The urgent-notice limit: given the `server_time`s of the sender's urgent
/// notices in the conversation within the window ending at `now` (oldest
/// first), refuses a new one if there are already [`MAX_URGENT_PER_WINDOW`],
/// saying when the next one becomes possible.
pub fn check_urgent_limit(recent: &[i64], now: i64) -> StoreResult<()> {
    let max = usize::try_from(MAX_URGENT_PER_WINDOW).unwrap_or(usize::MAX);
    if recent.len() < max {
        return Ok(());
    }
    // Once this one leaves the window, fewer than the maximum remain in it.
    let frees_a_slot = recent[recent.len() - max];
    let wait_ms = u64::try_from(
        frees_a_slot
            .saturating_add(URGENT_WINDOW_MS)
            .saturating_sub(now),
    )
    .unwrap_or(0)
    .max(1);
    let wait_secs = wait_ms.div_ceil(1000);
    let minutes = wait_ms.div_ceil(60_000);
    let window = if URGENT_WINDOW_MS == 3_600_000 {
        "per hour".to_owned()
    } else {
        format!("per {} minutes", URGENT_WINDOW_MS / 60_000)
    };
    Err(StoreError::too_many(
        "urgent_limit",
        format!(
            "At most {MAX_URGENT_PER_WINDOW} urgent notices per conversation {window}; \
             the next is possible in {minutes} minute{}",
            if minutes == 1 { "" } else { "s" }
        ),
        wait_secs,
    ))
}

/// A feed event appended for one user, to be pushed to their live connections.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub user: UserId,
    pub event: Arc<FeedEvent>,
}

/// A new account, validated by the caller.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub handle: String,
    pub display_name: String,
    pub password_hash: String,
    pub device_name: String,
    pub token_hash: [u8; 32],
}

/// Persistence for the server. See the module docs for the contract.
pub trait Store: Send + Sync + 'static {
    /// The server's ed25519 key, created on first start.
    fn signing_key(&self) -> &SigningKey;

    // ---- accounts and sessions
    fn create_account(&self, account: NewAccount, now: i64) -> StoreResult<(Profile, SessionId)>;
    /// The user id and password hash for a handle.
    fn credentials(&self, handle: &str) -> StoreResult<Option<(UserId, String)>>;
    fn create_session(
        &self,
        user: UserId,
        device_name: &str,
        token_hash: [u8; 32],
        now: i64,
    ) -> StoreResult<SessionId>;
    /// The live session a token hash belongs to.
    fn authenticate(
        &self,
        token_hash: [u8; 32],
        now: i64,
    ) -> StoreResult<Option<(UserId, SessionId)>>;
    fn sessions(&self, user: UserId, current: SessionId) -> StoreResult<Vec<SessionInfo>>;
    fn revoke_session(&self, user: UserId, session: SessionId, now: i64) -> StoreResult<()>;

    // ---- profiles and connections
    fn profile(&self, viewer: UserId, user: UserId) -> StoreResult<Profile>;
    fn update_profile(
        &self,
        user: UserId,
        update: ProfileUpdate,
    ) -> StoreResult<(Profile, Vec<Delivery>)>;
    fn invite(
        &self,
        from: UserId,
        handle: &str,
        now: i64,
    ) -> StoreResult<(Connection, Vec<Delivery>)>;
    fn respond(
        &self,
        user: UserId,
        peer: UserId,
        accept: bool,
        now: i64,
    ) -> StoreResult<(Connection, Vec<Delivery>)>;
    fn connections(&self, user: UserId) -> StoreResult<Vec<Connection>>;
    fn directory(
        &self,
        viewer: UserId,
        prefix: &str,
        limit: u32,
    ) -> StoreResult<Vec<DirectoryEntry>>;

    // ---- conversations and messages
    fn create_direct(
        &self,
        user: UserId,
        peer: UserId,
        now: i64,
    ) -> StoreResult<(Conversation, bool, Vec<Delivery>)>;
    fn create_group(
        &self,
        user: UserId,
        title: &str,
        members: &[UserId],
        now: i64,
    ) -> StoreResult<(Conversation, Vec<Delivery>)>;
    fn conversations(&self, viewer: UserId) -> StoreResult<Vec<Conversation>>;
    fn conversation(
        &self,
        viewer: UserId,
        id: candor_proto::ConversationId,
    ) -> StoreResult<Conversation>;
    /// Appends a message (body already normalised) or returns the one already
    /// stored under the same (sender, client id). A new `urgent` message is
    /// refused with `urgent_limit` ([`check_urgent_limit`], counting the
    /// sender's urgent messages in the conversation with `server_time` in
    /// the window ending at `now`); a retry of a stored one is not.
    fn send_message(
        &self,
        sender: UserId,
        conversation: candor_proto::ConversationId,
        request: SendMessageRequest,
        now: i64,
    ) -> StoreResult<(SendMessageResponse, Vec<Delivery>)>;
    fn messages(
        &self,
        viewer: UserId,
        conversation: candor_proto::ConversationId,
        after_seq: i64,
        limit: u32,
    ) -> StoreResult<Vec<Message>>;
    fn set_receipt(
        &self,
        user: UserId,
        conversation: candor_proto::ConversationId,
        request: ReceiptRequest,
    ) -> StoreResult<(Receipt, Vec<Delivery>)>;
    fn receipts(
        &self,
        viewer: UserId,
        conversation: candor_proto::ConversationId,
    ) -> StoreResult<Vec<Receipt>>;

    // ---- incidents (private to their owner)
    /// Stores a new version of one of `owner`'s incidents (validated with
    /// [`validate_incident`]; `stored_at` becomes `now`) if nothing is stored
    /// under (owner, id) or `record.version` is higher than the stored one,
    /// and appends it to the owner's feed. Re-sending the stored version with
    /// the same data returns it unchanged and appends nothing (a retry);
    /// anything else not newer is refused with `stale_version`.
    fn put_incident(
        &self,
        owner: UserId,
        record: IncidentRecord,
        now: i64,
    ) -> StoreResult<(IncidentRecord, Vec<Delivery>)>;
    /// `owner`'s incidents, in id order (creation order for UUIDv7 ids).
    fn incidents(&self, owner: UserId) -> StoreResult<Vec<IncidentRecord>>;
    /// One of `owner`'s incidents; `incident_not_found` for a missing id and
    /// for another person's, alike.
    fn incident(&self, owner: UserId, id: Uuid) -> StoreResult<IncidentRecord>;

    // ---- the feed
    fn feed(&self, user: UserId, since: i64, limit: u32) -> StoreResult<SyncPage>;
    fn feed_head(&self, user: UserId) -> StoreResult<i64>;
}
