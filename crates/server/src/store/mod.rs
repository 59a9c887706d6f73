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
    Connection, Conversation, DirectoryEntry, FeedEvent, Message, Profile, ProfileUpdate, Receipt,
    ReceiptRequest, SendMessageRequest, SendMessageResponse, SessionId, SessionInfo, SyncPage,
    UserId,
};
use ed25519_dalek::SigningKey;

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
    Invalid,
    Conflict,
    Forbidden,
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
    fn rejected(kind: RejectionKind, code: &'static str, message: impl Into<String>) -> Self {
        StoreError::Rejected {
            kind,
            code,
            message: message.into(),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

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
    /// stored under the same (sender, client id).
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

    // ---- the feed
    fn feed(&self, user: UserId, since: i64, limit: u32) -> StoreResult<SyncPage>;
    fn feed_head(&self, user: UserId) -> StoreResult<i64>;
}
