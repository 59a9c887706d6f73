//! The outbox worker: delivers queued messages and receipts, oldest first,
//! until the server acknowledges them.
//!
//! Every entry carries its client id, and the server deduplicates on
//! (sender, client id), so sending again after a crash, a timeout or a lost
//! acknowledgement never creates a second message. An entry stays in the
//! outbox (state `sent`) until its message arrives through the feed, which
//! removes it in the same transaction that stores the message.

use std::sync::Arc;
use std::time::Duration;

use candor_proto::{ConversationId, ReceiptRequest, SendMessageRequest};
use rusqlite::{params, OptionalExtension};
use tokio::sync::watch;

use crate::backoff::Backoff;
use crate::client::Inner;
use crate::error::{CoreError, CoreResult};
use crate::mirror::now_ms;
use crate::model::ClientEvent;

enum Flushed {
    /// Nothing more to do now; the next held entry is due at this time.
    Idle { next_due: Option<i64> },
    /// The server is unreachable or busy: try again later.
    Retry,
}

struct Entry {
    id: i64,
    conversation: ConversationId,
    request: SendMessageRequest,
}

/// The background outbox task of a signed-in client.
pub(crate) async fn run(inner: Arc<Inner>, mut stop: watch::Receiver<bool>) {
    let mut backoff = Backoff::default();
    loop {
        if *stop.borrow() {
            return;
        }
        let wait = match flush(&inner).await {
            Ok(Flushed::Idle { next_due }) => {
                backoff.reset();
                next_due
                    .map(|due| Duration::from_millis(u64::try_from(due - now_ms()).unwrap_or(0)))
            }
            Ok(Flushed::Retry) => Some(backoff.next_delay()),
            Err(CoreError::Server { status: 401, .. }) => {
                inner.signed_out_by_server();
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, "outbox flush failed");
                Some(backoff.next_delay())
            }
        };
        let sleep = async {
            match wait {
                Some(d) => tokio::time::sleep(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = sleep => {}
            () = inner.outbox_wake.notified() => {}
            _ = stop.changed() => return,
        }
    }
}

async fn flush(inner: &Arc<Inner>) -> CoreResult<Flushed> {
    let remote = inner.remote()?;
    // Held messages whose hold expired become ready (also after a restart).
    let now = now_ms();
    let released: Vec<i64> = inner
        .db
        .write(move |tx| {
            let ids = tx
                .prepare("UPDATE outbox SET state = 'ready' WHERE state = 'held' AND hold_until <= ?1 RETURNING conversation_id")?
                .query_map([now], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<i64>>>()?;
            Ok(ids)
        })
        .await?;
    for id in released {
        inner.emit(ClientEvent::ConversationChanged {
            id: ConversationId(id),
        });
    }

    // Blocks, unblocks and reports made offline go first: a block should
    // take effect before anything else reaches the server.
    match crate::safety::push_queued(inner, &remote).await {
        Ok(()) => {}
        Err(e) if e.is_transient() => return Ok(Flushed::Retry),
        Err(e) => return Err(e),
    }

    while let Some(entry) = next_entry(inner).await? {
        let Entry {
            id,
            conversation,
            request,
        } = entry;
        match remote.send(conversation, &request).await {
            Ok(response) => {
                let message_id = response.message.id.0;
                inner
                    .db
                    .write(move |tx| {
                        let arrived = tx
                            .query_row("SELECT 1 FROM messages WHERE id = ?1", [message_id], |_| Ok(()))
                            .optional()?
                            .is_some();
                        if arrived {
                            tx.execute("DELETE FROM outbox WHERE id = ?1", [id])?;
                        } else {
                            tx.execute(
                                "UPDATE outbox SET state = 'sent', message_id = ?2, error_code = NULL,
                                   error_message = NULL WHERE id = ?1",
                                params![id, message_id],
                            )?;
                        }
                        Ok(())
                    })
                    .await?;
                inner.emit(ClientEvent::ConversationChanged { id: conversation });
            }
            Err(e) if e.is_transient() => {
                // After a lost answer or a 5xx the server may have it: it
                // can no longer be cancelled (it may already be delivered).
                let maybe_sent = !e.certainly_unsent();
                let (code, message) = (e.code().to_owned(), e.to_string());
                inner
                    .db
                    .write(move |tx| {
                        tx.execute(
                            "UPDATE outbox SET state = 'ready', attempts = attempts + 1,
                               maybe_sent = MAX(maybe_sent, ?4), error_code = ?2,
                               error_message = ?3 WHERE id = ?1",
                            params![id, code, message, maybe_sent],
                        )?;
                        Ok(())
                    })
                    .await?;
                inner.emit(ClientEvent::ConversationChanged { id: conversation });
                return Ok(Flushed::Retry);
            }
            Err(e @ CoreError::Server { status: 401, .. }) => {
                inner
                    .db
                    .write(move |tx| {
                        tx.execute("UPDATE outbox SET state = 'ready' WHERE id = ?1", [id])?;
                        Ok(())
                    })
                    .await?;
                return Err(e);
            }
            Err(e) => {
                // The server refused it for good (not connected, invalid…):
                // keep it, visibly failed, so nothing is silently lost.
                let (code, message) = (e.code().to_owned(), e.to_string());
                tracing::warn!(%code, "outbox entry refused");
                inner
                    .db
                    .write(move |tx| {
                        tx.execute(
                            "UPDATE outbox SET state = 'failed', attempts = attempts + 1,
                               error_code = ?2, error_message = ?3 WHERE id = ?1",
                            params![id, code, message],
                        )?;
                        Ok(())
                    })
                    .await?;
                inner.emit(ClientEvent::ConversationChanged { id: conversation });
            }
        }
    }

    // Receipts, coalesced per conversation.
    let receipts: Vec<(i64, i64, i64)> = inner
        .db
        .read(|c| {
            let rows = c
                .prepare(
                    "SELECT conversation_id, delivered_up_to, read_up_to FROM pending_receipts",
                )?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await?;
    for (conversation, delivered, read) in receipts {
        let request = ReceiptRequest {
            delivered_up_to: Some(delivered),
            read_up_to: (read > 0).then_some(read),
        };
        match remote
            .set_receipt(ConversationId(conversation), &request)
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_transient() => return Ok(Flushed::Retry),
            Err(e @ CoreError::Server { status: 401, .. }) => return Err(e),
            Err(e) => tracing::warn!(error = %e, conversation, "receipt refused; dropped"),
        }
        inner
            .db
            .write(move |tx| {
                // Only if nothing newer was queued meanwhile.
                tx.execute(
                    "DELETE FROM pending_receipts
                     WHERE conversation_id = ?1 AND delivered_up_to = ?2 AND read_up_to = ?3",
                    params![conversation, delivered, read],
                )?;
                Ok(())
            })
            .await?;
    }

    // Incidents changed on this device.
    match crate::incidents::push_dirty(inner, &remote).await {
        Ok(()) => {}
        Err(e) if e.is_transient() => return Ok(Flushed::Retry),
        Err(e @ CoreError::Server { status: 401, .. }) => return Err(e),
        Err(e) => tracing::warn!(error = %e, "incident push refused"),
    }

    let next_due: Option<i64> = inner
        .db
        .read(|c| {
            Ok(c.query_row(
                "SELECT MIN(hold_until) FROM outbox WHERE state = 'held'",
                [],
                |r| r.get(0),
            )?)
        })
        .await?;
    Ok(Flushed::Idle { next_due })
}

async fn next_entry(inner: &Arc<Inner>) -> CoreResult<Option<Entry>> {
    inner
        .db
        .write(|tx| {
            let row: Option<(i64, i64, String)> = tx
                .query_row(
                    "SELECT id, conversation_id, request FROM outbox WHERE state = 'ready' ORDER BY id LIMIT 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let Some((id, conversation, request)) = row else {
                return Ok(None);
            };
            tx.execute("UPDATE outbox SET state = 'sending' WHERE id = ?1", [id])?;
            Ok(Some(Entry {
                id,
                conversation: ConversationId(conversation),
                request: serde_json::from_str(&request)?,
            }))
        })
        .await
}
