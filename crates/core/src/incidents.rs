//! Guided damage control, the I/O part: incidents stored in the mirror and
//! pushed to the server by the outbox (so they reach the owner's other
//! devices through their feed), per-recipient progress read from receipts,
//! urgent-notice repeats and "remind me if unread" reminders. The rules
//! themselves are pure and live in `incident.rs`.

use candor_proto::{
    ConversationId, IncidentRecord, Message, MessageId, MessageKind, Profile, UserId,
    MAX_URGENT_PER_WINDOW, URGENT_WINDOW_MS,
};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::client::{Client, Inner};
use crate::error::{CoreError, CoreResult};
use crate::incident::{
    self, reminder_decision, urgent_decision, AlertDecision, CallOutcome, Incident, IncidentCase,
    IncidentFacts, RecipientFact, ReminderDecision, StepStatus,
};
use crate::mirror::{self, now_ms};
use crate::model::{ClientEvent, DeliveryState, MessageView};
use crate::notify::{PlannedNotification, Urgency};
use crate::remote::Remote;

/// Urgent notices older than this when they arrive do not start repeating.
const URGENT_TRACK_MAX_AGE_MS: i64 = 24 * 60 * 60 * 1000;

/// How one recipient stands with the original and each follow-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RecipientProgress {
    pub profile: Profile,
    pub original: DeliveryState,
    pub follow_ups: Vec<FollowUpProgress>,
}

/// One follow-up as one recipient has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct FollowUpProgress {
    pub message_id: MessageId,
    pub kind: MessageKind,
    pub state: DeliveryState,
}

/// An incident with everything its screen shows, live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct IncidentView {
    pub incident: Incident,
    pub original: MessageView,
    pub recipients: Vec<RecipientProgress>,
    /// Urgent notices you may still send in this conversation this hour.
    pub urgent: UrgentAllowance,
}

/// The server's urgent-notice limit as it applies to you now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct UrgentAllowance {
    pub sent_in_window: i64,
    pub limit: i64,
    /// When the next one is possible, if none is now.
    pub next_possible_at: Option<i64>,
}

/// A change to one step, from the incident screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct StepUpdate {
    pub status: StepStatus,
    pub message_client_id: Option<Uuid>,
    pub call_outcome: Option<CallOutcome>,
    pub note: Option<String>,
    /// Edited wording to keep with the step.
    pub draft: Option<String>,
}

fn load(conn: &Connection, id: Uuid) -> CoreResult<(Incident, i64, bool)> {
    let row: Option<(String, i64, bool)> = conn
        .query_row(
            "SELECT data, version, dirty FROM incidents WHERE id = ?1",
            [id.as_bytes().as_slice()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let (data, version, dirty) = row.ok_or(CoreError::NotFound("incident"))?;
    Ok((serde_json::from_str(&data)?, version, dirty))
}

/// Stores a local change: a new version, to be pushed by the outbox.
fn save_local(tx: &Transaction<'_>, incident: &Incident, version: i64) -> CoreResult<()> {
    tx.execute(
        "INSERT INTO incidents (id, version, data, updated_at, dirty) VALUES (?1, ?2, ?3, ?4, 1)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, data = excluded.data,
           updated_at = excluded.updated_at, dirty = 1",
        params![
            incident.id.as_bytes().as_slice(),
            version,
            serde_json::to_string(incident)?,
            incident.updated_at
        ],
    )?;
    Ok(())
}

/// Reopens the steps whose follow-up (`client_id`) was cancelled before it
/// left the device, in the transaction that cancels it, and returns the
/// incidents changed (to be pushed by the outbox like any local change).
pub(crate) fn reopen_cancelled_follow_up(
    tx: &Transaction<'_>,
    client_id: Uuid,
    now: i64,
) -> CoreResult<Vec<Uuid>> {
    // Incidents are kept as JSON: find those that mention the follow-up.
    let rows: Vec<(Vec<u8>, String, i64)> = tx
        .prepare("SELECT id, data, version FROM incidents WHERE instr(data, ?1) > 0")?
        .query_map([client_id.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut changed = Vec::new();
    for (_, data, version) in rows {
        let mut incident: Incident = serde_json::from_str(&data)?;
        if incident.reopen_follow_up(client_id) {
            incident.updated_at = now.max(incident.updated_at + 1);
            incident.settle(now);
            save_local(tx, &incident, version + 1)?;
            changed.push(incident.id);
        }
    }
    Ok(changed)
}

/// Applies an incident from the feed. Returns whether anything changed.
pub(crate) fn apply_remote(tx: &Transaction<'_>, record: &IncidentRecord) -> CoreResult<bool> {
    let Ok(remote) = serde_json::from_str::<Incident>(&record.data) else {
        tracing::warn!(id = %record.id, "an incident from the server could not be read; kept the local copy");
        return Ok(false);
    };
    let local = match load(tx, record.id) {
        Ok(found) => Some(found),
        Err(CoreError::NotFound(_)) => None,
        Err(e) => return Err(e),
    };
    match local {
        Some((_, version, _)) if version >= record.version => Ok(false),
        Some((mine, _, true)) => {
            // Both sides changed it: keep both, and push the merge.
            let merged = incident::merge(&mine, &remote);
            save_local(tx, &merged, record.version + 1)?;
            Ok(true)
        }
        _ => {
            tx.execute(
                "INSERT INTO incidents (id, version, data, updated_at, dirty) VALUES (?1, ?2, ?3, ?4, 0)
                 ON CONFLICT (id) DO UPDATE SET version = excluded.version, data = excluded.data,
                   updated_at = excluded.updated_at, dirty = 0",
                params![
                    record.id.as_bytes().as_slice(),
                    record.version,
                    record.data,
                    remote.updated_at
                ],
            )?;
            Ok(true)
        }
    }
}

/// Starts the repeat schedule of an urgent notice from someone else.
pub(crate) fn track_urgent(tx: &Transaction<'_>, m: &Message) -> CoreResult<()> {
    let now = now_ms();
    if now - m.server_time > URGENT_TRACK_MAX_AGE_MS {
        return Ok(());
    }
    tx.prepare_cached(
        "INSERT OR IGNORE INTO urgent_alerts (message_id, conversation_id, seq, first_at, last_at)
         VALUES (?1, ?2, ?3, ?4, ?4)",
    )?
    .execute(params![m.id.0, m.conversation_id.0, m.seq, now])?;
    Ok(())
}

/// Pushes incidents changed on this device; a conflict merges with the
/// server's copy and tries again. Called by the outbox worker.
pub(crate) async fn push_dirty(inner: &Inner, remote: &Remote) -> CoreResult<()> {
    let dirty: Vec<(Vec<u8>, i64, String)> = inner
        .db
        .read(|c| {
            Ok(
                c.prepare("SELECT id, version, data FROM incidents WHERE dirty = 1")?
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<rusqlite::Result<_>>()?,
            )
        })
        .await?;
    for (id, version, data) in dirty {
        let id = Uuid::from_slice(&id).map_err(|e| CoreError::Internal(e.to_string()))?;
        let record = IncidentRecord {
            id,
            version,
            data: data.clone(),
            stored_at: 0,
        };
        match remote.put_incident(&record).await {
            Ok(_) => {
                inner
                    .db
                    .write(move |tx| {
                        // Only if nothing changed meanwhile.
                        tx.execute(
                            "UPDATE incidents SET dirty = 0 WHERE id = ?1 AND version = ?2",
                            params![id.as_bytes().as_slice(), version],
                        )?;
                        Ok(())
                    })
                    .await?;
            }
            Err(CoreError::Server { status: 409, .. }) => {
                let theirs = remote.incident(id).await?;
                let changed = inner
                    .db
                    .write(move |tx| {
                        let (mine, _, _) = load(tx, id)?;
                        let merged = match serde_json::from_str::<Incident>(&theirs.data) {
                            Ok(t) => incident::merge(&mine, &t),
                            Err(_) => mine,
                        };
                        save_local(tx, &merged, theirs.version.max(version) + 1)?;
                        Ok(true)
                    })
                    .await?;
                if changed {
                    inner.emit(ClientEvent::IncidentChanged { id });
                    inner.outbox_wake.notify_one();
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Delivery state of `seq` for one member, from their receipt.
fn member_state(
    conn: &Connection,
    conversation: ConversationId,
    user: UserId,
    seq: i64,
) -> CoreResult<DeliveryState> {
    let receipt: Option<(i64, i64)> = conn
        .prepare_cached(
            "SELECT delivered_up_to, read_up_to FROM receipts WHERE conversation_id = ?1 AND user_id = ?2",
        )?
        .query_row(params![conversation.0, user.0], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(match receipt {
        Some((_, read)) if read >= seq => DeliveryState::Read,
        Some((delivered, _)) if delivered >= seq => DeliveryState::Delivered,
        _ => DeliveryState::Sent,
    })
}

fn others(conn: &Connection, conversation: ConversationId, me: UserId) -> CoreResult<Vec<Profile>> {
    let ids: Vec<i64> = conn
        .prepare_cached("SELECT user_id FROM members WHERE conversation_id = ?1 AND user_id != ?2 ORDER BY user_id")?
        .query_map(params![conversation.0, me.0], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.into_iter()
        .map(|id| mirror::profile_or_stand_in(conn, UserId(id)))
        .collect()
}

fn allowance(
    conn: &Connection,
    me: UserId,
    conversation: ConversationId,
    now: i64,
) -> CoreResult<UrgentAllowance> {
    let times: Vec<i64> = conn
        .prepare_cached(
            "SELECT server_time FROM messages WHERE conversation_id = ?1 AND sender = ?2 AND kind = 'urgent'
               AND server_time > ?3 ORDER BY server_time",
        )?
        .query_map(params![conversation.0, me.0, now - URGENT_WINDOW_MS], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let sent = i64::try_from(times.len()).unwrap_or(i64::MAX);
    let next_possible_at = if sent >= MAX_URGENT_PER_WINDOW {
        let index = usize::try_from(sent - MAX_URGENT_PER_WINDOW).unwrap_or(0);
        times.get(index).map(|t| t + URGENT_WINDOW_MS)
    } else {
        None
    };
    Ok(UrgentAllowance {
        sent_in_window: sent,
        limit: MAX_URGENT_PER_WINDOW,
        next_possible_at,
    })
}

fn view(conn: &Connection, me: UserId, incident: Incident, now: i64) -> CoreResult<IncidentView> {
    let original = mirror::message(conn, me, incident.message_id)?;
    let conversation = original.conversation_id;
    let mut recipients = Vec::new();
    for profile in others(conn, conversation, me)? {
        let user = profile.user_id;
        let mut follow_ups = Vec::new();
        for a in original.annotations.iter().filter(|a| a.mine) {
            follow_ups.push(FollowUpProgress {
                message_id: a.message_id,
                kind: a.kind,
                state: member_state(conn, conversation, user, a.seq)?,
            });
        }
        recipients.push(RecipientProgress {
            original: member_state(conn, conversation, user, original.seq)?,
            profile,
            follow_ups,
        });
    }
    Ok(IncidentView {
        urgent: allowance(conn, me, conversation, now)?,
        incident,
        original,
        recipients,
    })
}

impl Client {
    /// "Something is wrong with this message": opens an incident for one of
    /// your messages, with the checklist its case recommends right now.
    pub async fn open_incident(
        &self,
        message: MessageId,
        case: IncidentCase,
    ) -> CoreResult<IncidentView> {
        let me = self.me()?;
        let settings = self.settings().await?;
        let now = now_ms();
        let view = self
            .inner
            .db
            .write(move |tx| {
                let original = mirror::message(tx, me, message)?;
                if !original.mine {
                    return Err(CoreError::invalid(
                        "not_your_message",
                        "Incidents are for messages you sent",
                    ));
                }
                let findings = if original.findings.is_empty() {
                    crate::checks::scan(&original.body)
                } else {
                    original.findings.clone()
                };
                let mut recipients = Vec::new();
                for profile in others(tx, original.conversation_id, me)? {
                    let state =
                        member_state(tx, original.conversation_id, profile.user_id, original.seq)?;
                    recipients.push(RecipientFact { profile, state });
                }
                let facts = IncidentFacts {
                    case,
                    body: original.body.clone(),
                    findings,
                    retraction_template: settings.retraction_template.clone(),
                    apology_template: settings.apology_template.clone(),
                    recipients,
                };
                let incident = Incident {
                    id: Uuid::now_v7(),
                    case,
                    conversation_id: original.conversation_id,
                    message_id: message,
                    excerpt: original.body.chars().take(140).collect(),
                    recipient_names: facts
                        .recipients
                        .iter()
                        .map(|r| r.profile.display_name.clone())
                        .collect(),
                    created_at: now,
                    updated_at: now,
                    resolved_at: None,
                    closed_early: false,
                    cancelled_follow_ups: Vec::new(),
                    steps: incident::plan(&facts),
                };
                save_local(tx, &incident, 1)?;
                view(tx, me, incident, now)
            })
            .await?;
        self.inner.emit(ClientEvent::IncidentChanged {
            id: view.incident.id,
        });
        self.inner.outbox_wake.notify_one();
        Ok(view)
    }

    /// Your incidents, open ones first, newest first.
    pub async fn incidents(&self) -> CoreResult<Vec<Incident>> {
        let mut list: Vec<Incident> = self
            .inner
            .db
            .read(|c| mirror::json_rows(c, "SELECT data FROM incidents"))
            .await?;
        list.sort_by_key(|i: &Incident| (i.resolved_at.is_some(), std::cmp::Reverse(i.updated_at)));
        Ok(list)
    }

    /// One incident with live per-recipient progress.
    pub async fn incident(&self, id: Uuid) -> CoreResult<IncidentView> {
        let me = self.reader_me().await?;
        let now = now_ms();
        self.inner
            .db
            .read(move |c| {
                let (incident, _, _) = load(c, id)?;
                view(c, me, incident, now)
            })
            .await
    }

    /// Records what happened with one step (done, skipped, the follow-up it
    /// sent, a call's outcome, a note). The incident resolves itself when its
    /// required steps are finished.
    pub async fn update_step(
        &self,
        id: Uuid,
        step: String,
        update: StepUpdate,
    ) -> CoreResult<IncidentView> {
        self.change_incident(id, move |incident, now| {
            let s = incident
                .steps
                .iter_mut()
                .find(|s| s.id == step)
                .ok_or(CoreError::NotFound("step"))?;
            s.status = update.status;
            s.done_at = (update.status != StepStatus::Todo).then_some(now);
            if update.message_client_id.is_some() {
                s.message_client_id = update.message_client_id;
            }
            if update.call_outcome.is_some() {
                s.call_outcome = update.call_outcome;
            }
            if let Some(note) = update.note {
                s.note = Some(note).filter(|n| !n.trim().is_empty());
            }
            if let Some(draft) = update.draft {
                s.draft = Some(draft);
            }
            Ok(())
        })
        .await
    }

    /// Closes an incident before all its steps are done.
    pub async fn close_incident(&self, id: Uuid) -> CoreResult<IncidentView> {
        self.change_incident(id, |incident, now| {
            if incident.resolved_at.is_none() {
                incident.closed_early = true;
                incident.resolved_at = Some(now);
            }
            Ok(())
        })
        .await
    }

    async fn change_incident(
        &self,
        id: Uuid,
        change: impl FnOnce(&mut Incident, i64) -> CoreResult<()> + Send + 'static,
    ) -> CoreResult<IncidentView> {
        let me = self.me()?;
        let now = now_ms();
        let view = self
            .inner
            .db
            .write(move |tx| {
                let (mut incident, version, _) = load(tx, id)?;
                change(&mut incident, now)?;
                incident.updated_at = now.max(incident.updated_at + 1);
                incident.settle(now);
                save_local(tx, &incident, version + 1)?;
                view(tx, me, incident, now)
            })
            .await?;
        self.inner.emit(ClientEvent::IncidentChanged { id });
        self.inner.outbox_wake.notify_one();
        Ok(view)
    }

    /// "Remind me in N minutes if it is still unread."
    pub async fn remind_if_unread(
        &self,
        message: MessageId,
        minutes: u32,
        incident: Option<Uuid>,
    ) -> CoreResult<i64> {
        if !(1..=24 * 60).contains(&minutes) {
            return Err(CoreError::invalid(
                "invalid_reminder",
                "A reminder is between 1 minute and 24 hours away",
            ));
        }
        let me = self.me()?;
        let due = now_ms() + i64::from(minutes) * 60_000;
        self.inner
            .db
            .write(move |tx| {
                let original = mirror::message(tx, me, message)?;
                tx.execute(
                    "INSERT INTO reminders (incident_id, conversation_id, message_id, due_at) VALUES (?1, ?2, ?3, ?4)",
                    params![
                        incident.map(|i| i.as_bytes().to_vec()),
                        original.conversation_id.0,
                        message.0,
                        due
                    ],
                )?;
                Ok(())
            })
            .await?;
        Ok(due)
    }

    /// The urgent-notice allowance in a conversation right now.
    pub async fn urgent_allowance(
        &self,
        conversation: ConversationId,
    ) -> CoreResult<UrgentAllowance> {
        let me = self.reader_me().await?;
        let now = now_ms();
        self.inner
            .db
            .read(move |c| allowance(c, me, conversation, now))
            .await
    }

    /// Notifications due at `now`: repeats of unread urgent notices from
    /// others (every `repeat_every_ms`, normally
    /// [`incident::URGENT_REPEAT_MS`], for 20 minutes) and reminders about
    /// your messages still unread. Each is returned once; the time is
    /// passed in so tests need not wait.
    pub async fn due_alerts(
        &self,
        now: i64,
        repeat_every_ms: i64,
        local_minute: u16,
    ) -> CoreResult<Vec<PlannedNotification>> {
        // The shell asks every few seconds; most of the time nothing is
        // pending, and a reader answers that without taking the writer.
        let pending: bool = self
            .inner
            .db
            .read(move |c| {
                Ok(c.query_row(
                    "SELECT EXISTS (SELECT 1 FROM urgent_alerts WHERE done = 0)
                         OR EXISTS (SELECT 1 FROM reminders WHERE state = 'pending' AND due_at <= ?1)",
                    [now],
                    |r| r.get(0),
                )?)
            })
            .await?;
        if !pending {
            return Ok(Vec::new());
        }
        let me = self.reader_me().await?;
        let settings = self.settings().await?;
        self.inner
            .db
            .write(move |tx| {
                let mut out = Vec::new();
                // Urgent repeats.
                let alerts: Vec<(i64, i64, i64, i64, i64, i64)> = tx
                    .prepare("SELECT message_id, conversation_id, seq, first_at, last_at, count FROM urgent_alerts WHERE done = 0")?
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))?
                    .collect::<rusqlite::Result<_>>()?;
                let quiet = !settings.notifications || (settings.in_dnd(local_minute) && !settings.urgent_breaks_dnd);
                for (message_id, conversation, seq, first_at, last_at, count) in alerts {
                    let conversation = ConversationId(conversation);
                    let read = member_state(tx, conversation, me, seq)? == DeliveryState::Read;
                    match urgent_decision(first_at, last_at, read, now, repeat_every_ms) {
                        AlertDecision::Stop => {
                            tx.execute("UPDATE urgent_alerts SET done = 1 WHERE message_id = ?1", [message_id])?;
                        }
                        AlertDecision::WaitUntil(_) => {}
                        AlertDecision::Repeat => {
                            tx.execute(
                                "UPDATE urgent_alerts SET last_at = ?2, count = count + 1 WHERE message_id = ?1",
                                params![message_id, now],
                            )?;
                            if quiet || settings.muted.contains(&conversation) {
                                continue;
                            }
                            let m = mirror::message(tx, me, MessageId(message_id))?;
                            out.push(PlannedNotification {
                                conversation_id: conversation,
                                summary: format!("Urgent: {} (still unread, reminder {count})", m.sender_name),
                                body: if settings.show_preview { m.body } else { "Open Candor to read it.".to_owned() },
                                urgency: Urgency::Critical,
                                replaces: true,
                            });
                        }
                    }
                }
                // Reminders about your own messages.
                let reminders: Vec<(i64, i64, i64, i64)> = tx
                    .prepare("SELECT id, conversation_id, message_id, due_at FROM reminders WHERE state = 'pending' AND due_at <= ?1")?
                    .query_map([now], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                    .collect::<rusqlite::Result<_>>()?;
                for (id, conversation, message_id, due_at) in reminders {
                    let conversation = ConversationId(conversation);
                    let m = mirror::message(tx, me, MessageId(message_id))?;
                    let states: Vec<DeliveryState> = others(tx, conversation, me)?
                        .iter()
                        .map(|p| member_state(tx, conversation, p.user_id, m.seq))
                        .collect::<CoreResult<_>>()?;
                    let read = !states.is_empty() && states.iter().all(|s| *s == DeliveryState::Read);
                    match reminder_decision(due_at, read, now) {
                        ReminderDecision::Wait => {}
                        ReminderDecision::Drop => {
                            tx.execute("UPDATE reminders SET state = 'dropped' WHERE id = ?1", [id])?;
                        }
                        ReminderDecision::Fire => {
                            tx.execute("UPDATE reminders SET state = 'fired' WHERE id = ?1", [id])?;
                            let title = mirror::conversation_summary(tx, me, conversation)?.title;
                            out.push(PlannedNotification {
                                conversation_id: conversation,
                                summary: format!("Still unread: your message to {title}"),
                                body: m.body.chars().take(120).collect(),
                                urgency: Urgency::Normal,
                                replaces: false,
                            });
                        }
                    }
                }
                Ok(out)
            })
            .await
    }
}
