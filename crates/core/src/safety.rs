//! Protection: blocking people, reporting them with evidence, and the
//! notices moderators send. The server enforces blocks and judges reports;
//! this module keeps the device's view of them (from the feed) and builds
//! evidence from the mirror: each message with the chain hash this device
//! verified and the server's signature, which the server checks against its
//! own record, so evidence altered on a device is refused.
//!
//! Blocking, unblocking and reporting answer at once when the server can be
//! reached. When it cannot, they wait in `safety_outbox` and the outbox
//! worker pushes them first when it is back ([`push_queued`]). Their local
//! effect is immediate: `blocks` keeps what the server says, and the view
//! `effective_blocks` lays the newest waiting block or unblock of each person
//! over it, so the person is blocked on this device (their notifications
//! stop) while the server's truth stays known. An action is withdrawn
//! silently only when it certainly never reached the server; otherwise the
//! opposite action follows it. Reports carry a client id, so a resend after
//! a lost answer never files a report twice.

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
    /// On its way to the server right now (it can no longer be withdrawn).
    pub sending: bool,
    /// The server refused it for good (why, in its words); it is not retried.
    pub failure: Option<String>,
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

/// Records what the server says about a block, from the feed or from its
/// answer. A waiting action about that person still decides what this device
/// shows (`effective_blocks`), until it is delivered or refused.
pub(crate) fn apply_block(tx: &Transaction<'_>, change: &BlockChange) -> CoreResult<()> {
    if change.blocked {
        tx.execute(
            "INSERT INTO blocks (user_id, blocked_at) VALUES (?1, ?2)
             ON CONFLICT (user_id) DO UPDATE SET blocked_at = excluded.blocked_at",
            params![change.user_id.0, change.at],
        )?;
    } else {
        tx.execute("DELETE FROM blocks WHERE user_id = ?1", [change.user_id.0])?;
    }
    Ok(())
}

/// Withdraws the newest waiting block or unblock of `user` if it is `action`
/// and certainly never reached the server. Returns whether it did.
fn withdraw_unsent(tx: &Transaction<'_>, user: UserId, action: SafetyAction) -> CoreResult<bool> {
    let n = tx.execute(
        "DELETE FROM safety_outbox WHERE id = (
             SELECT id FROM block_intents WHERE user_id = ?1)
           AND action = ?2 AND state = 'ready' AND maybe_sent = 0",
        params![user.0, action.as_str()],
    )?;
    Ok(n > 0)
}

/// Queues an action. `maybe_sent`: a first try failed after the request may
/// have arrived, so the action must not be withdrawn silently.
fn enqueue(
    tx: &Transaction<'_>,
    action: SafetyAction,
    user: UserId,
    request: Option<&ReportRequest>,
    at: i64,
    maybe_sent: bool,
) -> CoreResult<i64> {
    let sets_block = match action {
        SafetyAction::Block => Some(true),
        SafetyAction::Unblock => Some(false),
        SafetyAction::Report => request.filter(|r| r.also_block).map(|_| true),
    };
    let request = request.map(serde_json::to_string).transpose()?;
    tx.execute(
        "INSERT INTO safety_outbox (action, user_id, request, queued_at, sets_block, maybe_sent)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![action.as_str(), user.0, request, at, sets_block, maybe_sent],
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
/// server refuses for good is kept as failed, with its reason (this device
/// then shows what the server has).
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
                    // Found `sending`, it was cut off and may have arrived.
                    tx.execute(
                        "UPDATE safety_outbox SET maybe_sent = MAX(maybe_sent, state = 'sending'),
                           state = 'sending' WHERE id = ?1",
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
        // A row this version cannot read is kept, failed, rather than
        // holding up everything behind it.
        let parsed = SafetyAction::parse(&action).and_then(|action| {
            let request: Option<ReportRequest> =
                request.map(|r| serde_json::from_str(&r)).transpose()?;
            Ok((action, request))
        });
        let answer = match &parsed {
            Ok((SafetyAction::Block, _)) => remote
                .block(&BlockRequest { user_id: user })
                .await
                .map(Answer::Block),
            Ok((SafetyAction::Unblock, _)) => remote.unblock(user).await.map(Answer::Block),
            Ok((SafetyAction::Report, Some(request))) => {
                remote.report(request).await.map(Answer::Report)
            }
            Ok((SafetyAction::Report, None)) => Err(CoreError::Internal(
                "a queued report without its request".into(),
            )),
            Err(e) => Err(CoreError::Internal(e.to_string())),
        };
        let also_block = matches!(&parsed, Ok((_, Some(r))) if r.also_block);
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
                let tried = !matches!(e, CoreError::Server { status: 401, .. });
                let maybe_sent = !e.certainly_unsent();
                let (code, message) = (e.code().to_owned(), e.to_string());
                inner
                    .db
                    .write(move |tx| {
                        tx.execute(
                            "UPDATE safety_outbox SET state = 'ready', attempts = attempts + ?2,
                               maybe_sent = MAX(maybe_sent, ?3), error_code = ?4,
                               error_message = ?5 WHERE id = ?1",
                            params![id, i64::from(tried), maybe_sent, code, message],
                        )?;
                        Ok(())
                    })
                    .await?;
                inner.emit(ClientEvent::ReportsChanged);
                return Err(e);
            }
            Err(e) => {
                let (code, message) = (e.code().to_owned(), e.to_string());
                tracing::warn!(%code, "queued safety action refused");
                let keep_block =
                    matches!(&parsed, Ok((SafetyAction::Report, Some(r))) if r.also_block);
                inner
                    .db
                    .write(move |tx| {
                        tx.execute(
                            "UPDATE safety_outbox SET state = 'failed', attempts = attempts + 1,
                               error_code = ?2, error_message = ?3 WHERE id = ?1",
                            params![id, code, message],
                        )?;
                        // The block it asked for still stands, on its own
                        // (the server refused the report before blocking).
                        if keep_block {
                            enqueue(tx, SafetyAction::Block, user, None, now_ms(), false)?;
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
        self.set_block(user, true).await
    }

    /// Unblocks someone. It restores the ability to connect (a new
    /// invitation), not the old connection. Offline, it takes effect on this
    /// device at once and reaches the server when it can.
    pub async fn unblock(&self, user: UserId) -> CoreResult<BlockOutcome> {
        self.set_block(user, false).await
    }

    async fn set_block(&self, user: UserId, blocked: bool) -> CoreResult<BlockOutcome> {
        if user == self.me()? {
            return Err(CoreError::invalid(
                "cannot_block_self",
                "You can't block yourself.",
            ));
        }
        let at = now_ms();
        let change = BlockChange {
            user_id: user,
            blocked,
            at,
        };
        // The opposite action, waiting and certainly unsent, is withdrawn:
        // the server never saw it (a block would have removed the
        // connection for good).
        let opposite = if blocked {
            SafetyAction::Unblock
        } else {
            SafetyAction::Block
        };
        let withdrawn = self
            .inner
            .db
            .write(move |tx| withdraw_unsent(tx, user, opposite))
            .await?;
        if withdrawn {
            self.queued_changed(true);
            let shown = self.is_blocked(user).await?;
            if shown == blocked {
                return Ok(BlockOutcome {
                    change,
                    queued: false,
                });
            }
        }
        let mut maybe_sent = false;
        if !self.waiting_about(user).await? {
            let remote = self.inner.remote()?;
            let answer = if blocked {
                remote.block(&BlockRequest { user_id: user }).await
            } else {
                remote.unblock(user).await
            };
            match answer {
                Ok(change) => {
                    self.record_block(change.clone()).await?;
                    return Ok(BlockOutcome {
                        change,
                        queued: false,
                    });
                }
                Err(e) if e.is_transient() => maybe_sent = !e.certainly_unsent(),
                Err(e) => return Err(e),
            }
        }
        let action = if blocked {
            SafetyAction::Block
        } else {
            SafetyAction::Unblock
        };
        self.inner
            .db
            .write(move |tx| enqueue(tx, action, user, None, at, maybe_sent))
            .await?;
        self.queued_changed(true);
        Ok(BlockOutcome {
            change,
            queued: true,
        })
    }

    /// Whether this device treats `user` as blocked (the server's view with
    /// any waiting action laid over it).
    async fn is_blocked(&self, user: UserId) -> CoreResult<bool> {
        self.inner
            .db
            .read(move |c| mirror::is_blocked(c, user))
            .await
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

    /// People you block, most recent first (including blocks made on this
    /// device that wait for the server).
    pub async fn blocked(&self) -> CoreResult<Vec<BlockedPerson>> {
        self.inner
            .db
            .read(|c| {
                let rows: Vec<(i64, i64, bool)> = c
                    .prepare(
                        "SELECT user_id, blocked_at, pending FROM effective_blocks
                         ORDER BY blocked_at DESC",
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
            description: draft.description.clone(),
            conversation: draft.conversation,
            evidence,
            also_block: draft.also_block,
        };
        let mut maybe_sent = false;
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
                Err(e) if e.is_transient() => maybe_sent = !e.certainly_unsent(),
                Err(e) => return Err(e),
            }
        }
        let at = now_ms();
        let also_block = draft.also_block;
        // Built with the row, before the worker can send it.
        let queued = self
            .inner
            .db
            .write(move |tx| {
                let id = enqueue(
                    tx,
                    SafetyAction::Report,
                    request.reported,
                    Some(&request),
                    at,
                    maybe_sent,
                )?;
                Ok(QueuedSafetyAction {
                    id,
                    action: SafetyAction::Report,
                    person: mirror::profile_or_stand_in(tx, request.reported)?,
                    queued_at: at,
                    report: Some(draft),
                    attempts: 0,
                    sending: false,
                    failure: None,
                })
            })
            .await?;
        self.queued_changed(also_block);
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
                            sending: state == "sending",
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
                let row: Option<(String, String, Option<i64>, bool)> = tx
                    .query_row(
                        "SELECT action, state, sets_block, maybe_sent FROM safety_outbox WHERE id = ?1",
                        [id],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                    )
                    .optional()?;
                let Some((action, state, sets_block, maybe_sent)) = row else {
                    return Err(CoreError::NotFound("queued action"));
                };
                match (action.as_str(), state.as_str()) {
                    (_, "sending") => Err(CoreError::invalid(
                        "already_sending",
                        "It is being sent to the server right now.",
                    )),
                    ("report", "ready") if maybe_sent => Err(CoreError::invalid(
                        "maybe_sent",
                        "A try to send it broke off after it may have reached the server, so it may already be filed.",
                    )),
                    (_, "failed") => {
                        tx.execute("DELETE FROM safety_outbox WHERE id = ?1", [id])?;
                        Ok(false)
                    }
                    ("report", _) if sets_block == Some(1) => {
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
            .read(|c| mirror::json_rows(c, "SELECT data FROM reports ORDER BY id DESC"))
            .await
    }

    /// Moderators' notices to you, newest first.
    pub async fn notices(&self) -> CoreResult<Vec<ModerationNotice>> {
        self.inner
            .db
            .read(|c| mirror::json_rows(c, "SELECT data FROM notices ORDER BY at DESC, id DESC"))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `f` in a committed transaction on the mirror.
    fn tx<T>(db: &crate::Db, f: impl FnOnce(&Transaction<'_>) -> CoreResult<T>) -> T {
        db.write_blocking(|c| {
            let tx = c.transaction()?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
        .expect("the transaction commits")
    }

    fn server_says(db: &crate::Db, user: UserId, blocked: bool, at: i64) {
        tx(db, |t| {
            apply_block(
                t,
                &BlockChange {
                    user_id: user,
                    blocked,
                    at,
                },
            )
        });
    }

    fn shown(db: &crate::Db, user: UserId) -> bool {
        db.write_blocking(|c| mirror::is_blocked(c, user))
            .expect("read")
    }

    #[test]
    fn the_device_shows_the_newest_waiting_intent_over_what_the_server_says() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = crate::Db::open(&dir.path().join("mirror.sqlite3")).expect("mirror");
        let x = UserId(7);
        server_says(&db, x, true, 1);
        assert!(shown(&db, x));

        // An unblock waits; its try broke off after it left (maybe sent).
        tx(&db, |t| {
            let id = enqueue(t, SafetyAction::Unblock, x, None, 2, false)?;
            t.execute(
                "UPDATE safety_outbox SET maybe_sent = 1 WHERE id = ?1",
                [id],
            )?;
            Ok(())
        });
        assert!(!shown(&db, x));
        // The feed says the server did unblock: recorded, still unblocked.
        server_says(&db, x, false, 3);
        assert!(!shown(&db, x));
        // Blocking again cannot withdraw an unblock that may have arrived:
        // the block follows it, and shows at once as not yet sent.
        assert!(!tx(&db, |t| withdraw_unsent(t, x, SafetyAction::Unblock)));
        tx(&db, |t| enqueue(t, SafetyAction::Block, x, None, 4, false));
        assert!(shown(&db, x));
        // The server refuses the block for good: the waiting unblock (the
        // newest intent left) and the server agree, not blocked.
        tx(&db, |t| {
            t.execute(
                "UPDATE safety_outbox SET state = 'failed' WHERE action = 'block'",
                [],
            )?;
            Ok(())
        });
        assert!(!shown(&db, x));

        // A block that certainly never left is withdrawn by unblocking,
        // and what the server says shows again.
        let y = UserId(8);
        server_says(&db, y, false, 5);
        tx(&db, |t| enqueue(t, SafetyAction::Block, y, None, 6, false));
        assert!(shown(&db, y));
        assert!(tx(&db, |t| withdraw_unsent(t, y, SafetyAction::Block)));
        assert!(!shown(&db, y));

        // A report that also blocks counts as a block while it waits; one
        // that does not, does not.
        let z = UserId(9);
        let request = |also_block| ReportRequest {
            client_id: Uuid::nil(),
            reported: z,
            category: ReportCategory::Harassment,
            description: "Keeps writing at night.".into(),
            conversation: None,
            evidence: vec![],
            also_block,
        };
        tx(&db, |t| {
            enqueue(t, SafetyAction::Report, z, Some(&request(false)), 7, false)
        });
        assert!(!shown(&db, z));
        tx(&db, |t| {
            enqueue(t, SafetyAction::Report, z, Some(&request(true)), 8, false)
        });
        assert!(shown(&db, z));
        // Another device of yours blocks z meanwhile (the feed says so); the
        // waiting report is then refused: z stays blocked, as the server has it.
        server_says(&db, z, true, 9);
        tx(&db, |t| {
            t.execute(
                "UPDATE safety_outbox SET state = 'failed' WHERE user_id = 9",
                [],
            )?;
            Ok(())
        });
        assert!(shown(&db, z));
    }

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
