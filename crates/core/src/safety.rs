//! Protection: blocking people, reporting them with evidence, and the
//! notices moderators send. The server enforces blocks and judges reports;
//! this module keeps the device's view of them (from the feed) and builds
//! evidence from the mirror: each message with the chain hash this device
//! verified and the server's signature, which the server checks against its
//! own record, so evidence altered on a device is refused.
//!
//! Blocking, unblocking and reporting answer at once when the server can be
//! reached. When it cannot, they wait in `safety_outbox` and the outbox
//! worker pushes them first when it is back ([`push_queued`]); their local
//! effect is immediate (the person is blocked on this device, their
//! notifications stop), and while an action waits, older feed events about
//! the same person do not undo it. Reports carry a client id, so a resend
//! after a lost answer never files a report twice.

use std::sync::Arc;

use candor_proto::{
    BlockChange, BlockRequest, ConversationId, EvidenceItem, MessageId, ModerationNotice, Profile,
    ReportCategory, ReportRequest, ReportView, UserId, MAX_EVIDENCE_ITEMS,
    MAX_REPORT_DESCRIPTION_CHARS,
};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::client::{Client, Inner};
use crate::error::{CoreError, CoreResult};
use crate::mirror::{self, now_ms};
use crate::model::ClientEvent;
use crate::remote::Remote;

/// Someone you block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct BlockedPerson {
    pub profile: Profile,
    pub blocked_at: i64,
    /// Blocked on this device while the server could not be reached; the
    /// block reaches the server when it is back.
    pub pending: bool,
}

/// A report as the user fills it in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReportDraft {
    pub reported: UserId,
    pub category: ReportCategory,
    pub description: String,
    pub conversation: Option<ConversationId>,
    /// Messages chosen as evidence (from this device's mirror).
    pub evidence: Vec<MessageId>,
    pub also_block: bool,
}

/// What blocking or unblocking did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct BlockOutcome {
    pub change: BlockChange,
    /// The server could not be reached: it took effect on this device and
    /// waits to reach the server.
    pub queued: bool,
}

/// What sending a report did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ReportSubmission {
    /// The server has the report.
    Sent { report: ReportView },
    /// The server could not be reached: the report waits on this device and
    /// is sent as soon as it can be.
    Queued { queued: QueuedSafetyAction },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum SafetyAction {
    Block,
    Unblock,
    Report,
}

impl SafetyAction {
    fn as_str(self) -> &'static str {
        match self {
            Self::Block => "block",
            Self::Unblock => "unblock",
            Self::Report => "report",
        }
    }

    fn parse(s: &str) -> CoreResult<Self> {
        match s {
            "block" => Ok(Self::Block),
            "unblock" => Ok(Self::Unblock),
            "report" => Ok(Self::Report),
            other => Err(CoreError::Internal(format!(
                "unknown safety action {other:?}"
            ))),
        }
    }
}

/// A block, unblock or report made on this device that the server has not
/// acknowledged yet, or refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct QueuedSafetyAction {
    pub id: i64,
    pub action: SafetyAction,
    pub person: Profile,
    pub queued_at: i64,
    /// For a report: what it says (its evidence is already resolved).
    pub report: Option<ReportDraft>,
    /// Tries that failed because the server could not be reached.
    pub attempts: i64,
    /// The server refused it for good (why, in its words); it is not retried.
    pub failure: Option<String>,
}

/// Whether an action about this person waits to reach the server and
/// decides whether they are blocked (a block, an unblock, or a report that
/// also blocks).
fn block_intent_waiting(c: &Connection, user: UserId) -> CoreResult<bool> {
    Ok(c.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM safety_outbox WHERE user_id = ?1 AND state <> 'failed'
           AND (action IN ('block', 'unblock')
                OR (action = 'report' AND json_extract(request, '$.also_block') = 1)))",
    )?
    .query_row([user.0], |r| r.get(0))?)
}

/// Whether anything about this person waits to reach the server (then a
/// new action queues behind it, so they reach the server in order).
fn anything_waiting(c: &Connection, user: UserId) -> CoreResult<bool> {
    Ok(c.query_row(
        "SELECT EXISTS (SELECT 1 FROM safety_outbox WHERE user_id = ?1 AND state <> 'failed')",
        [user.0],
        |r| r.get(0),
    )?)
}

/// Applies a block or unblock from the feed or from the server's answer.
/// While this device has its own block or unblock of that person waiting,
/// the device's intent wins: the server's answer to it comes later.
pub(crate) fn apply_block(tx: &Transaction<'_>, change: &BlockChange) -> CoreResult<()> {
    if block_intent_waiting(tx, change.user_id)? {
        return Ok(());
    }
    set_blocked(tx, change.user_id, change.blocked, change.at)
}

fn set_blocked(tx: &Transaction<'_>, user: UserId, blocked: bool, at: i64) -> CoreResult<()> {
    if blocked {
        tx.execute(
            "INSERT INTO blocks (user_id, blocked_at) VALUES (?1, ?2)
             ON CONFLICT (user_id) DO UPDATE SET blocked_at = excluded.blocked_at",
            params![user.0, at],
        )?;
    } else {
        tx.execute("DELETE FROM blocks WHERE user_id = ?1", [user.0])?;
    }
    Ok(())
}

fn enqueue(
    tx: &Transaction<'_>,
    action: SafetyAction,
    user: UserId,
    request: Option<&ReportRequest>,
    at: i64,
) -> CoreResult<i64> {
    let request = request.map(serde_json::to_string).transpose()?;
    tx.execute(
        "INSERT INTO safety_outbox (action, user_id, request, queued_at) VALUES (?1, ?2, ?3, ?4)",
        params![action.as_str(), user.0, request, at],
    )?;
    Ok(tx.last_insert_rowid())
}

/// The server's rules for a report, checked before it leaves (or waits on)
/// this device, with the server's codes. Returns it with the description
/// trimmed.
pub fn check_report(me: UserId, mut draft: ReportDraft) -> CoreResult<ReportDraft> {
    if draft.reported == me {
        return Err(CoreError::invalid(
            "cannot_report_self",
            "You can't report yourself.",
        ));
    }
    draft.description = draft.description.trim().to_owned();
    let chars = draft.description.chars().count();
    if chars == 0 || chars > MAX_REPORT_DESCRIPTION_CHARS {
        return Err(CoreError::invalid(
            "invalid_field",
            format!("The description must have 1 to {MAX_REPORT_DESCRIPTION_CHARS} characters."),
        ));
    }
    if draft
        .description
        .chars()
        .any(|c| c.is_control() && c != '\n')
    {
        return Err(CoreError::invalid(
            "invalid_field",
            "The description must not contain control characters.",
        ));
    }
    if draft.evidence.len() > MAX_EVIDENCE_ITEMS {
        return Err(CoreError::invalid(
            "too_much_evidence",
            format!("A report carries at most {MAX_EVIDENCE_ITEMS} messages as evidence."),
        ));
    }
    if draft.conversation.is_some() && draft.evidence.is_empty() {
        return Err(CoreError::invalid(
            "evidence_required",
            "A report about a conversation needs at least one of its messages as evidence.",
        ));
    }
    Ok(draft)
}

/// Stores the server's answer to a report; when it also blocked, shows the
/// block at once (its Block event follows through the feed).
fn record_report(tx: &Transaction<'_>, report: &ReportView, also_block: bool) -> CoreResult<()> {
    apply_report(tx, report)?;
    if also_block {
        apply_block(
            tx,
            &BlockChange {
                user_id: report.reported,
                blocked: true,
                at: report.created_at,
            },
        )?;
    }
    Ok(())
}

/// Delivers the queued blocks, unblocks and reports, oldest first. Returns
/// the first transient error (the worker retries later); an action the
/// server refuses for good is kept as failed, with its reason, and its local
/// effect undone.
pub(crate) async fn push_queued(inner: &Arc<Inner>, remote: &Remote) -> CoreResult<()> {
    loop {
        // Marked `sending` while it is on the wire, so it can no longer be
        // withdrawn; one found `sending` was cut off (a crash, a restart)
        // and is sent again, which the server answers without a duplicate.
        let next: Option<(i64, String, i64, Option<String>)> = inner
            .db
            .write(|tx| {
                let row = tx
                    .query_row(
                        "SELECT id, action, user_id, request FROM safety_outbox
                         WHERE state IN ('ready', 'sending') ORDER BY id LIMIT 1",
                        [],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                    )
                    .optional()?;
                if let Some((id, ..)) = &row {
                    tx.execute(
                        "UPDATE safety_outbox SET state = 'sending' WHERE id = ?1",
                        [id],
                    )?;
                }
                Ok(row)
            })
            .await?;
        let Some((id, action, user, request)) = next else {
            return Ok(());
        };
        let user = UserId(user);
        let action = SafetyAction::parse(&action)?;
        let request: Option<ReportRequest> =
            request.map(|r| serde_json::from_str(&r)).transpose()?;
        let also_block = request.as_ref().is_some_and(|r| r.also_block);
        let answer = match (action, &request) {
            (SafetyAction::Block, _) => remote
                .block(&BlockRequest { user_id: user })
                .await
                .map(Answer::Block),
            (SafetyAction::Unblock, _) => remote.unblock(user).await.map(Answer::Block),
            (SafetyAction::Report, Some(request)) => {
                remote.report(request).await.map(Answer::Report)
            }
            (SafetyAction::Report, None) => Err(CoreError::Internal(
                "a queued report without its request".into(),
            )),
        };
        match answer {
            Ok(answer) => {
                inner
                    .db
                    .write(move |tx| {
                        tx.execute("DELETE FROM safety_outbox WHERE id = ?1", [id])?;
                        match &answer {
                            Answer::Block(change) => apply_block(tx, change),
                            Answer::Report(view) => record_report(tx, view, also_block),
                        }
                    })
                    .await?;
            }
            Err(e) if e.is_transient() || matches!(e, CoreError::Server { status: 401, .. }) => {
                let (code, message) = (e.code().to_owned(), e.to_string());
                inner
                    .db
                    .write(move |tx| {
                        tx.execute(
                            "UPDATE safety_outbox SET state = 'ready', attempts = attempts + 1,
                               error_code = ?2, error_message = ?3 WHERE id = ?1",
                            params![id, code, message],
                        )?;
                        Ok(())
                    })
                    .await?;
                return Err(e);
            }
            Err(e) => {
                let (code, message) = (e.code().to_owned(), e.to_string());
                tracing::warn!(%code, ?action, "queued safety action refused");
                inner
                    .db
                    .write(move |tx| {
                        tx.execute(
                            "UPDATE safety_outbox SET state = 'failed', attempts = attempts + 1,
                               error_code = ?2, error_message = ?3 WHERE id = ?1",
                            params![id, code, message],
                        )?;
                        // The server did not block (or unblock): show what
                        // it has, unless another action about them waits.
                        let undo = match action {
                            SafetyAction::Block => Some(false),
                            SafetyAction::Report if also_block => Some(false),
                            SafetyAction::Unblock => Some(true),
                            SafetyAction::Report => None,
                        };
                        if let Some(blocked) = undo {
                            if !block_intent_waiting(tx, user)? {
                                set_blocked(tx, user, blocked, now_ms())?;
                            }
                        }
                        Ok(())
                    })
                    .await?;
            }
        }
        inner.emit(ClientEvent::BlocksChanged);
        inner.emit(ClientEvent::ConnectionsChanged);
        inner.emit(ClientEvent::ReportsChanged);
    }
}

enum Answer {
    Block(BlockChange),
    Report(ReportView),
}

pub(crate) fn apply_report(tx: &Transaction<'_>, report: &ReportView) -> CoreResult<()> {
    tx.execute(
        "INSERT INTO reports (id, data, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at
         WHERE excluded.updated_at >= reports.updated_at",
        params![report.id, serde_json::to_string(report)?, report.updated_at],
    )?;
    Ok(())
}

pub(crate) fn apply_notice(tx: &Transaction<'_>, notice: &ModerationNotice) -> CoreResult<()> {
    tx.execute(
        "INSERT INTO notices (data, at) VALUES (?1, ?2)",
        params![serde_json::to_string(notice)?, notice.at],
    )?;
    Ok(())
}

impl Client {
    /// Blocks someone: the connection ends, neither of you can message or
    /// invite the other, profiles are hidden both ways; your history stays.
    /// They are not told. Offline, the block takes effect on this device at
    /// once and reaches the server when it can.
    pub async fn block(&self, user: UserId) -> CoreResult<BlockOutcome> {
        if user == self.me()? {
            return Err(CoreError::invalid(
                "cannot_block_self",
                "You can't block yourself.",
            ));
        }
        if !self.waiting_about(user).await? {
            match self
                .inner
                .remote()?
                .block(&BlockRequest { user_id: user })
                .await
            {
                Ok(change) => {
                    self.record_block(change.clone()).await?;
                    return Ok(BlockOutcome {
                        change,
                        queued: false,
                    });
                }
                Err(e) if e.is_transient() => {}
                Err(e) => return Err(e),
            }
        }
        let at = now_ms();
        self.inner
            .db
            .write(move |tx| {
                // An unblock that never reached the server leaves the
                // server's block in place: the two cancel out.
                let cancelled = tx.execute(
                    "DELETE FROM safety_outbox WHERE user_id = ?1 AND action = 'unblock' AND state = 'ready'",
                    [user.0],
                )?;
                if cancelled == 0 {
                    enqueue(tx, SafetyAction::Block, user, None, at)?;
                }
                set_blocked(tx, user, true, at)
            })
            .await?;
        self.queued_changed(true);
        Ok(BlockOutcome {
            change: BlockChange {
                user_id: user,
                blocked: true,
                at,
            },
            queued: true,
        })
    }

    /// Unblocks someone. It restores the ability to connect (a new
    /// invitation), not the old connection. Offline, it takes effect on this
    /// device at once and reaches the server when it can.
    pub async fn unblock(&self, user: UserId) -> CoreResult<BlockOutcome> {
        let at = now_ms();
        // A block that never reached the server is simply forgotten.
        let forgotten = self
            .inner
            .db
            .write(move |tx| {
                let n = tx.execute(
                    "DELETE FROM safety_outbox WHERE user_id = ?1 AND action = 'block' AND state = 'ready'",
                    [user.0],
                )?;
                if n > 0 && !block_intent_waiting(tx, user)? {
                    set_blocked(tx, user, false, at)?;
                    return Ok(true);
                }
                Ok(false)
            })
            .await?;
        let change = BlockChange {
            user_id: user,
            blocked: false,
            at,
        };
        if forgotten {
            self.queued_changed(true);
            return Ok(BlockOutcome {
                change,
                queued: false,
            });
        }
        if !self.waiting_about(user).await? {
            match self.inner.remote()?.unblock(user).await {
                Ok(change) => {
                    self.record_block(change.clone()).await?;
                    return Ok(BlockOutcome {
                        change,
                        queued: false,
                    });
                }
                Err(e) if e.is_transient() => {}
                Err(e) => return Err(e),
            }
        }
        self.inner
            .db
            .write(move |tx| {
                enqueue(tx, SafetyAction::Unblock, user, None, at)?;
                set_blocked(tx, user, false, at)
            })
            .await?;
        self.queued_changed(true);
        Ok(BlockOutcome {
            change,
            queued: true,
        })
    }

    async fn waiting_about(&self, user: UserId) -> CoreResult<bool> {
        self.inner.db.read(move |c| anything_waiting(c, user)).await
    }

    /// Tells the app the queue (and so the blocks or reports it shows)
    /// changed, and wakes the worker that delivers it.
    fn queued_changed(&self, blocks: bool) {
        if blocks {
            self.inner.emit(ClientEvent::BlocksChanged);
            self.inner.emit(ClientEvent::ConnectionsChanged);
        }
        self.inner.emit(ClientEvent::ReportsChanged);
        self.inner.outbox_wake.notify_one();
    }

    async fn record_block(&self, change: BlockChange) -> CoreResult<()> {
        self.inner
            .db
            .write(move |tx| apply_block(tx, &change))
            .await?;
        self.inner.emit(ClientEvent::BlocksChanged);
        self.inner.emit(ClientEvent::ConnectionsChanged);
        Ok(())
    }

    /// People you block, most recent first.
    pub async fn blocked(&self) -> CoreResult<Vec<BlockedPerson>> {
        self.inner
            .db
            .read(|c| {
                let rows: Vec<(i64, i64, bool)> = c
                    .prepare(
                        "SELECT b.user_id, b.blocked_at, EXISTS (
                             SELECT 1 FROM safety_outbox s WHERE s.user_id = b.user_id
                               AND s.state <> 'failed' AND s.action IN ('block', 'report'))
                         FROM blocks b ORDER BY b.blocked_at DESC",
                    )?
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<rusqlite::Result<_>>()?;
                rows.into_iter()
                    .map(|(user, at, pending)| {
                        Ok(BlockedPerson {
                            profile: mirror::profile_or_stand_in(c, UserId(user))?,
                            blocked_at: at,
                            pending,
                        })
                    })
                    .collect()
            })
            .await
    }

    /// Reports someone, with messages from this device as evidence. Offline,
    /// the report (and the block it asks for) waits on this device and is
    /// sent as soon as the server can be reached.
    pub async fn report(&self, draft: ReportDraft) -> CoreResult<ReportSubmission> {
        let me = self.me()?;
        // The server's rules, checked here too, so that a report queued
        // offline is not refused later for something knowable now.
        let draft = check_report(me, draft)?;
        let ids = draft.evidence.clone();
        let conversation = draft.conversation;
        let evidence: Vec<EvidenceItem> = self
            .inner
            .db
            .read(move |c| {
                ids.iter()
                    .map(|id| {
                        let row: Option<(i64, Vec<u8>, Vec<u8>)> = c
                            .query_row(
                                "SELECT m.conversation_id, m.chain_hash, m.signature FROM messages m
                                 JOIN members mm ON mm.conversation_id = m.conversation_id AND mm.user_id = ?2
                                 WHERE m.id = ?1",
                                params![id.0, me.0],
                                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                            )
                            .optional()?;
                        let (in_conversation, hash, signature) =
                            row.ok_or(CoreError::NotFound("evidence message"))?;
                        if conversation.is_some_and(|c| c.0 != in_conversation) {
                            return Err(CoreError::invalid(
                                "evidence_not_in_conversation",
                                "Every message given as evidence must be from the conversation reported.",
                            ));
                        }
                        Ok(EvidenceItem {
                            message_id: *id,
                            chain_hash: hex::encode(hash),
                            signature: hex::encode(signature),
                        })
                    })
                    .collect()
            })
            .await?;
        let request = ReportRequest {
            client_id: Uuid::now_v7(),
            reported: draft.reported,
            category: draft.category,
            description: draft.description,
            conversation: draft.conversation,
            evidence,
            also_block: draft.also_block,
        };
        if !self.waiting_about(request.reported).await? {
            match self.inner.remote()?.report(&request).await {
                Ok(view) => {
                    let stored = view.clone();
                    let also_block = request.also_block;
                    self.inner
                        .db
                        .write(move |tx| record_report(tx, &stored, also_block))
                        .await?;
                    self.queued_changed(draft.also_block);
                    return Ok(ReportSubmission::Sent { report: view });
                }
                Err(e) if e.is_transient() => {}
                Err(e) => return Err(e),
            }
        }
        let at = now_ms();
        let id = self
            .inner
            .db
            .write(move |tx| {
                let id = enqueue(
                    tx,
                    SafetyAction::Report,
                    request.reported,
                    Some(&request),
                    at,
                )?;
                if request.also_block {
                    set_blocked(tx, request.reported, true, at)?;
                }
                Ok(id)
            })
            .await?;
        self.queued_changed(draft.also_block);
        let queued = self
            .queued_safety()
            .await?
            .into_iter()
            .find(|q| q.id == id)
            .ok_or(CoreError::NotFound("queued report"))?;
        Ok(ReportSubmission::Queued { queued })
    }

    /// Blocks, unblocks and reports made on this device that wait for the
    /// server, or that it refused, oldest first.
    pub async fn queued_safety(&self) -> CoreResult<Vec<QueuedSafetyAction>> {
        self.inner
            .db
            .read(|c| {
                type Row = (i64, String, i64, Option<String>, i64, i64, Option<String>, String);
                let rows: Vec<Row> = c
                    .prepare(
                        "SELECT id, action, user_id, request, queued_at, attempts, error_message, state
                         FROM safety_outbox ORDER BY id",
                    )?
                    .query_map([], |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                            r.get(6)?,
                            r.get(7)?,
                        ))
                    })?
                    .collect::<rusqlite::Result<_>>()?;
                rows.into_iter()
                    .map(|(id, action, user, request, queued_at, attempts, error, state)| {
                        let report = request
                            .map(|r| serde_json::from_str::<ReportRequest>(&r))
                            .transpose()?
                            .map(|r| ReportDraft {
                                reported: r.reported,
                                category: r.category,
                                description: r.description,
                                conversation: r.conversation,
                                evidence: r.evidence.iter().map(|e| e.message_id).collect(),
                                also_block: r.also_block,
                            });
                        Ok(QueuedSafetyAction {
                            id,
                            action: SafetyAction::parse(&action)?,
                            person: mirror::profile_or_stand_in(c, UserId(user))?,
                            queued_at,
                            report,
                            attempts,
                            failure: (state == "failed")
                                .then(|| error.unwrap_or_else(|| "The server refused it.".into())),
                        })
                    })
                    .collect()
            })
            .await
    }

    /// Forgets a queued action the server refused, or withdraws a report
    /// that has not been sent yet (a block it asked for stays, queued on its
    /// own). A waiting block or unblock is undone with the opposite action.
    pub async fn discard_queued_safety(&self, id: i64) -> CoreResult<()> {
        let blocks = self
            .inner
            .db
            .write(move |tx| {
                let row: Option<(String, String, Option<String>)> = tx
                    .query_row(
                        "SELECT action, state, request FROM safety_outbox WHERE id = ?1",
                        [id],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                    )
                    .optional()?;
                let Some((action, state, request)) = row else {
                    return Err(CoreError::NotFound("queued action"));
                };
                let also_block = match &request {
                    Some(r) => serde_json::from_str::<ReportRequest>(r)?.also_block,
                    None => false,
                };
                match (action.as_str(), state.as_str()) {
                    (_, "sending") => Err(CoreError::invalid(
                        "already_sending",
                        "It is being sent to the server right now.",
                    )),
                    (_, "failed") => {
                        tx.execute("DELETE FROM safety_outbox WHERE id = ?1", [id])?;
                        Ok(false)
                    }
                    ("report", _) if also_block => {
                        // Keep its place in the queue, as a plain block.
                        tx.execute(
                            "UPDATE safety_outbox SET action = 'block', request = NULL WHERE id = ?1",
                            [id],
                        )?;
                        Ok(true)
                    }
                    ("report", _) => {
                        tx.execute("DELETE FROM safety_outbox WHERE id = ?1", [id])?;
                        Ok(false)
                    }
                    _ => Err(CoreError::invalid(
                        "still_queued",
                        "A block or unblock that waits for the server is undone by unblocking or blocking again.",
                    )),
                }
            })
            .await?;
        self.queued_changed(blocks);
        Ok(())
    }

    /// Reports you made, newest first, with their latest status.
    pub async fn reports(&self) -> CoreResult<Vec<ReportView>> {
        self.inner
            .db
            .read(|c| {
                let rows: Vec<String> = c
                    .prepare("SELECT data FROM reports ORDER BY id DESC")?
                    .query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                Ok(rows
                    .iter()
                    .filter_map(|d| serde_json::from_str(d).ok())
                    .collect())
            })
            .await
    }

    /// Moderators' notices to you, newest first.
    pub async fn notices(&self) -> CoreResult<Vec<ModerationNotice>> {
        self.inner
            .db
            .read(|c| {
                let rows: Vec<String> = c
                    .prepare("SELECT data FROM notices ORDER BY at DESC, id DESC")?
                    .query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                Ok(rows
                    .iter()
                    .filter_map(|d| serde_json::from_str(d).ok())
                    .collect())
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> ReportDraft {
        ReportDraft {
            reported: UserId(2),
            category: ReportCategory::Harassment,
            description: "  He keeps writing at night.  ".to_owned(),
            conversation: Some(ConversationId(7)),
            evidence: vec![MessageId(40)],
            also_block: false,
        }
    }

    fn code(d: ReportDraft) -> String {
        check_report(UserId(1), d).unwrap_err().code().to_owned()
    }

    #[test]
    fn a_report_follows_the_servers_rules_before_it_leaves() {
        let ok = check_report(UserId(1), draft()).unwrap();
        assert_eq!(ok.description, "He keeps writing at night.");

        assert_eq!(
            code(ReportDraft {
                reported: UserId(1),
                ..draft()
            }),
            "cannot_report_self"
        );
        assert_eq!(
            code(ReportDraft {
                description: " \n ".into(),
                ..draft()
            }),
            "invalid_field"
        );
        let long = "x".repeat(MAX_REPORT_DESCRIPTION_CHARS + 1);
        assert_eq!(
            code(ReportDraft {
                description: long,
                ..draft()
            }),
            "invalid_field"
        );
        let just = "é".repeat(MAX_REPORT_DESCRIPTION_CHARS);
        assert!(check_report(
            UserId(1),
            ReportDraft {
                description: just,
                ..draft()
            }
        )
        .is_ok());
        assert_eq!(
            code(ReportDraft {
                description: "a\u{7}b".into(),
                ..draft()
            }),
            "invalid_field"
        );
        assert!(check_report(
            UserId(1),
            ReportDraft {
                description: "line 1\nline 2".into(),
                ..draft()
            }
        )
        .is_ok());
        let many = (0..=MAX_EVIDENCE_ITEMS as i64).map(MessageId).collect();
        assert_eq!(
            code(ReportDraft {
                evidence: many,
                ..draft()
            }),
            "too_much_evidence"
        );
        assert_eq!(
            code(ReportDraft {
                evidence: vec![],
                ..draft()
            }),
            "evidence_required"
        );
        // A report about a person needs no evidence.
        assert!(check_report(
            UserId(1),
            ReportDraft {
                conversation: None,
                evidence: vec![],
                ..draft()
            }
        )
        .is_ok());
    }
}
