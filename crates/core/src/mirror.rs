//! The mirror's reads and writes, as plain functions over a connection or a
//! transaction. The sync engine calls [`apply_events`] with a whole page of
//! feed events and the new cursor inside one transaction, so a crash at any
//! point leaves either all of the page or none of it.
//!
//! This module must not talk to the network; it only turns events into rows
//! and rows into read models.

use std::collections::{BTreeSet, HashMap};

use candor_proto::{
    chain, Connection as WireConnection, ConnectionState, Conversation, ConversationId,
    ConversationKind, CorrectionFields, EventPayload, FeedEvent, Message, MessageId, MessageKind,
    Profile, Receipt, UserId,
};
use ed25519_dalek::VerifyingKey;
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use uuid::Uuid;

use crate::error::{CoreError, CoreResult};
use crate::model::{
    Annotation, ConversationSummary, DeliveryState, IncomingMessage, IntegrityAlarm,
    MessagePreview, MessageView, Page, PendingMessage, SearchHit,
};
use crate::search;

/// What a batch of events changed, for the event channel.
#[derive(Debug, Default)]
pub struct ApplyOutcome {
    pub conversations: BTreeSet<ConversationId>,
    pub incoming: Vec<IncomingMessage>,
    pub connections_changed: bool,
    pub profiles: BTreeSet<UserId>,
    pub alarms: Vec<IntegrityAlarm>,
    pub incidents: BTreeSet<uuid::Uuid>,
    pub blocks_changed: bool,
    pub reports_changed: bool,
    pub notices: Vec<candor_proto::ModerationNotice>,
}

struct Head {
    last_seq: i64,
    hash: [u8; 32],
    last_message_id: Option<i64>,
    last_activity: i64,
    dirty: bool,
    /// The newest message of this batch, whose signature is checked.
    newest: Option<(i64, i64, [u8; 32], String)>,
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The feed cursor.
pub fn cursor(conn: &Connection) -> CoreResult<i64> {
    Ok(
        conn.query_row("SELECT cursor FROM sync_state WHERE id = 1", [], |r| {
            r.get(0)
        })?,
    )
}

/// Applies feed events in order and moves the cursor to `next`. Events at or
/// below the stored cursor are skipped, so applying a page twice is harmless.
pub fn apply_events(
    tx: &Transaction<'_>,
    me: UserId,
    server_key: &VerifyingKey,
    events: &[FeedEvent],
    next: i64,
) -> CoreResult<ApplyOutcome> {
    let mut out = ApplyOutcome::default();
    let start = cursor(tx)?;
    let mut heads: HashMap<ConversationId, Head> = HashMap::new();
    let mut delivered: HashMap<ConversationId, i64> = HashMap::new();
    // The signatures that will vouch for this page (see below) depend only
    // on what the server sent, so a second core checks them while this one
    // writes the rows: on a large catch-up page they are about a third of
    // the work. A small page checks them here.
    let candidates = signature_candidates(events, start);
    let (applied, checked) = std::thread::scope(|scope| {
        let checker = (candidates.len() >= PARALLEL_SIGNATURE_CHECKS)
            .then(|| {
                std::thread::Builder::new()
                    .name("signature checks".into())
                    .spawn_scoped(scope, || check_signatures(server_key, &candidates))
                    .ok()
            })
            .flatten();
        let applied = apply_each(tx, me, events, start, &mut heads, &mut delivered, &mut out);
        // A checker that failed to finish leaves the checks to this thread.
        let checked = checker.and_then(|c| c.join().ok()).unwrap_or_default();
        (applied, checked)
    });
    applied?;
    // One signature per conversation per batch: the chain links every earlier
    // message to the newest one, so its signature vouches for all of them.
    for (conversation, head) in &heads {
        if let Some((id, seq, hash, signature)) = &head.newest {
            // Only a result for exactly this message, place, hash and
            // signature counts; anything else is checked here.
            let result = match checked.get(&(*conversation, MessageId(*id))) {
                Some(c) if c.seq == *seq && c.hash == *hash && c.signature == *signature => {
                    c.result.clone()
                }
                _ => chain::verify_signature(server_key, *conversation, *seq, hash, signature),
            };
            if let Err(e) = result {
                raise_alarm(
                    tx,
                    *conversation,
                    *seq,
                    Some(MessageId(*id)),
                    &e.to_string(),
                    &mut out,
                )?;
            }
        }
        if head.dirty {
            tx.prepare_cached(
                "UPDATE conversations SET last_seq = ?2, head_hash = ?3, last_message_id = ?4,
                 last_activity = MAX(last_activity, ?5) WHERE id = ?1",
            )?
            .execute(params![
                conversation.0,
                head.last_seq,
                head.hash.to_vec(),
                head.last_message_id,
                head.last_activity
            ])?;
        }
    }
    // Tell the server these reached this device.
    for (conversation, seq) in delivered {
        tx.prepare_cached(
            "INSERT INTO pending_receipts (conversation_id, delivered_up_to) VALUES (?1, ?2)
             ON CONFLICT (conversation_id) DO UPDATE
             SET delivered_up_to = MAX(delivered_up_to, excluded.delivered_up_to)",
        )?
        .execute(params![conversation.0, seq])?;
    }
    tx.execute(
        "UPDATE sync_state SET cursor = MAX(cursor, ?1) WHERE id = 1",
        [next],
    )?;
    Ok(out)
}

/// From this many signatures on, a page checks them on a second thread.
const PARALLEL_SIGNATURE_CHECKS: usize = 16;

/// A message whose signature may vouch for a page: its conversation, place,
/// the chain hash the server claims for it, and the signature.
struct Candidate<'a> {
    conversation: ConversationId,
    id: MessageId,
    seq: i64,
    hash: [u8; 32],
    signature: &'a str,
}

/// The last message of each conversation in a page, the one that normally
/// ends up as its newest and has its signature checked. Its hash is the one
/// the server claims: when the chain link holds, that is the hash computed
/// (and when it does not, the apply code goes on from the claimed one too).
fn signature_candidates(events: &[FeedEvent], start: i64) -> Vec<Candidate<'_>> {
    let mut last: HashMap<ConversationId, &Message> = HashMap::new();
    for event in events.iter().filter(|e| e.seq > start) {
        if let EventPayload::Message(m) = &event.event {
            last.insert(m.conversation_id, m);
        }
    }
    last.into_values()
        .map(|m| Candidate {
            conversation: m.conversation_id,
            id: m.id,
            seq: m.seq,
            hash: chain::parse_hash(&m.chain_hash).unwrap_or([0; 32]),
            signature: &m.signature,
        })
        .collect()
}

/// A signature checked ahead, with exactly what it was checked for.
struct CheckedSignature {
    seq: i64,
    hash: [u8; 32],
    signature: String,
    result: Result<(), chain::ChainError>,
}

type Checked = HashMap<(ConversationId, MessageId), CheckedSignature>;

fn check_signatures(key: &VerifyingKey, candidates: &[Candidate<'_>]) -> Checked {
    candidates
        .iter()
        .map(|c| {
            let result = chain::verify_signature(key, c.conversation, c.seq, &c.hash, c.signature);
            let checked = CheckedSignature {
                seq: c.seq,
                hash: c.hash,
                signature: c.signature.to_owned(),
                result,
            };
            ((c.conversation, c.id), checked)
        })
        .collect()
}

/// Applies each event of a page after the cursor `start`, in order.
fn apply_each(
    tx: &Transaction<'_>,
    me: UserId,
    events: &[FeedEvent],
    start: i64,
    heads: &mut HashMap<ConversationId, Head>,
    delivered: &mut HashMap<ConversationId, i64>,
    out: &mut ApplyOutcome,
) -> CoreResult<()> {
    for event in events.iter().filter(|e| e.seq > start) {
        match &event.event {
            EventPayload::Message(m) => {
                apply_message(tx, me, m, heads, out)?;
                if m.sender != me {
                    let d = delivered.entry(m.conversation_id).or_default();
                    *d = (*d).max(m.seq);
                }
            }
            EventPayload::Receipt(r) => {
                apply_receipt(tx, r)?;
                out.conversations.insert(r.conversation_id);
            }
            EventPayload::Membership(c) => {
                apply_conversation(tx, c)?;
                out.conversations.insert(c.id);
            }
            EventPayload::Connection(c) => {
                apply_connection(tx, c)?;
                out.connections_changed = true;
            }
            EventPayload::Profile(p) => {
                upsert_profile(tx, p, true)?;
                out.profiles.insert(p.user_id);
            }
            EventPayload::Incident(record) => {
                if crate::incidents::apply_remote(tx, record)? {
                    out.incidents.insert(record.id);
                }
            }
            EventPayload::Block(change) => {
                crate::safety::apply_block(tx, change)?;
                out.blocks_changed = true;
            }
            EventPayload::Report(report) => {
                crate::safety::apply_report(tx, report)?;
                out.reports_changed = true;
            }
            EventPayload::Notice(notice) => {
                crate::safety::apply_notice(tx, notice)?;
                out.notices.push(notice.clone());
            }
        }
    }
    Ok(())
}

fn raise_alarm(
    tx: &Transaction<'_>,
    conversation: ConversationId,
    seq: i64,
    message: Option<MessageId>,
    reason: &str,
    out: &mut ApplyOutcome,
) -> CoreResult<()> {
    let alarm = IntegrityAlarm {
        conversation_id: conversation,
        seq,
        message_id: message,
        reason: reason.to_owned(),
        detected_at: now_ms(),
    };
    tx.execute(
        "INSERT INTO integrity_alarms (conversation_id, seq, message_id, reason, detected_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            conversation.0,
            seq,
            message.map(|m| m.0),
            alarm.reason,
            alarm.detected_at
        ],
    )?;
    tracing::warn!(conversation = %conversation, seq, reason, "chain verification failed");
    out.conversations.insert(conversation);
    out.alarms.push(alarm);
    Ok(())
}

fn load_head(tx: &Transaction<'_>, conversation: ConversationId) -> CoreResult<Head> {
    let row: Option<(i64, Vec<u8>, Option<i64>, i64)> = tx
        .prepare_cached(
            "SELECT last_seq, head_hash, last_message_id, last_activity FROM conversations WHERE id = ?1",
        )?
        .query_row([conversation.0], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    let (last_seq, hash, last_message_id, last_activity) = match row {
        Some(row) => row,
        None => {
            // A message before its conversation's membership event should not
            // happen; keep the message anyway under a placeholder row.
            let genesis = chain::genesis_hash(conversation);
            tx.execute(
                "INSERT INTO conversations (id, kind, created_by, created_at, last_activity, head_hash)
                 VALUES (?1, 'group', 0, 0, 0, ?2)",
                params![conversation.0, genesis.to_vec()],
            )?;
            (0, genesis.to_vec(), None, 0)
        }
    };
    let hash: [u8; 32] = hash
        .try_into()
        .unwrap_or_else(|_| chain::genesis_hash(conversation));
    Ok(Head {
        last_seq,
        hash,
        last_message_id,
        last_activity,
        dirty: false,
        newest: None,
    })
}

fn apply_message(
    tx: &Transaction<'_>,
    me: UserId,
    m: &Message,
    heads: &mut HashMap<ConversationId, Head>,
    out: &mut ApplyOutcome,
) -> CoreResult<()> {
    let exists = tx
        .prepare_cached("SELECT 1 FROM messages WHERE id = ?1")?
        .query_row([m.id.0], |_| Ok(()))
        .optional()?
        .is_some();
    if exists {
        return Ok(());
    }
    let head = match heads.entry(m.conversation_id) {
        std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
        std::collections::hash_map::Entry::Vacant(e) => e.insert(load_head(tx, m.conversation_id)?),
    };
    if m.seq <= head.last_seq {
        // Another message already holds this place in the chain: a fork.
        return raise_alarm(
            tx,
            m.conversation_id,
            m.seq,
            Some(m.id),
            "a second message claims an existing place in the conversation",
            out,
        );
    }
    let mut verified = true;
    if m.seq != head.last_seq + 1 {
        verified = false;
        raise_alarm(
            tx,
            m.conversation_id,
            m.seq,
            Some(m.id),
            &format!(
                "messages {} to {} are missing",
                head.last_seq + 1,
                m.seq - 1
            ),
            out,
        )?;
    }
    let hash = match chain::verify_link(&head.hash, &m.canonical(), &m.chain_hash) {
        Ok(hash) => hash,
        Err(e) => {
            if verified {
                raise_alarm(
                    tx,
                    m.conversation_id,
                    m.seq,
                    Some(m.id),
                    &e.to_string(),
                    out,
                )?;
            }
            verified = false;
            // Continue the chain from what the server claims, so one break is
            // reported once rather than on every later message.
            chain::parse_hash(&m.chain_hash).unwrap_or([0; 32])
        }
    };
    let signature = hex::decode(&m.signature).unwrap_or_default();
    tx.prepare_cached(
        "INSERT INTO messages (id, conversation_id, seq, sender, client_id, server_time, kind,
             reference, body, what_was_wrong, correct_information, chain_hash, signature, verified)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        m.id.0,
        m.conversation_id.0,
        m.seq,
        m.sender.0,
        m.client_id.as_bytes().to_vec(),
        m.server_time,
        m.kind.as_str(),
        m.reference.map(|r| r.0),
        m.body,
        m.correction.as_ref().map(|c| &c.what_was_wrong),
        m.correction.as_ref().map(|c| &c.correct_information),
        hash.to_vec(),
        signature,
        verified
    ])?;
    tx.prepare_cached("INSERT INTO messages_fts (rowid, body) VALUES (?1, ?2)")?
        .execute(params![m.id.0, search::fold(&indexed_text(m))])?;
    if m.sender == me {
        // Our own message came back through the feed: it left the outbox.
        tx.prepare_cached("DELETE FROM outbox WHERE client_id = ?1")?
            .execute([m.client_id.as_bytes().to_vec()])?;
    } else if !is_blocked(tx, m.sender)? {
        // Someone you block (in a group you share) is neither notified nor
        // allowed to raise urgent alerts; their messages are still stored.
        if m.kind == MessageKind::Urgent {
            crate::incidents::track_urgent(tx, m)?;
        }
        out.incoming.push(IncomingMessage {
            conversation_id: m.conversation_id,
            message_id: m.id,
            sender: m.sender,
            sender_name: display_name(tx, m.sender)?,
            kind: m.kind,
            body: m.body.clone(),
        });
    }
    head.last_seq = m.seq;
    head.hash = hash;
    head.last_message_id = Some(m.id.0);
    head.last_activity = head.last_activity.max(m.server_time);
    head.dirty = true;
    head.newest = Some((m.id.0, m.seq, hash, m.signature.clone()));
    out.conversations.insert(m.conversation_id);
    Ok(())
}

fn indexed_text(m: &Message) -> String {
    match &m.correction {
        Some(c) => format!(
            "{}\n{}\n{}",
            m.body, c.what_was_wrong, c.correct_information
        ),
        None => m.body.clone(),
    }
}

fn apply_receipt(tx: &Transaction<'_>, r: &Receipt) -> CoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO receipts (conversation_id, user_id, delivered_up_to, read_up_to)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (conversation_id, user_id) DO UPDATE SET
           delivered_up_to = MAX(delivered_up_to, excluded.delivered_up_to),
           read_up_to = MAX(read_up_to, excluded.read_up_to)",
    )?
    .execute(params![
        r.conversation_id.0,
        r.user_id.0,
        r.delivered_up_to,
        r.read_up_to
    ])?;
    Ok(())
}

fn apply_conversation(tx: &Transaction<'_>, c: &Conversation) -> CoreResult<()> {
    let kind = match c.kind {
        ConversationKind::Direct => "direct",
        ConversationKind::Group => "group",
    };
    tx.execute(
        "INSERT INTO conversations (id, kind, title, created_by, created_at, last_activity, head_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, title = excluded.title,
           created_by = excluded.created_by, created_at = excluded.created_at,
           last_activity = MAX(last_activity, excluded.created_at)",
        params![
            c.id.0,
            kind,
            c.title,
            c.created_by.0,
            c.created_at,
            chain::genesis_hash(c.id).to_vec()
        ],
    )?;
    tx.execute("DELETE FROM members WHERE conversation_id = ?1", [c.id.0])?;
    for p in &c.members {
        upsert_profile(tx, p, false)?;
        tx.execute(
            "INSERT INTO members (conversation_id, user_id) VALUES (?1, ?2)",
            params![c.id.0, p.user_id.0],
        )?;
    }
    Ok(())
}

fn apply_connection(tx: &Transaction<'_>, c: &WireConnection) -> CoreResult<()> {
    upsert_profile(tx, &c.peer, true)?;
    let state = match c.state {
        ConnectionState::InvitedByMe => "invited_by_me",
        ConnectionState::InvitedMe => "invited_me",
        ConnectionState::Accepted => "accepted",
        ConnectionState::Declined => "declined",
        ConnectionState::Removed => "removed",
    };
    tx.execute(
        "INSERT INTO connections (peer, state, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (peer) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
        params![c.peer.user_id.0, state, c.updated_at],
    )?;
    Ok(())
}

/// Stores a profile. `authoritative` profiles (from connection and profile
/// events) also set the phone number; member lists never carry it.
fn upsert_profile(tx: &Transaction<'_>, p: &Profile, authoritative: bool) -> CoreResult<()> {
    let sql = if authoritative {
        "INSERT INTO profiles (user_id, handle, display_name, headline, phone) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (user_id) DO UPDATE SET handle = excluded.handle,
           display_name = excluded.display_name, headline = excluded.headline, phone = excluded.phone"
    } else {
        "INSERT INTO profiles (user_id, handle, display_name, headline, phone) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (user_id) DO UPDATE SET handle = excluded.handle,
           display_name = excluded.display_name, headline = excluded.headline"
    };
    tx.prepare_cached(sql)?.execute(params![
        p.user_id.0,
        p.handle,
        p.display_name,
        p.headline,
        p.phone
    ])?;
    Ok(())
}

fn display_name(conn: &Connection, user: UserId) -> CoreResult<String> {
    Ok(conn
        .prepare_cached("SELECT display_name FROM profiles WHERE user_id = ?1")?
        .query_row([user.0], |r| r.get(0))
        .optional()?
        .unwrap_or_else(|| format!("User {user}")))
}

// ------------------------------------------------------------------ reads

fn profile_row(r: &Row<'_>) -> rusqlite::Result<Profile> {
    Ok(Profile {
        user_id: UserId(r.get(0)?),
        handle: r.get(1)?,
        display_name: r.get(2)?,
        headline: r.get(3)?,
        phone: r.get(4)?,
    })
}

pub fn profile(conn: &Connection, user: UserId) -> CoreResult<Option<Profile>> {
    Ok(conn
        .query_row(
            "SELECT user_id, handle, display_name, headline, phone FROM profiles WHERE user_id = ?1",
            [user.0],
            profile_row,
        )
        .optional()?)
}

/// Rows stored whole as JSON (`data`, from `sql` with no parameters),
/// decoded; a row this version cannot read is skipped.
pub(crate) fn json_rows<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    sql: &str,
) -> CoreResult<Vec<T>> {
    let rows: Vec<String> = conn
        .prepare_cached(sql)?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows
        .iter()
        .filter_map(|d| serde_json::from_str(d).ok())
        .collect())
}

/// Readies the mirror for its owner: a partial index of the owner's own
/// messages, so the conversation list counts unread messages (everything
/// after the read position but the owner's own) without reading rows. It
/// holds only the owner's messages, so sync pays for it on those alone.
/// Idempotent; a mirror belongs to one account for good.
pub fn prepare_for_owner(conn: &Connection, me: UserId) -> CoreResult<()> {
    conn.execute_batch(&format!(
        "CREATE INDEX IF NOT EXISTS messages_mine ON messages (conversation_id, seq)
         WHERE sender = {}",
        me.0
    ))?;
    Ok(())
}

/// Whether you block this person, as this device sees it: the server's
/// blocks with any block or unblock waiting to reach it laid over them.
pub(crate) fn is_blocked(c: &Connection, user: UserId) -> CoreResult<bool> {
    Ok(
        c.prepare_cached("SELECT EXISTS (SELECT 1 FROM effective_blocks WHERE user_id = ?1)")?
            .query_row([user.0], |r| r.get(0))?,
    )
}

/// A person's profile, or a stand-in named "User N" for someone this mirror
/// has no profile of (left every shared conversation, hidden by a block).
pub fn profile_or_stand_in(conn: &Connection, user: UserId) -> CoreResult<Profile> {
    Ok(profile(conn, user)?.unwrap_or_else(|| Profile {
        user_id: user,
        handle: String::new(),
        display_name: format!("User {user}"),
        headline: String::new(),
        phone: None,
    }))
}

fn members(conn: &Connection, conversation: ConversationId) -> CoreResult<Vec<Profile>> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.user_id, p.handle, p.display_name, p.headline, p.phone
         FROM members m JOIN profiles p ON p.user_id = m.user_id
         WHERE m.conversation_id = ?1 ORDER BY p.display_name",
    )?;
    let rows = stmt
        .query_map([conversation.0], profile_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

fn conversation_title(kind: &str, title: String, members: &[Profile], me: UserId) -> String {
    if kind == "group" && !title.is_empty() {
        return title;
    }
    let others: Vec<&str> = members
        .iter()
        .filter(|p| p.user_id != me)
        .map(|p| p.display_name.as_str())
        .collect();
    if others.is_empty() {
        "Only you".to_owned()
    } else {
        others.join(", ")
    }
}

/// Every conversation, most recent activity first.
pub fn conversations(conn: &Connection, me: UserId) -> CoreResult<Vec<ConversationSummary>> {
    summaries(conn, me, None)
}

/// Summaries of every conversation, or of just `only`.
fn summaries(
    conn: &Connection,
    me: UserId,
    only: Option<ConversationId>,
) -> CoreResult<Vec<ConversationSummary>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.kind, c.title, c.last_activity,
                m.id, m.sender, m.kind, m.body, m.server_time,
                COALESCE(r.read_up_to, 0),
                EXISTS (SELECT 1 FROM integrity_alarms a WHERE a.conversation_id = c.id),
                (SELECT COUNT(*) FROM outbox o WHERE o.conversation_id = c.id)
         FROM conversations c
         LEFT JOIN messages m ON m.id = c.last_message_id
         LEFT JOIN receipts r ON r.conversation_id = c.id AND r.user_id = ?1
         WHERE ?2 IS NULL OR c.id = ?2
         ORDER BY c.last_activity DESC, c.id DESC",
    )?;
    type Row0 = (
        i64,
        String,
        String,
        i64,
        Option<i64>,
        Option<i64>,
        Option<String>,
        Option<String>,
        Option<i64>,
        i64,
        bool,
        i64,
    );
    let rows: Vec<Row0> = stmt
        .query_map(params![me.0, only.map(|c| c.0)], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
                r.get(10)?,
                r.get(11)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    // Unread = everything after my read position minus my own messages
    // there, both counted on indexes without reading a message: the
    // (conversation, seq) key and the owner's partial index (see
    // [`prepare_for_owner`]; the literal id lets the planner use it). Urgent
    // notices have a small index of their own.
    let mut unread_stmt = conn.prepare_cached(&format!(
        "SELECT (SELECT COUNT(*) FROM messages WHERE conversation_id = ?1 AND seq > ?2)
              - (SELECT COUNT(*) FROM messages
                 WHERE conversation_id = ?1 AND seq > ?2 AND sender = {me}),
                (SELECT COUNT(*) FROM messages INDEXED BY messages_urgent
                 WHERE conversation_id = ?1 AND seq > ?2 AND kind = 'urgent' AND sender != ?3)",
        me = me.0
    ))?;
    let mut out = Vec::with_capacity(rows.len());
    for (
        id,
        kind,
        title,
        last_activity,
        mid,
        sender,
        mkind,
        body,
        time,
        read_up_to,
        alarm,
        pending,
    ) in rows
    {
        let conversation = ConversationId(id);
        let members = members(conn, conversation)?;
        let (unread, urgent_unread): (i64, i64) = unread_stmt
            .query_row(params![id, read_up_to, me.0], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        let last_message = match (mid, sender, mkind, body, time) {
            (Some(mid), Some(sender), Some(mkind), Some(body), Some(time)) => {
                Some(MessagePreview {
                    id: MessageId(mid),
                    sender: UserId(sender),
                    sender_name: display_name(conn, UserId(sender))?,
                    kind: MessageKind::parse(&mkind).unwrap_or(MessageKind::Text),
                    body: preview_text(&body),
                    server_time: time,
                })
            }
            _ => None,
        };
        out.push(ConversationSummary {
            id: conversation,
            kind: if kind == "direct" {
                ConversationKind::Direct
            } else {
                ConversationKind::Group
            },
            title: conversation_title(&kind, title, &members, me),
            members,
            last_message,
            last_activity,
            unread,
            urgent_unread,
            pending,
            integrity_alarm: alarm,
        });
    }
    Ok(out)
}

fn preview_text(body: &str) -> String {
    let one_line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 140 {
        let mut s: String = one_line.chars().take(139).collect();
        s.push('…');
        s
    } else {
        one_line
    }
}

pub fn conversation_summary(
    conn: &Connection,
    me: UserId,
    id: ConversationId,
) -> CoreResult<ConversationSummary> {
    summaries(conn, me, Some(id))?
        .pop()
        .ok_or(CoreError::NotFound("conversation"))
}

const MESSAGE_COLUMNS: &str =
    "m.id, m.conversation_id, m.seq, m.sender, m.client_id, m.server_time, \
     m.kind, m.reference, m.body, m.what_was_wrong, m.correct_information, m.verified, \
     COALESCE(p.display_name, 'User ' || m.sender)";

fn message_view(r: &Row<'_>, me: UserId) -> rusqlite::Result<MessageView> {
    let sender = UserId(r.get(3)?);
    let client_id: Vec<u8> = r.get(4)?;
    let kind: String = r.get(6)?;
    let wrong: Option<String> = r.get(9)?;
    let correct: Option<String> = r.get(10)?;
    Ok(MessageView {
        id: MessageId(r.get(0)?),
        conversation_id: ConversationId(r.get(1)?),
        seq: r.get(2)?,
        sender,
        sender_name: r.get(12)?,
        mine: sender == me,
        client_id: Uuid::from_slice(&client_id).unwrap_or_default(),
        server_time: r.get(5)?,
        kind: MessageKind::parse(&kind).unwrap_or(MessageKind::Text),
        reference: r.get::<_, Option<i64>>(7)?.map(MessageId),
        body: r.get(8)?,
        correction: correction_fields(wrong, correct),
        state: DeliveryState::Sent,
        verified: r.get(11)?,
        annotations: Vec::new(),
        referenced: None,
        findings: Vec::new(),
    })
}

fn correction_fields(wrong: Option<String>, correct: Option<String>) -> Option<CorrectionFields> {
    match (wrong, correct) {
        (Some(what_was_wrong), Some(correct_information)) => Some(CorrectionFields {
            what_was_wrong,
            correct_information,
        }),
        _ => None,
    }
}

/// A page of a conversation in ascending order, with delivery states and
/// annotations filled in.
pub fn messages(
    conn: &Connection,
    me: UserId,
    conversation: ConversationId,
    page: Page,
) -> CoreResult<Vec<MessageView>> {
    let base = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages m LEFT JOIN profiles p ON p.user_id = m.sender
         WHERE m.conversation_id = ?1"
    );
    let query = |sql: &str, a: i64, limit: u32| -> CoreResult<Vec<MessageView>> {
        let mut stmt = conn.prepare_cached(sql)?;
        let rows = stmt
            .query_map(params![conversation.0, a, limit], |r| message_view(r, me))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    };
    let clamp = |limit: u32| limit.clamp(1, 500);
    let mut rows = match page {
        Page::Latest { limit } => {
            let mut v = query(
                &format!("{base} AND m.seq > ?2 ORDER BY m.seq DESC LIMIT ?3"),
                0,
                clamp(limit),
            )?;
            v.reverse();
            v
        }
        Page::Before { seq, limit } => {
            let mut v = query(
                &format!("{base} AND m.seq < ?2 ORDER BY m.seq DESC LIMIT ?3"),
                seq,
                clamp(limit),
            )?;
            v.reverse();
            v
        }
        Page::After { seq, limit } => query(
            &format!("{base} AND m.seq > ?2 ORDER BY m.seq ASC LIMIT ?3"),
            seq,
            clamp(limit),
        )?,
        Page::Around { message, limit } => {
            let seq: i64 = conn
                .query_row(
                    "SELECT seq FROM messages WHERE id = ?1 AND conversation_id = ?2",
                    params![message.0, conversation.0],
                    |r| r.get(0),
                )
                .optional()?
                .ok_or(CoreError::NotFound("message"))?;
            let limit = clamp(limit);
            let mut before = query(
                &format!("{base} AND m.seq < ?2 ORDER BY m.seq DESC LIMIT ?3"),
                seq,
                limit / 2,
            )?;
            before.reverse();
            let after = query(
                &format!("{base} AND m.seq >= ?2 ORDER BY m.seq ASC LIMIT ?3"),
                seq,
                limit - limit / 2,
            )?;
            before.extend(after);
            before
        }
    };
    decorate(conn, me, conversation, &mut rows)?;
    Ok(rows)
}

fn decorate(
    conn: &Connection,
    me: UserId,
    conversation: ConversationId,
    rows: &mut [MessageView],
) -> CoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    // The least progress among the other members decides the state.
    let (delivered, read): (Option<i64>, Option<i64>) = conn
        .prepare_cached(
            "SELECT MIN(COALESCE(r.delivered_up_to, 0)), MIN(COALESCE(r.read_up_to, 0))
             FROM members m LEFT JOIN receipts r
               ON r.conversation_id = m.conversation_id AND r.user_id = m.user_id
             WHERE m.conversation_id = ?1 AND m.user_id != ?2",
        )?
        .query_row(params![conversation.0, me.0], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let (delivered, read) = (delivered.unwrap_or(0), read.unwrap_or(0));
    let state_of = |seq: i64| {
        if read >= seq {
            DeliveryState::Read
        } else if delivered >= seq {
            DeliveryState::Delivered
        } else {
            DeliveryState::Sent
        }
    };
    let mut annotations = conn.prepare_cached(
        "SELECT m.id, m.kind, m.seq, m.sender, m.server_time, m.body, m.what_was_wrong,
                m.correct_information, COALESCE(p.display_name, 'User ' || m.sender)
         FROM messages m LEFT JOIN profiles p ON p.user_id = m.sender
         WHERE m.reference = ?1 ORDER BY m.seq",
    )?;
    let mut referenced = conn.prepare_cached(
        "SELECT m.id, m.sender, COALESCE(p.display_name, 'User ' || m.sender), m.kind, m.body,
                m.server_time
         FROM messages m LEFT JOIN profiles p ON p.user_id = m.sender WHERE m.id = ?1",
    )?;
    let mut findings =
        conn.prepare_cached("SELECT findings FROM sent_findings WHERE client_id = ?1")?;
    for row in rows.iter_mut() {
        if row.mine {
            row.state = state_of(row.seq);
            let found: Option<String> = findings
                .query_row([row.client_id.as_bytes().as_slice()], |r| r.get(0))
                .optional()?;
            if let Some(json) = found {
                row.findings = serde_json::from_str(&json)?;
            }
        }
        row.annotations = annotations
            .query_map([row.id.0], |r| {
                let kind: String = r.get(1)?;
                let seq: i64 = r.get(2)?;
                let mine = r.get::<_, i64>(3)? == me.0;
                Ok(Annotation {
                    message_id: MessageId(r.get(0)?),
                    kind: MessageKind::parse(&kind).unwrap_or(MessageKind::Text),
                    seq,
                    sender_name: r.get(8)?,
                    mine,
                    server_time: r.get(4)?,
                    body: r.get(5)?,
                    correction: correction_fields(r.get(6)?, r.get(7)?),
                    state: if mine {
                        state_of(seq)
                    } else {
                        DeliveryState::Sent
                    },
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        if let Some(reference) = row.reference {
            row.referenced = referenced
                .query_row([reference.0], |r| {
                    let kind: String = r.get(3)?;
                    Ok(MessagePreview {
                        id: MessageId(r.get(0)?),
                        sender: UserId(r.get(1)?),
                        sender_name: r.get(2)?,
                        kind: MessageKind::parse(&kind).unwrap_or(MessageKind::Text),
                        body: r.get(4)?,
                        server_time: r.get(5)?,
                    })
                })
                .optional()?;
        }
    }
    Ok(())
}

/// One message by id.
pub fn message(conn: &Connection, me: UserId, id: MessageId) -> CoreResult<MessageView> {
    let mut view = conn
        .query_row(
            &format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages m LEFT JOIN profiles p ON p.user_id = m.sender
                 WHERE m.id = ?1"
            ),
            [id.0],
            |r| message_view(r, me),
        )
        .optional()?
        .ok_or(CoreError::NotFound("message"))?;
    let conversation = view.conversation_id;
    decorate(conn, me, conversation, std::slice::from_mut(&mut view))?;
    Ok(view)
}

/// Messages of yours still in the outbox, oldest first.
pub fn pending(
    conn: &Connection,
    conversation: Option<ConversationId>,
) -> CoreResult<Vec<PendingMessage>> {
    let mut stmt = conn.prepare_cached(
        "SELECT client_id, conversation_id, request, state, created_at, hold_until, attempts,
                error_code, error_message
         FROM outbox WHERE ?1 IS NULL OR conversation_id = ?1 ORDER BY id",
    )?;
    let rows = stmt
        .query_map([conversation.map(|c| c.0)], |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, i64>(6)?,
                r.get::<_, Option<String>>(7)?,
                r.get::<_, Option<String>>(8)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for (client_id, conv, request, state, created_at, hold_until, attempts, code, message) in rows {
        let request: candor_proto::SendMessageRequest = serde_json::from_str(&request)?;
        out.push(PendingMessage {
            client_id: Uuid::from_slice(&client_id).unwrap_or_default(),
            conversation_id: ConversationId(conv),
            kind: request.kind,
            reference: request.reference,
            body: request.body,
            correction: request.correction,
            state: match state.as_str() {
                "held" => DeliveryState::Held,
                "sending" => DeliveryState::Sending,
                "failed" => DeliveryState::Failed,
                "sent" => DeliveryState::Sent,
                _ => DeliveryState::Waiting,
            },
            created_at,
            hold_until,
            attempts,
            error_code: code,
            error_message: message,
        });
    }
    Ok(out)
}

/// Full-text search, newest first.
pub fn search(
    conn: &Connection,
    me: UserId,
    query: &str,
    conversation: Option<ConversationId>,
    limit: u32,
) -> CoreResult<Vec<SearchHit>> {
    let Some(fts) = search::fts_query(query) else {
        return Ok(Vec::new());
    };
    let limit = limit.clamp(1, 200);
    let ids: Vec<i64> = match conversation {
        None => conn
            .prepare_cached(
                "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2",
            )?
            .query_map(params![fts, limit], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?,
        Some(c) => conn
            .prepare_cached(
                "SELECT f.rowid FROM messages_fts f JOIN messages m ON m.id = f.rowid
                 WHERE messages_fts MATCH ?1 AND m.conversation_id = ?3
                 ORDER BY f.rowid DESC LIMIT ?2",
            )?
            .query_map(params![fts, limit, c.0], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?,
    };
    let mut titles: HashMap<i64, String> = HashMap::new();
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let m = message(conn, me, MessageId(id))?;
        let title = match titles.get(&m.conversation_id.0) {
            Some(t) => t.clone(),
            None => {
                let (kind, title): (String, String) = conn.query_row(
                    "SELECT kind, title FROM conversations WHERE id = ?1",
                    [m.conversation_id.0],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                let t = conversation_title(&kind, title, &members(conn, m.conversation_id)?, me);
                titles.insert(m.conversation_id.0, t.clone());
                t
            }
        };
        let text = match &m.correction {
            Some(c) => format!("{} — {}", m.body, c.correct_information),
            None => m.body.clone(),
        };
        out.push(SearchHit {
            message_id: m.id,
            conversation_id: m.conversation_id,
            conversation_title: title,
            seq: m.seq,
            sender_name: m.sender_name,
            mine: m.mine,
            server_time: m.server_time,
            kind: m.kind,
            snippet: search::snippet(&text, query, 120),
        });
    }
    Ok(out)
}

/// Accepted connections and open invitations.
pub fn connections(conn: &Connection) -> CoreResult<Vec<WireConnection>> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.user_id, p.handle, p.display_name, p.headline, p.phone, c.state, c.updated_at
         FROM connections c JOIN profiles p ON p.user_id = c.peer ORDER BY p.display_name",
    )?;
    let rows = stmt
        .query_map([], |r| {
            let state: String = r.get(5)?;
            Ok(WireConnection {
                peer: profile_row(r)?,
                state: match state.as_str() {
                    "accepted" => ConnectionState::Accepted,
                    "invited_me" => ConnectionState::InvitedMe,
                    "invited_by_me" => ConnectionState::InvitedByMe,
                    "removed" => ConnectionState::Removed,
                    _ => ConnectionState::Declined,
                },
                updated_at: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn receipts(conn: &Connection, conversation: ConversationId) -> CoreResult<Vec<Receipt>> {
    let mut stmt = conn.prepare_cached(
        "SELECT user_id, delivered_up_to, read_up_to FROM receipts WHERE conversation_id = ?1 ORDER BY user_id",
    )?;
    let rows = stmt
        .query_map([conversation.0], |r| {
            Ok(Receipt {
                conversation_id: conversation,
                user_id: UserId(r.get(0)?),
                delivered_up_to: r.get(1)?,
                read_up_to: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn alarms(
    conn: &Connection,
    conversation: Option<ConversationId>,
) -> CoreResult<Vec<IntegrityAlarm>> {
    let mut stmt = conn.prepare_cached(
        "SELECT conversation_id, seq, message_id, reason, detected_at FROM integrity_alarms
         WHERE ?1 IS NULL OR conversation_id = ?1 ORDER BY id",
    )?;
    let rows = stmt
        .query_map([conversation.map(|c| c.0)], |r| {
            Ok(IntegrityAlarm {
                conversation_id: ConversationId(r.get(0)?),
                seq: r.get(1)?,
                message_id: r.get::<_, Option<i64>>(2)?.map(MessageId),
                reason: r.get(3)?,
                detected_at: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}
