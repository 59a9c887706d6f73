//! Protection: blocking people, reporting them with evidence, and the
//! notices moderators send. The server enforces blocks and judges reports;
//! this module keeps the device's view of them (from the feed) and builds
//! evidence from the mirror: each message with the chain hash this device
//! verified and the server's signature, which the server checks against its
//! own record, so evidence altered on a device is refused.
//!
//! Blocking and reporting need the server at the moment they are made (they
//! answer at once with what happened); offline they fail with `offline`.

use candor_proto::{
    BlockChange, BlockRequest, ConversationId, EvidenceItem, MessageId, ModerationNotice, Profile,
    ReportCategory, ReportRequest, ReportView, UserId,
};
use rusqlite::{params, Transaction};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::client::Client;
use crate::error::{CoreError, CoreResult};
use crate::mirror;
use crate::model::ClientEvent;

/// Someone you block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct BlockedPerson {
    pub profile: Profile,
    pub blocked_at: i64,
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
    /// They are not told.
    pub async fn block(&self, user: UserId) -> CoreResult<BlockChange> {
        let change = self
            .inner
            .remote()?
            .block(&BlockRequest { user_id: user })
            .await?;
        self.record_block(change.clone()).await?;
        Ok(change)
    }

    /// Unblocks someone. It restores the ability to connect (a new
    /// invitation), not the old connection.
    pub async fn unblock(&self, user: UserId) -> CoreResult<BlockChange> {
        let change = self.inner.remote()?.unblock(user).await?;
        self.record_block(change.clone()).await?;
        Ok(change)
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
                let rows: Vec<(i64, i64)> = c
                    .prepare("SELECT user_id, blocked_at FROM blocks ORDER BY blocked_at DESC")?
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()?;
                rows.into_iter()
                    .map(|(user, at)| {
                        Ok(BlockedPerson {
                            profile: mirror::profile_or_stand_in(c, UserId(user))?,
                            blocked_at: at,
                        })
                    })
                    .collect()
            })
            .await
    }

    /// Reports someone, with messages from this device as evidence.
    pub async fn report(&self, draft: ReportDraft) -> CoreResult<ReportView> {
        let me = self.me()?;
        let ids = draft.evidence.clone();
        let evidence: Vec<EvidenceItem> = self
            .inner
            .db
            .read(move |c| {
                ids.iter()
                    .map(|id| {
                        let row: Option<(i64, Vec<u8>, Vec<u8>)> = rusqlite::OptionalExtension::optional(c.query_row(
                            "SELECT m.conversation_id, m.chain_hash, m.signature FROM messages m
                             JOIN members mm ON mm.conversation_id = m.conversation_id AND mm.user_id = ?2
                             WHERE m.id = ?1",
                            params![id.0, me.0],
                            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                        ))?;
                        let (_, hash, signature) = row.ok_or(CoreError::NotFound("evidence message"))?;
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
        let view = self.inner.remote()?.report(&request).await?;
        let stored = view.clone();
        self.inner
            .db
            .write(move |tx| apply_report(tx, &stored))
            .await?;
        self.inner.emit(ClientEvent::ReportsChanged);
        if draft.also_block {
            // The server blocked in the same step; its Block event follows
            // through the feed, but show it at once.
            self.record_block(BlockChange {
                user_id: draft.reported,
                blocked: true,
                at: view.created_at,
            })
            .await?;
        }
        Ok(view)
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
