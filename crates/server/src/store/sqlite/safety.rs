//! Blocks, reports and moderation on SQLite: the transaction bodies behind
//! the [`Store`](crate::store::Store) methods of the same names, and the
//! block and restriction checks the messaging methods call inside their own
//! transactions.

use candor_proto::admin::{
    AccountSummary, AdminReport, ContextMessage, EvidenceDetail, ModerationRecord, ReportDetail,
};
use candor_proto::{
    chain, BlockChange, ConversationId, EventPayload, Message, MessageId, MessageKind,
    ModerationAction, ModerationNotice, ModerationRequest, ReportRequest, ReportStatus, ReportView,
    SessionId, UserId, REPORT_WINDOW_MS,
};
use ed25519_dalek::SigningKey;
use rusqlite::{params, OptionalExtension, Transaction};
use serde::de::DeserializeOwned;
use serde::Serialize;
use uuid::Uuid;

use super::{
    append_feed, connection_changed, conversation_not_found, is_member, message_row, pair,
    MESSAGE_COLUMNS,
};
use crate::store::{
    blocked_by_you, check_report_limit, moderation_outcome, moderation_until, not_a_moderator,
    notice_text, recipient_unavailable, report_not_found, restricted, user_not_found,
    validate_moderation, Delivery, Moderated, Moderator, Role, StoreError, StoreResult,
};

// ------------------------------------------------------------------ checks

/// Which way a block between two people goes, seen from the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BlockSide {
    /// I block them (whatever they do).
    ByMe,
    /// They block me.
    ByThem,
}

impl BlockSide {
    /// The refusal of something the block prevents: the blocker is told
    /// why and what lifts it; the blocked person only that the other is not
    /// available.
    pub(super) fn refusal(self, doing: &str) -> StoreError {
        match self {
            BlockSide::ByMe => blocked_by_you(doing),
            BlockSide::ByThem => recipient_unavailable(),
        }
    }
}

/// Whether a block stands between `me` and `other`, and which way.
pub(super) fn block_between(
    conn: &rusqlite::Connection,
    me: UserId,
    other: UserId,
) -> StoreResult<Option<BlockSide>> {
    let blocker: Option<i64> = conn
        .prepare_cached(
            "SELECT blocker FROM blocks
             WHERE (blocker = ?1 AND blocked = ?2) OR (blocker = ?2 AND blocked = ?1)
             ORDER BY blocker = ?1 DESC LIMIT 1",
        )?
        .query_row(params![me.0, other.0], |r| r.get(0))
        .optional()?;
    Ok(blocker.map(|b| {
        if b == me.0 {
            BlockSide::ByMe
        } else {
            BlockSide::ByThem
        }
    }))
}

/// Refuses with `restricted` while a moderator's restriction lasts.
pub(super) fn check_not_restricted(
    conn: &rusqlite::Connection,
    user: UserId,
    now: i64,
) -> StoreResult<()> {
    let until: Option<i64> = conn
        .query_row(
            "SELECT restricted_until FROM users WHERE id = ?1",
            [user.0],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    match until {
        Some(until) if until > now => Err(restricted(until)),
        _ => Ok(()),
    }
}

fn user_exists(conn: &rusqlite::Connection, user: UserId) -> StoreResult<bool> {
    Ok(conn
        .query_row("SELECT 1 FROM users WHERE id = ?1", [user.0], |_| Ok(()))
        .optional()?
        .is_some())
}

/// The snake_case wire name of a unit enum value (what the database keeps).
fn name_of<T: Serialize>(value: &T) -> StoreResult<String> {
    match serde_json::to_value(value)? {
        serde_json::Value::String(name) => Ok(name),
        other => Ok(other.to_string()),
    }
}

fn parse_name<T: DeserializeOwned>(column: usize, name: String) -> rusqlite::Result<T> {
    serde_json::from_value(serde_json::Value::String(name)).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn parse_json<T: DeserializeOwned>(column: usize, text: &str) -> rusqlite::Result<T> {
    serde_json::from_str(text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(e))
    })
}

// ------------------------------------------------------------------ blocks

fn cannot_block_self() -> StoreError {
    StoreError::bad_request("cannot_block_self", "You cannot block yourself")
}

pub(super) fn block(
    tx: &Transaction<'_>,
    blocker: UserId,
    blocked: UserId,
    now: i64,
) -> StoreResult<(BlockChange, Vec<Delivery>)> {
    if blocker == blocked {
        return Err(cannot_block_self());
    }
    if !user_exists(tx, blocked)? {
        return Err(user_not_found());
    }
    let since: Option<i64> = tx
        .query_row(
            "SELECT created_at FROM blocks WHERE blocker = ?1 AND blocked = ?2",
            params![blocker.0, blocked.0],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(at) = since {
        // Blocking again is a retry: the first block stands, nothing new.
        let change = BlockChange {
            user_id: blocked,
            blocked: true,
            at,
        };
        return Ok((change, Vec::new()));
    }
    tx.execute(
        "INSERT INTO blocks (blocker, blocked, created_at) VALUES (?1, ?2, ?3)",
        params![blocker.0, blocked.0, now],
    )?;
    let mut deliveries = Vec::new();
    let (low, high) = pair(blocker, blocked);
    let ended = tx.execute(
        "UPDATE connections SET state = 'removed', updated_at = ?3
         WHERE user_low = ?1 AND user_high = ?2 AND state != 'removed'",
        params![low, high, now],
    )?;
    if ended > 0 {
        // Both mirrors learn that the connection is gone.
        deliveries.extend(connection_changed(tx, blocker, blocked)?.1);
    }
    let change = BlockChange {
        user_id: blocked,
        blocked: true,
        at: now,
    };
    // Only the blocker's devices hear of the block itself.
    deliveries.push(append_feed(
        tx,
        blocker,
        EventPayload::Block(change.clone()),
    )?);
    Ok((change, deliveries))
}

pub(super) fn unblock(
    tx: &Transaction<'_>,
    blocker: UserId,
    blocked: UserId,
    now: i64,
) -> StoreResult<(BlockChange, Vec<Delivery>)> {
    if blocker == blocked {
        return Err(cannot_block_self());
    }
    if !user_exists(tx, blocked)? {
        return Err(user_not_found());
    }
    let lifted = tx.execute(
        "DELETE FROM blocks WHERE blocker = ?1 AND blocked = ?2",
        params![blocker.0, blocked.0],
    )?;
    let change = BlockChange {
        user_id: blocked,
        blocked: false,
        at: now,
    };
    if lifted == 0 {
        return Ok((change, Vec::new()));
    }
    let delivery = append_feed(tx, blocker, EventPayload::Block(change.clone()))?;
    Ok((change, vec![delivery]))
}

pub(super) fn blocks(
    conn: &rusqlite::Connection,
    blocker: UserId,
) -> StoreResult<Vec<BlockChange>> {
    let mut stmt = conn.prepare(
        "SELECT blocked, created_at FROM blocks WHERE blocker = ?1
         ORDER BY created_at DESC, blocked",
    )?;
    let rows = stmt
        .query_map([blocker.0], |r| {
            Ok(BlockChange {
                user_id: UserId(r.get(0)?),
                blocked: true,
                at: r.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

// ----------------------------------------------------------------- reports

fn evidence_not_found(id: MessageId) -> StoreError {
    // The same words whether the message does not exist or sits in a
    // conversation the reporter is not part of.
    StoreError::not_found(
        "evidence_not_found",
        format!("There is no message {id} in your conversations"),
    )
}

/// Recomputes a stored message's chain link from the stored chain and
/// verifies the server's signature over it with the server's own key.
fn verify_stored(
    conn: &rusqlite::Connection,
    key: &SigningKey,
    message: &Message,
) -> StoreResult<bool> {
    let previous: [u8; 32] = if message.seq == 1 {
        chain::genesis_hash(message.conversation_id)
    } else {
        let previous: Option<Vec<u8>> = conn
            .query_row(
                "SELECT chain_hash FROM messages WHERE conversation_id = ?1 AND seq = ?2",
                params![message.conversation_id.0, message.seq - 1],
                |r| r.get(0),
            )
            .optional()?;
        match previous.and_then(|h| <[u8; 32]>::try_from(h).ok()) {
            Some(hash) => hash,
            None => return Ok(false),
        }
    };
    let Ok(hash) = chain::verify_link(&previous, &message.canonical(), &message.chain_hash) else {
        return Ok(false);
    };
    Ok(chain::verify_signature(
        &key.verifying_key(),
        message.conversation_id,
        message.seq,
        &hash,
        &message.signature,
    )
    .is_ok())
}

pub(super) fn create_report(
    tx: &Transaction<'_>,
    key: &SigningKey,
    reporter: UserId,
    request: ReportRequest,
    now: i64,
) -> StoreResult<(ReportView, bool, Vec<Delivery>)> {
    // Idempotency: the same (reporter, client id) is the same report.
    let existing: Option<(i64, i64)> = tx
        .query_row(
            "SELECT id, reported FROM reports WHERE reporter = ?1 AND client_id = ?2",
            params![reporter.0, request.client_id.as_bytes().to_vec()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((id, reported)) = existing {
        if reported != request.reported.0 {
            return Err(StoreError::conflict(
                "client_id_reused",
                "This client id was already used for a report about someone else",
            ));
        }
        return Ok((report_view(tx, id)?, false, Vec::new()));
    }
    if !user_exists(tx, request.reported)? {
        return Err(user_not_found());
    }
    if let Some(conversation) = request.conversation {
        if !is_member(tx, conversation, reporter)? {
            return Err(conversation_not_found());
        }
        if request.evidence.is_empty() {
            return Err(StoreError::invalid(
                "evidence_required",
                "A report about a conversation needs at least one of its messages as evidence",
            ));
        }
    }
    let mut evidence: Vec<(Message, bool)> = Vec::with_capacity(request.evidence.len());
    for item in &request.evidence {
        let message = tx
            .prepare_cached(&format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?1"
            ))?
            .query_row([item.message_id.0], message_row)
            .optional()?;
        let Some(message) = message else {
            return Err(evidence_not_found(item.message_id));
        };
        if !is_member(tx, message.conversation_id, reporter)? {
            return Err(evidence_not_found(item.message_id));
        }
        if request
            .conversation
            .is_some_and(|c| c != message.conversation_id)
        {
            return Err(StoreError::invalid(
                "evidence_not_in_conversation",
                format!(
                    "Message {} is not in the conversation reported",
                    item.message_id
                ),
            ));
        }
        let hash_ok = item.chain_hash.eq_ignore_ascii_case(&message.chain_hash);
        let signature_ok = item.signature.eq_ignore_ascii_case(&message.signature);
        if !(hash_ok && signature_ok) {
            let what = match (hash_ok, signature_ok) {
                (false, false) => "its chain hash and its signature differ",
                (false, true) => "its chain hash differs",
                _ => "its signature differs",
            };
            return Err(StoreError::invalid(
                "evidence_mismatch",
                format!(
                    "The evidence for message {} does not match the server's record: {what}",
                    item.message_id
                ),
            ));
        }
        if evidence.iter().any(|(m, _)| m.id == message.id) {
            continue;
        }
        let verified = verify_stored(tx, key, &message)?;
        evidence.push((message, verified));
    }
    let recent: Vec<i64> = tx
        .prepare_cached(
            "SELECT created_at FROM reports WHERE reporter = ?1 AND created_at > ?2
             ORDER BY created_at",
        )?
        .query_map(
            params![reporter.0, now.saturating_sub(REPORT_WINDOW_MS)],
            |r| r.get(0),
        )?
        .collect::<rusqlite::Result<_>>()?;
    check_report_limit(&recent, now)?;

    let id: i64 = tx.query_row(
        "INSERT INTO reports (reporter, client_id, reported, category, description,
             conversation_id, status, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'received', ?7, ?7) RETURNING id",
        params![
            reporter.0,
            request.client_id.as_bytes().to_vec(),
            request.reported.0,
            name_of(&request.category)?,
            request.description,
            request.conversation.map(|c| c.0),
            now
        ],
        |r| r.get(0),
    )?;
    for (position, (message, verified)) in evidence.iter().enumerate() {
        tx.execute(
            "INSERT INTO report_evidence (report_id, position, message_id, chain_hash,
                 signature, verified)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                id,
                i64::try_from(position).unwrap_or(i64::MAX),
                message.id.0,
                hex::decode(&message.chain_hash).unwrap_or_default(),
                hex::decode(&message.signature).unwrap_or_default(),
                verified
            ],
        )?;
    }
    let view = report_view(tx, id)?;
    // The reporter's other devices learn of it; the reported person never.
    let mut deliveries = vec![append_feed(
        tx,
        reporter,
        EventPayload::Report(view.clone()),
    )?];
    if request.also_block {
        deliveries.extend(block(tx, reporter, request.reported, now)?.1);
    }
    Ok((view, true, deliveries))
}

pub(super) fn report_view(conn: &rusqlite::Connection, id: i64) -> StoreResult<ReportView> {
    let view = conn
        .prepare_cached(
            "SELECT id, client_id, reported, category, description, conversation_id, status,
                    outcome, created_at, updated_at
             FROM reports WHERE id = ?1",
        )?
        .query_row([id], |r| {
            let client_id: Vec<u8> = r.get(1)?;
            Ok(ReportView {
                id: r.get(0)?,
                client_id: Uuid::from_slice(&client_id).unwrap_or_default(),
                reported: UserId(r.get(2)?),
                category: parse_name(3, r.get(3)?)?,
                description: r.get(4)?,
                conversation: r.get::<_, Option<i64>>(5)?.map(ConversationId),
                evidence: Vec::new(),
                status: parse_name(6, r.get(6)?)?,
                outcome: r.get(7)?,
                created_at: r.get(8)?,
                updated_at: r.get(9)?,
            })
        })
        .optional()?;
    let Some(mut view) = view else {
        return Err(report_not_found());
    };
    view.evidence = conn
        .prepare_cached(
            "SELECT message_id FROM report_evidence WHERE report_id = ?1 ORDER BY position",
        )?
        .query_map([id], |r| Ok(MessageId(r.get(0)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(view)
}

pub(super) fn reports_of(
    conn: &rusqlite::Connection,
    reporter: UserId,
) -> StoreResult<Vec<ReportView>> {
    let ids: Vec<i64> = conn
        .prepare("SELECT id FROM reports WHERE reporter = ?1 ORDER BY id DESC")?
        .query_map([reporter.0], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.into_iter().map(|id| report_view(conn, id)).collect()
}

// -------------------------------------------------------------- moderation

fn no_such_handle(handle: &str) -> StoreError {
    StoreError::not_found("user_not_found", format!("No one has the handle {handle}"))
}

pub(super) fn set_role(
    tx: &Transaction<'_>,
    handle: &str,
    role: Role,
) -> StoreResult<AccountSummary> {
    let handle = handle.trim().to_lowercase();
    let id: i64 = tx
        .query_row("SELECT id FROM users WHERE handle = ?1", [&handle], |r| {
            r.get(0)
        })
        .optional()?
        .ok_or_else(|| no_such_handle(&handle))?;
    tx.execute(
        "UPDATE users SET role = ?2 WHERE id = ?1",
        params![id, role.as_str()],
    )?;
    account_summary(tx, UserId(id))
}

/// Who is acting, as the audit record names them: (account, label, via).
/// Refuses anyone who is not a moderator at this moment.
pub(super) fn acting_moderator(
    conn: &rusqlite::Connection,
    moderator: &Moderator,
) -> StoreResult<(Option<UserId>, String, &'static str)> {
    match moderator {
        Moderator::User(user) => {
            let row: Option<(String, String)> = conn
                .query_row(
                    "SELECT handle, role FROM users WHERE id = ?1",
                    [user.0],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            match row {
                Some((handle, role)) if role == Role::Moderator.as_str() => {
                    Ok((Some(*user), handle, "api"))
                }
                _ => Err(not_a_moderator()),
            }
        }
        Moderator::Cli { handle: None } => Ok((None, "cli".to_owned(), "cli")),
        Moderator::Cli {
            handle: Some(handle),
        } => {
            let handle = handle.trim().to_lowercase();
            let row: Option<(i64, String)> = conn
                .query_row(
                    "SELECT id, role FROM users WHERE handle = ?1",
                    [&handle],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            match row {
                None => Err(no_such_handle(&handle)),
                Some((_, role)) if role != Role::Moderator.as_str() => Err(StoreError::forbidden(
                    "forbidden",
                    format!("{handle} is not a moderator; grant the role first"),
                )),
                Some((id, _)) => Ok((Some(UserId(id)), handle, "cli")),
            }
        }
    }
}

fn account_summary(conn: &rusqlite::Connection, user: UserId) -> StoreResult<AccountSummary> {
    conn.prepare_cached(
        "SELECT id, handle, display_name, role, restricted_until, suspended_until
         FROM users WHERE id = ?1",
    )?
    .query_row([user.0], |r| {
        Ok(AccountSummary {
            user_id: UserId(r.get(0)?),
            handle: r.get(1)?,
            display_name: r.get(2)?,
            moderator: r.get::<_, String>(3)? == Role::Moderator.as_str(),
            restricted_until: r.get(4)?,
            suspended_until: r.get(5)?,
        })
    })
    .optional()?
    .ok_or_else(user_not_found)
}

fn admin_report(conn: &rusqlite::Connection, id: i64) -> StoreResult<AdminReport> {
    let report = report_view(conn, id)?;
    let reporter: i64 =
        conn.query_row("SELECT reporter FROM reports WHERE id = ?1", [id], |r| {
            r.get(0)
        })?;
    Ok(AdminReport {
        reporter: account_summary(conn, UserId(reporter))?,
        reported: account_summary(conn, report.reported)?,
        report,
    })
}

pub(super) fn admin_reports(
    conn: &rusqlite::Connection,
    status: Option<ReportStatus>,
) -> StoreResult<Vec<AdminReport>> {
    let status = status.map(|s| name_of(&s)).transpose()?;
    let ids: Vec<i64> = conn
        .prepare("SELECT id FROM reports WHERE ?1 IS NULL OR status = ?1 ORDER BY id")?
        .query_map([status], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.into_iter().map(|id| admin_report(conn, id)).collect()
}

/// Messages this many sequence numbers before and after a piece of evidence
/// are shown with it.
const CONTEXT_RADIUS: i64 = 3;

pub(super) fn report_detail(conn: &rusqlite::Connection, id: i64) -> StoreResult<ReportDetail> {
    let head = admin_report(conn, id)?;
    let mut evidence: Vec<EvidenceDetail> = conn
        .prepare(
            "SELECT e.message_id, e.chain_hash, e.signature, e.verified, m.conversation_id, m.seq
             FROM report_evidence e JOIN messages m ON m.id = e.message_id
             WHERE e.report_id = ?1 ORDER BY e.position",
        )?
        .query_map([id], |r| {
            Ok(EvidenceDetail {
                message_id: MessageId(r.get(0)?),
                chain_hash: hex::encode(r.get::<_, Vec<u8>>(1)?),
                signature: hex::encode(r.get::<_, Vec<u8>>(2)?),
                verified: r.get(3)?,
                conversation_id: ConversationId(r.get(4)?),
                seq: r.get(5)?,
                context: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut context_stmt = conn.prepare(
        "SELECT m.id, m.seq, m.sender, u.handle, m.server_time, m.kind, m.body
         FROM messages m JOIN users u ON u.id = m.sender
         WHERE m.conversation_id = ?1 AND m.seq BETWEEN ?2 AND ?3 ORDER BY m.seq",
    )?;
    for item in &mut evidence {
        let (conversation, seq) = (item.conversation_id.0, item.seq);
        item.context = context_stmt
            .query_map(
                params![conversation, seq - CONTEXT_RADIUS, seq + CONTEXT_RADIUS],
                |r| {
                    let kind: String = r.get(5)?;
                    let seq_here: i64 = r.get(1)?;
                    Ok(ContextMessage {
                        message_id: MessageId(r.get(0)?),
                        seq: seq_here,
                        sender: UserId(r.get(2)?),
                        sender_handle: r.get(3)?,
                        server_time: r.get(4)?,
                        kind: MessageKind::parse(&kind).unwrap_or(MessageKind::Text),
                        body: r.get(6)?,
                        evidence: seq_here == seq,
                    })
                },
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
    }
    let others: Vec<i64> = conn
        .prepare("SELECT id FROM reports WHERE reported = ?1 AND id != ?2 ORDER BY id DESC")?
        .query_map(params![head.report.reported.0, id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let other_reports = others
        .into_iter()
        .map(|other| admin_report(conn, other))
        .collect::<StoreResult<Vec<_>>>()?;
    let actions = conn
        .prepare(
            "SELECT id, report_id, target, moderator, action, reason, until, created_at
             FROM moderation_actions WHERE target = ?1 ORDER BY id",
        )?
        .query_map([head.report.reported.0], |r| {
            let action: String = r.get(4)?;
            Ok(ModerationRecord {
                id: r.get(0)?,
                report_id: r.get(1)?,
                target: UserId(r.get(2)?),
                moderator: r.get(3)?,
                action: parse_json(4, &action)?,
                reason: r.get(5)?,
                until: r.get(6)?,
                at: r.get(7)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(ReportDetail {
        report: head.report,
        reporter: head.reporter,
        reported: head.reported,
        evidence,
        other_reports,
        actions,
    })
}

pub(super) fn moderate(
    tx: &Transaction<'_>,
    moderator: &Moderator,
    id: i64,
    request: ModerationRequest,
    now: i64,
) -> StoreResult<Moderated> {
    // Who asks comes first: someone who may not moderate learns nothing,
    // not even what is wrong with the request.
    let (moderator_id, label, via) = acting_moderator(tx, moderator)?;
    let request = validate_moderation(request)?;
    let row: Option<(i64, i64, String)> = tx
        .query_row(
            "SELECT reporter, reported, status FROM reports WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((reporter, reported, status)) = row else {
        return Err(report_not_found());
    };
    let (reporter, reported) = (UserId(reporter), UserId(reported));
    if moderator_id == Some(reported) {
        return Err(StoreError::forbidden(
            "forbidden",
            "You cannot act on a report about yourself",
        ));
    }
    let action = request.action;
    let open = status == name_of(&ReportStatus::Received)?
        || status == name_of(&ReportStatus::UnderReview)?;
    if !open && matches!(action, ModerationAction::Review | ModerationAction::Dismiss) {
        return Err(StoreError::conflict(
            "report_resolved",
            format!(
                "This report is already resolved ({}); only a warning, a restriction or a \
                 suspension can follow",
                status.replace('_', " ")
            ),
        ));
    }
    let until = moderation_until(action, now);
    let mut revoked = Vec::new();
    match action {
        ModerationAction::Restrict { .. } => {
            tx.execute(
                "UPDATE users SET restricted_until = ?2 WHERE id = ?1",
                params![reported.0, until],
            )?;
        }
        ModerationAction::Suspend { .. } => {
            tx.execute(
                "UPDATE users SET suspended_until = ?2 WHERE id = ?1",
                params![reported.0, until],
            )?;
            // Every device is signed out at once.
            revoked = tx
                .prepare(
                    "UPDATE sessions SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL
                     RETURNING id",
                )?
                .query_map(params![reported.0, now], |r| Ok(SessionId(r.get(0)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
        }
        ModerationAction::Review | ModerationAction::Dismiss | ModerationAction::Warn => {}
    }
    let mut deliveries = Vec::new();
    if let Some(text) = notice_text(action, until) {
        let notice = ModerationNotice {
            action,
            text,
            until,
            at: now,
        };
        deliveries.push(append_feed(tx, reported, EventPayload::Notice(notice))?);
    }
    tx.execute(
        "INSERT INTO moderation_actions (report_id, target, moderator_id, moderator, via, action,
             reason, until, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            id,
            reported.0,
            moderator_id.map(|m| m.0),
            label,
            via,
            serde_json::to_string(&action)?,
            request.reason,
            until,
            now
        ],
    )?;
    let (status, outcome) = moderation_outcome(action);
    tx.execute(
        "UPDATE reports SET status = ?2, outcome = ?3, updated_at = MAX(updated_at, ?4)
         WHERE id = ?1",
        params![id, name_of(&status)?, outcome, now],
    )?;
    let view = report_view(tx, id)?;
    deliveries.push(append_feed(tx, reporter, EventPayload::Report(view))?);
    Ok(Moderated {
        detail: report_detail(tx, id)?,
        revoked,
        deliveries,
    })
}
