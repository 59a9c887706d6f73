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

use candor_proto::admin::{AccountSummary, AdminReport, ReportDetail};
use candor_proto::{
    BlockChange, Connection, Conversation, DirectoryEntry, FeedEvent, IncidentRecord, Message,
    ModerationAction, ModerationRequest, Profile, ProfileUpdate, Receipt, ReceiptRequest,
    ReportRequest, ReportStatus, ReportView, SendMessageRequest, SendMessageResponse, SessionId,
    SessionInfo, SyncPage, UserId, MAX_EVIDENCE_ITEMS, MAX_INCIDENT_BYTES, MAX_REPORTS_PER_WINDOW,
    MAX_REPORT_DESCRIPTION_CHARS, MAX_URGENT_PER_WINDOW, REPORT_WINDOW_MS, URGENT_WINDOW_MS,
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

/// One day in milliseconds.
pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// Longest reason a moderator records with an action, in characters.
pub const MAX_MODERATION_REASON_CHARS: usize = 2_000;
/// Longest restriction or suspension, in days.
pub const MAX_MODERATION_DAYS: u32 = 3_650;

/// Trims a free-text field and checks its length and that it holds no
/// control characters other than line breaks.
fn checked_text(field: &str, value: &str, max: usize) -> StoreResult<String> {
    let trimmed = value.trim();
    let n = trimmed.chars().count();
    if n == 0 || n > max {
        return Err(StoreError::invalid(
            "invalid_field",
            format!("{field} must have 1 to {max} characters"),
        ));
    }
    if trimmed.chars().any(|c| c.is_control() && c != '\n') {
        return Err(StoreError::invalid(
            "invalid_field",
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// Checks what a report says about itself, before storage is consulted: not
/// about the reporter, a description of 1 to
/// [`MAX_REPORT_DESCRIPTION_CHARS`] characters (trimmed), at most
/// [`MAX_EVIDENCE_ITEMS`] evidence items. Returns it with the description
/// trimmed.
pub fn validate_report(reporter: UserId, mut request: ReportRequest) -> StoreResult<ReportRequest> {
    if request.reported == reporter {
        return Err(StoreError::bad_request(
            "cannot_report_self",
            "You cannot report yourself",
        ));
    }
    request.description = checked_text(
        "description",
        &request.description,
        MAX_REPORT_DESCRIPTION_CHARS,
    )?;
    if request.evidence.len() > MAX_EVIDENCE_ITEMS {
        return Err(StoreError::invalid(
            "too_much_evidence",
            format!("A report carries at most {MAX_EVIDENCE_ITEMS} messages as evidence"),
        ));
    }
    Ok(request)
}

/// The report limit: given the creation times of the reporter's reports
/// within the window ending at `now` (oldest first), refuses a new one if
/// there are already [`MAX_REPORTS_PER_WINDOW`], saying when the next one
/// becomes possible.
pub fn check_report_limit(recent: &[i64], now: i64) -> StoreResult<()> {
    let max = usize::try_from(MAX_REPORTS_PER_WINDOW).unwrap_or(usize::MAX);
    if recent.len() < max {
        return Ok(());
    }
    let frees_a_slot = recent[recent.len() - max];
    let wait_ms = u64::try_from(
        frees_a_slot
            .saturating_add(REPORT_WINDOW_MS)
            .saturating_sub(now),
    )
    .unwrap_or(0)
    .max(1);
    let hours = wait_ms.div_ceil(3_600_000);
    let window = if REPORT_WINDOW_MS == DAY_MS {
        "per day".to_owned()
    } else {
        format!("per {} hours", REPORT_WINDOW_MS / 3_600_000)
    };
    Err(StoreError::too_many(
        "report_limit",
        format!(
            "At most {MAX_REPORTS_PER_WINDOW} reports {window}; the next is possible in \
             {hours} hour{}",
            if hours == 1 { "" } else { "s" }
        ),
        wait_ms.div_ceil(1000),
    ))
}

/// Checks a moderation request: a reason of 1 to
/// [`MAX_MODERATION_REASON_CHARS`] characters (trimmed) and, for a
/// restriction or suspension, 1 to [`MAX_MODERATION_DAYS`] days.
pub fn validate_moderation(mut request: ModerationRequest) -> StoreResult<ModerationRequest> {
    if let ModerationAction::Restrict { days } | ModerationAction::Suspend { days } = request.action
    {
        if !(1..=MAX_MODERATION_DAYS).contains(&days) {
            return Err(StoreError::invalid(
                "invalid_days",
                format!("A restriction or suspension lasts 1 to {MAX_MODERATION_DAYS} days"),
            ));
        }
    }
    request.reason = checked_text("reason", &request.reason, MAX_MODERATION_REASON_CHARS)?;
    Ok(request)
}

/// Until when a restriction or suspension that starts at `now` lasts.
pub fn moderation_until(action: ModerationAction, now: i64) -> Option<i64> {
    match action {
        ModerationAction::Restrict { days } | ModerationAction::Suspend { days } => {
            Some(now.saturating_add(i64::from(days).saturating_mul(DAY_MS)))
        }
        _ => None,
    }
}

fn day_count(days: u32) -> String {
    if days == 1 {
        "1 day".to_owned()
    } else {
        format!("{days} days")
    }
}

/// The report's status after an action, and the sentence its reporter reads.
pub fn moderation_outcome(action: ModerationAction) -> (ReportStatus, Option<String>) {
    match action {
        ModerationAction::Review => (ReportStatus::UnderReview, None),
        ModerationAction::Dismiss => (
            ReportStatus::Dismissed,
            Some("After review, no action was taken.".to_owned()),
        ),
        ModerationAction::Warn => (
            ReportStatus::ActionTaken,
            Some("The account was warned.".to_owned()),
        ),
        ModerationAction::Restrict { days } => (
            ReportStatus::ActionTaken,
            Some(format!(
                "The account was restricted for {}.",
                day_count(days)
            )),
        ),
        ModerationAction::Suspend { days } => (
            ReportStatus::ActionTaken,
            Some(format!(
                "The account was suspended for {}.",
                day_count(days)
            )),
        ),
    }
}

/// What the reported account is told about an action, if anything. It
/// never names the reporter, nor quotes the moderator's reason.
pub fn notice_text(action: ModerationAction, until: Option<i64>) -> Option<String> {
    let until = until.map(utc).unwrap_or_default();
    match action {
        ModerationAction::Review | ModerationAction::Dismiss => None,
        ModerationAction::Warn => Some(
            "A moderator reviewed a report about your conduct on Candor and is warning you. \
             Keep your conversations professional: further reports can lead to a \
             restriction or a suspension."
                .to_owned(),
        ),
        ModerationAction::Restrict { days } => Some(format!(
            "A moderator restricted your account for {}: until {until} you cannot start \
             conversations or send invitations. You can still write in your existing \
             conversations.",
            day_count(days)
        )),
        ModerationAction::Suspend { days } => Some(format!(
            "A moderator suspended your account for {}: you cannot sign in until {until}.",
            day_count(days)
        )),
    }
}

/// A time in ms since the epoch as `YYYY-MM-DD HH:MM UTC`.
pub fn utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rest / 3600,
        (rest % 3600) / 60
    )
}

pub fn user_not_found() -> StoreError {
    StoreError::not_found("user_not_found", "No such person")
}

pub fn report_not_found() -> StoreError {
    StoreError::not_found("report_not_found", "No such report")
}

/// The refusal of something only moderators may do.
pub fn not_a_moderator() -> StoreError {
    StoreError::forbidden("forbidden", "Only moderators may do this")
}

/// The refusal of the blocker, who can lift it: `doing` is what they tried.
pub fn blocked_by_you(doing: &str) -> StoreError {
    StoreError::forbidden(
        "blocked",
        format!("You blocked this person; unblock them to {doing}"),
    )
}

/// The refusal of the blocked person, which does not say why.
pub fn recipient_unavailable() -> StoreError {
    StoreError::forbidden("recipient_unavailable", "This person is not available")
}

pub fn restricted(until: i64) -> StoreError {
    StoreError::forbidden(
        "restricted",
        format!(
            "Your account is restricted until {}: you cannot start conversations or send \
             invitations",
            utc(until)
        ),
    )
}

pub fn suspended(until: i64) -> StoreError {
    StoreError::forbidden(
        "suspended",
        format!("This account is suspended until {}", utc(until)),
    )
}

/// An account's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Moderator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Moderator => "moderator",
        }
    }
}

/// Who takes or reads moderation decisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Moderator {
    /// A signed-in account; refused with `forbidden` unless it has the
    /// moderator role at that moment.
    User(UserId),
    /// The `candor-server admin` command (someone with the server's
    /// database), recorded as `cli`, or as `handle` when given (which must
    /// be a moderator's).
    Cli { handle: Option<String> },
}

/// The result of a moderation action.
#[derive(Debug, Clone)]
pub struct Moderated {
    /// The report after the action.
    pub detail: ReportDetail,
    /// Sessions the action revoked (a suspension): their live connections
    /// must close.
    pub revoked: Vec<SessionId>,
    pub deliveries: Vec<Delivery>,
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
    /// Signs a device in; `suspended` (403) while the account is suspended.
    fn create_session(
        &self,
        user: UserId,
        device_name: &str,
        token_hash: [u8; 32],
        now: i64,
    ) -> StoreResult<SessionId>;
    /// The live session a token hash belongs to (none while the account is
    /// suspended).
    fn authenticate(
        &self,
        token_hash: [u8; 32],
        now: i64,
    ) -> StoreResult<Option<(UserId, SessionId)>>;
    fn sessions(&self, user: UserId, current: SessionId) -> StoreResult<Vec<SessionInfo>>;
    fn revoke_session(&self, user: UserId, session: SessionId, now: i64) -> StoreResult<()>;

    // ---- profiles and connections
    //
    // A block between two people (either way) refuses, in the same
    // transaction as the write it guards: invitations, new direct
    // conversations, groups created with the other, and writing or
    // acknowledging in their direct conversation: `blocked`
    // ([`blocked_by_you`]) for the blocker, `recipient_unavailable` for the
    // blocked. Profiles are hidden both ways (`user_not_found`) and the
    // directory leaves them out. A restricted account may not invite or
    // create conversations (`restricted`).

    /// `user`'s profile as `viewer` sees it; `user_not_found` when either
    /// blocks the other.
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
    /// Opens (or returns) the direct conversation with a connection. A block
    /// refuses even an existing one; a restriction only a new one.
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
    /// stored under the same (sender, client id). The sender needs an
    /// accepted connection with every other member; in a group, a member
    /// with whom a block stands, or whose connection a block removed, does
    /// not stop the message (clients collapse it); in a direct conversation
    /// a block refuses it. A new `urgent` message is
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

    // ---- blocks
    /// `blocker` blocks `blocked`: the connection between them (whatever
    /// its state) becomes `removed` with a Connection event to both, and a
    /// Block event goes to the blocker's feed only. Blocking again changes
    /// nothing and returns the first block. `cannot_block_self` (400),
    /// `user_not_found`.
    fn block(
        &self,
        blocker: UserId,
        blocked: UserId,
        now: i64,
    ) -> StoreResult<(BlockChange, Vec<Delivery>)>;
    /// Lifts a block (a Block event to the blocker's feed). The connection
    /// stays removed: either may invite again. Unblocking someone not
    /// blocked changes nothing.
    fn unblock(
        &self,
        blocker: UserId,
        blocked: UserId,
        now: i64,
    ) -> StoreResult<(BlockChange, Vec<Delivery>)>;
    /// The people `blocker` blocks, most recent first.
    fn blocks(&self, blocker: UserId) -> StoreResult<Vec<BlockChange>>;

    // ---- reports
    /// Files a report ([`validate_report`], then every evidence item checked
    /// against the stored message, then [`check_report_limit`]), appends it
    /// to the reporter's feed and, with `also_block`, blocks in the same
    /// transaction. A retry with the same (reporter, client id) returns the
    /// stored report with `false` and changes nothing. The reported person
    /// is never sent anything about it.
    fn create_report(
        &self,
        reporter: UserId,
        request: ReportRequest,
        now: i64,
    ) -> StoreResult<(ReportView, bool, Vec<Delivery>)>;
    /// The reports `reporter` filed, newest first.
    fn reports(&self, reporter: UserId) -> StoreResult<Vec<ReportView>>;

    // ---- moderation
    /// Gives or takes the moderator role; the account's summary after.
    fn set_role(&self, handle: &str, role: Role) -> StoreResult<AccountSummary>;
    /// Reports with the given status (all without one), oldest first.
    fn admin_reports(
        &self,
        moderator: &Moderator,
        status: Option<ReportStatus>,
    ) -> StoreResult<Vec<AdminReport>>;
    fn admin_report(&self, moderator: &Moderator, id: i64) -> StoreResult<ReportDetail>;
    /// Applies a moderation action to a report (checked with
    /// [`validate_moderation`] once the moderator is known to be one) and
    /// records it in the append-only `moderation_actions`: the report's new status goes to
    /// the reporter's feed, a notice to the reported account's (warn,
    /// restrict, suspend), and a suspension revokes every session of the
    /// account. Review and dismiss apply only to open reports
    /// (`report_resolved`, 409).
    fn moderate(
        &self,
        moderator: &Moderator,
        id: i64,
        request: ModerationRequest,
        now: i64,
    ) -> StoreResult<Moderated>;
    /// Sessions revoked after `since` (ms), by this process or another.
    fn revoked_since(&self, since: i64) -> StoreResult<Vec<SessionId>>;
    /// Takes up to `limit` of the feed events another process appended for
    /// the serving process to push (the `admin` command's, written through
    /// [`SqliteStore::open_external`]), oldest first, and forgets them in the
    /// same transaction: each is returned once. Events the serving store
    /// ([`SqliteStore::open`]) appends are never among them: its methods
    /// return those, and the server pushes them at once.
    fn take_external_events(&self, limit: u32) -> StoreResult<Vec<Delivery>>;

    // ---- the feed
    fn feed(&self, user: UserId, since: i64, limit: u32) -> StoreResult<SyncPage>;
    fn feed_head(&self, user: UserId) -> StoreResult<i64>;
}
