//! The embedded SQLite store: one file in the data directory, WAL mode.
//!
//! One writer connection behind a mutex serialises every write, which is what
//! makes feed numbering and chain heads simple and gap-free; a few read-only
//! connections serve reads concurrently (WAL lets them read while the writer
//! commits). `synchronous = FULL` makes every commit durable before the
//! request that caused it is acknowledged, so an acknowledged message survives
//! a `kill -9` or a power cut.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use candor_proto::admin::{AccountSummary, AdminReport, ReportDetail};
use candor_proto::{
    chain, BlockChange, Connection, ConnectionState, Conversation, ConversationId,
    ConversationKind, CorrectionFields, DirectoryEntry, EventPayload, FeedEvent, IncidentRecord,
    Message, MessageId, MessageKind, ModerationRequest, Profile, ProfileUpdate, Receipt,
    ReceiptRequest, ReportRequest, ReportStatus, ReportView, SendMessageRequest,
    SendMessageResponse, SessionId, SessionInfo, SyncPage, UserId,
};
use ed25519_dalek::SigningKey;
use rusqlite::{params, OptionalExtension, Row, Transaction};
use uuid::Uuid;

use super::{
    check_urgent_limit, incident_not_found, stale_incident, suspended, user_not_found,
    validate_incident, Delivery, Moderated, Moderator, NewAccount, Role, Store, StoreError,
    StoreResult,
};
use safety::{block_between, check_not_restricted};

mod safety;

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/001_initial.sql")),
    (2, include_str!("migrations/002_incidents.sql")),
    (3, include_str!("migrations/003_urgent_window.sql")),
    (4, include_str!("migrations/004_safety.sql")),
    (5, include_str!("migrations/005_pending_pushes.sql")),
];
const READERS: usize = 4;

/// The SQLite implementation of [`Store`].
pub struct SqliteStore {
    writer: Mutex<rusqlite::Connection>,
    readers: Vec<Mutex<rusqlite::Connection>>,
    next_reader: AtomicUsize,
    key: SigningKey,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

fn configure(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

fn migrate(conn: &mut rusqlite::Connection) -> rusqlite::Result<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (version, sql) in MIGRATIONS {
        if *version <= current {
            continue;
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

/// Queues every feed event the connection appends for the running server to
/// push (see [`SqliteStore::open_external`]). TEMP: it exists on this one
/// connection, for as long as it is open, and never in the database file.
const QUEUE_PUSHES: &str = "CREATE TEMP TRIGGER queue_pushes AFTER INSERT ON main.feed
     BEGIN INSERT INTO pending_pushes (user_id, seq) VALUES (NEW.user_id, NEW.seq); END";

impl SqliteStore {
    /// Opens (creating and migrating on first start) `candor.sqlite3` in `dir`,
    /// for the server that serves it: the feed events it appends are its own
    /// to push to live connections (the [`Delivery`]s its methods return).
    pub fn open(dir: &Path) -> StoreResult<Self> {
        Self::open_with(dir, false)
    }

    /// Opens the database for a process that writes beside a server that may
    /// be running on it (`candor-server admin`). That server cannot see this
    /// process's memory, so every feed event appended through this store is
    /// also queued in `pending_pushes`, in the same transaction; the running
    /// server takes the queue ([`Store::take_external_events`]) every
    /// [`REVOCATION_POLL`](crate::REVOCATION_POLL) and pushes the events to
    /// live connections. A server that is not running takes them when it
    /// next starts, when nobody is connected yet; the feed has them anyway.
    pub fn open_external(dir: &Path) -> StoreResult<Self> {
        Self::open_with(dir, true)
    }

    fn open_with(dir: &Path, external: bool) -> StoreResult<Self> {
        let path = dir.join("candor.sqlite3");
        let mut writer = rusqlite::Connection::open(&path)?;
        configure(&writer)?;
        migrate(&mut writer)?;
        if external {
            writer.execute_batch(QUEUE_PUSHES)?;
        }
        let key = load_or_create_key(&writer)?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let reader = rusqlite::Connection::open(&path)?;
            configure(&reader)?;
            reader.pragma_update(None, "query_only", "ON")?;
            readers.push(Mutex::new(reader));
        }
        Ok(SqliteStore {
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
            key,
        })
    }

    fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> StoreResult<T>) -> StoreResult<T> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    fn read<T>(&self, f: impl FnOnce(&rusqlite::Connection) -> StoreResult<T>) -> StoreResult<T> {
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        let mut conn = lock(&self.readers[i]);
        // A read transaction gives a consistent snapshot across statements.
        let tx = conn.transaction()?;
        let value = f(&tx)?;
        tx.finish()?;
        Ok(value)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves a rolled-back transaction at
    // worst; the connection itself stays usable.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn load_or_create_key(conn: &rusqlite::Connection) -> StoreResult<SigningKey> {
    let existing: Option<Vec<u8>> = conn
        .query_row(
            "SELECT signing_key FROM server_keys WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(bytes) = existing {
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| {
            StoreError::Internal(rusqlite::Error::InvalidColumnType(
                0,
                "signing_key".into(),
                rusqlite::types::Type::Blob,
            ))
        })?;
        return Ok(SigningKey::from_bytes(&bytes));
    }
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    conn.execute(
        "INSERT INTO server_keys (id, signing_key) VALUES (1, ?1)",
        [key.to_bytes().to_vec()],
    )?;
    Ok(key)
}

// ------------------------------------------------------------------ helpers

fn pair(a: UserId, b: UserId) -> (i64, i64) {
    if a.0 < b.0 {
        (a.0, b.0)
    } else {
        (b.0, a.0)
    }
}

fn profile_row(row: &Row<'_>) -> rusqlite::Result<Profile> {
    Ok(Profile {
        user_id: UserId(row.get(0)?),
        handle: row.get(1)?,
        display_name: row.get(2)?,
        headline: row.get(3)?,
        phone: row.get(4)?,
    })
}

const PROFILE_COLUMNS: &str = "id, handle, display_name, headline, phone";

/// Whether two users have an accepted connection.
fn connected(conn: &rusqlite::Connection, a: UserId, b: UserId) -> StoreResult<bool> {
    let (low, high) = pair(a, b);
    Ok(conn
        .query_row(
            "SELECT 1 FROM connections WHERE user_low = ?1 AND user_high = ?2 AND state = 'accepted'",
            params![low, high],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// A profile as `viewer` may see it: the phone only for self and connections.
fn load_profile(conn: &rusqlite::Connection, viewer: UserId, user: UserId) -> StoreResult<Profile> {
    let mut profile = conn
        .query_row(
            &format!("SELECT {PROFILE_COLUMNS} FROM users WHERE id = ?1"),
            [user.0],
            profile_row,
        )
        .optional()?
        .ok_or_else(user_not_found)?;
    if viewer != user && !connected(conn, viewer, user)? {
        profile.phone = None;
    }
    Ok(profile)
}

fn connection_for(
    conn: &rusqlite::Connection,
    viewer: UserId,
    peer: UserId,
) -> StoreResult<Option<Connection>> {
    let (low, high) = pair(viewer, peer);
    let row: Option<(i64, String, i64)> = conn
        .query_row(
            "SELECT inviter, state, updated_at FROM connections WHERE user_low = ?1 AND user_high = ?2",
            params![low, high],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((inviter, state, updated_at)) = row else {
        return Ok(None);
    };
    let state = match state.as_str() {
        "accepted" => ConnectionState::Accepted,
        "declined" => ConnectionState::Declined,
        "removed" => ConnectionState::Removed,
        _ if inviter == viewer.0 => ConnectionState::InvitedByMe,
        _ => ConnectionState::InvitedMe,
    };
    Ok(Some(Connection {
        peer: load_profile(conn, viewer, peer)?,
        state,
        updated_at,
    }))
}

/// Appends an event to `user`'s feed and returns the delivery for live push.
fn append_feed(tx: &Transaction<'_>, user: UserId, event: EventPayload) -> StoreResult<Delivery> {
    let (message_id, payload) = match &event {
        EventPayload::Message(m) => (Some(m.id.0), String::new()),
        other => (None, serde_json::to_string(other)?),
    };
    let seq: i64 = tx
        .prepare_cached(
            "INSERT INTO feed (user_id, seq, message_id, payload)
             VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM feed WHERE user_id = ?1), ?2, ?3)
             RETURNING seq",
        )?
        .query_row(params![user.0, message_id, payload], |r| r.get(0))?;
    Ok(Delivery {
        user,
        event: Arc::new(FeedEvent { seq, event }),
    })
}

fn member_ids(conn: &rusqlite::Connection, id: ConversationId) -> StoreResult<Vec<UserId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT user_id FROM members WHERE conversation_id = ?1 ORDER BY user_id",
    )?;
    let ids = stmt
        .query_map([id.0], |r| Ok(UserId(r.get(0)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(ids)
}

fn is_member(conn: &rusqlite::Connection, id: ConversationId, user: UserId) -> StoreResult<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM members WHERE conversation_id = ?1 AND user_id = ?2",
            params![id.0, user.0],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

fn conversation_not_found() -> StoreError {
    StoreError::not_found("conversation_not_found", "No such conversation")
}

/// Loads a conversation if `viewer` is a member; 404 otherwise, so that
/// outsiders cannot even learn that it exists.
fn load_conversation(
    conn: &rusqlite::Connection,
    viewer: UserId,
    id: ConversationId,
) -> StoreResult<Conversation> {
    if !is_member(conn, id, viewer)? {
        return Err(conversation_not_found());
    }
    let (kind, title, created_by, created_at): (String, String, i64, i64) = conn.query_row(
        "SELECT kind, title, created_by, created_at FROM conversations WHERE id = ?1",
        [id.0],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let mut members = Vec::new();
    for user in member_ids(conn, id)? {
        let mut p = load_profile(conn, viewer, user)?;
        // Phone numbers travel with connections, not with conversations.
        if user != viewer {
            p.phone = None;
        }
        members.push(p);
    }
    Ok(Conversation {
        id,
        kind: if kind == "direct" {
            ConversationKind::Direct
        } else {
            ConversationKind::Group
        },
        title,
        members,
        created_by: UserId(created_by),
        created_at,
    })
}

const MESSAGE_COLUMNS: &str = "id, conversation_id, seq, sender, client_id, server_time, kind, \
     reference, body, what_was_wrong, correct_information, chain_hash, signature";

fn message_row(row: &Row<'_>) -> rusqlite::Result<Message> {
    let client_id: Vec<u8> = row.get(4)?;
    let kind: String = row.get(6)?;
    let wrong: Option<String> = row.get(9)?;
    let correct: Option<String> = row.get(10)?;
    let hash: Vec<u8> = row.get(11)?;
    let signature: Vec<u8> = row.get(12)?;
    Ok(Message {
        id: MessageId(row.get(0)?),
        conversation_id: ConversationId(row.get(1)?),
        seq: row.get(2)?,
        sender: UserId(row.get(3)?),
        client_id: uuid::Uuid::from_slice(&client_id).unwrap_or_default(),
        server_time: row.get(5)?,
        kind: MessageKind::parse(&kind).unwrap_or(MessageKind::Text),
        reference: row.get::<_, Option<i64>>(7)?.map(MessageId),
        body: row.get(8)?,
        correction: match (wrong, correct) {
            (Some(what_was_wrong), Some(correct_information)) => Some(CorrectionFields {
                what_was_wrong,
                correct_information,
            }),
            _ => None,
        },
        chain_hash: hex::encode(hash),
        signature: hex::encode(signature),
    })
}

// ------------------------------------------------------------ the store

impl Store for SqliteStore {
    fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    fn create_account(&self, account: NewAccount, now: i64) -> StoreResult<(Profile, SessionId)> {
        self.write(|tx| {
            let taken = tx
                .query_row(
                    "SELECT 1 FROM users WHERE handle = ?1",
                    [&account.handle],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            if taken {
                return Err(StoreError::conflict(
                    "handle_taken",
                    "That handle is already taken",
                ));
            }
            let user: i64 = tx.query_row(
                "INSERT INTO users (handle, display_name, password_hash, created_at)
                 VALUES (?1, ?2, ?3, ?4) RETURNING id",
                params![
                    account.handle,
                    account.display_name,
                    account.password_hash,
                    now
                ],
                |r| r.get(0),
            )?;
            let session: i64 = tx.query_row(
                "INSERT INTO sessions (user_id, token_hash, device_name, created_at, last_seen_at)
                 VALUES (?1, ?2, ?3, ?4, ?4) RETURNING id",
                params![user, account.token_hash.to_vec(), account.device_name, now],
                |r| r.get(0),
            )?;
            Ok((
                load_profile(tx, UserId(user), UserId(user))?,
                SessionId(session),
            ))
        })
    }

    fn credentials(&self, handle: &str) -> StoreResult<Option<(UserId, String)>> {
        self.read(|conn| {
            Ok(conn
                .query_row(
                    "SELECT id, password_hash FROM users WHERE handle = ?1",
                    [handle],
                    |r| Ok((UserId(r.get(0)?), r.get(1)?)),
                )
                .optional()?)
        })
    }

    fn create_session(
        &self,
        user: UserId,
        device_name: &str,
        token_hash: [u8; 32],
        now: i64,
    ) -> StoreResult<SessionId> {
        self.write(|tx| {
            let until: Option<i64> = tx.query_row(
                "SELECT suspended_until FROM users WHERE id = ?1",
                [user.0],
                |r| r.get(0),
            )?;
            if let Some(until) = until.filter(|&until| until > now) {
                return Err(suspended(until));
            }
            let id: i64 = tx.query_row(
                "INSERT INTO sessions (user_id, token_hash, device_name, created_at, last_seen_at)
                 VALUES (?1, ?2, ?3, ?4, ?4) RETURNING id",
                params![user.0, token_hash.to_vec(), device_name, now],
                |r| r.get(0),
            )?;
            Ok(SessionId(id))
        })
    }

    fn authenticate(
        &self,
        token_hash: [u8; 32],
        now: i64,
    ) -> StoreResult<Option<(UserId, SessionId)>> {
        let found: Option<(i64, i64, i64)> = self.read(|conn| {
            Ok(conn
                .query_row(
                    "SELECT s.user_id, s.id, s.last_seen_at FROM sessions s
                     JOIN users u ON u.id = s.user_id
                     WHERE s.token_hash = ?1 AND s.revoked_at IS NULL
                       AND (u.suspended_until IS NULL OR u.suspended_until <= ?2)",
                    params![token_hash.to_vec(), now],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?)
        })?;
        let Some((user, session, last_seen)) = found else {
            return Ok(None);
        };
        // Record activity at most once a minute, so reads stay reads.
        if now - last_seen > 60_000 {
            self.write(|tx| {
                tx.execute(
                    "UPDATE sessions SET last_seen_at = ?2 WHERE id = ?1",
                    params![session, now],
                )?;
                Ok(())
            })?;
        }
        Ok(Some((UserId(user), SessionId(session))))
    }

    fn sessions(&self, user: UserId, current: SessionId) -> StoreResult<Vec<SessionInfo>> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id, device_name, created_at, last_seen_at FROM sessions
                 WHERE user_id = ?1 AND revoked_at IS NULL ORDER BY id",
            )?;
            let rows = stmt
                .query_map([user.0], |r| {
                    let id = SessionId(r.get(0)?);
                    Ok(SessionInfo {
                        id,
                        device_name: r.get(1)?,
                        created_at: r.get(2)?,
                        last_seen_at: r.get(3)?,
                        current: id == current,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
    }

    fn revoke_session(&self, user: UserId, session: SessionId, now: i64) -> StoreResult<()> {
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE sessions SET revoked_at = ?3
                 WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL",
                params![session.0, user.0, now],
            )?;
            if n == 0 {
                return Err(StoreError::not_found(
                    "session_not_found",
                    "No such session",
                ));
            }
            Ok(())
        })
    }

    fn profile(&self, viewer: UserId, user: UserId) -> StoreResult<Profile> {
        self.read(|conn| {
            // A block hides each one's profile from the other, exactly as if
            // the account did not exist.
            if viewer != user && block_between(conn, viewer, user)?.is_some() {
                return Err(user_not_found());
            }
            load_profile(conn, viewer, user)
        })
    }

    fn update_profile(
        &self,
        user: UserId,
        update: ProfileUpdate,
    ) -> StoreResult<(Profile, Vec<Delivery>)> {
        self.write(|tx| {
            if let Some(name) = &update.display_name {
                tx.execute(
                    "UPDATE users SET display_name = ?2 WHERE id = ?1",
                    params![user.0, name],
                )?;
            }
            if let Some(headline) = &update.headline {
                tx.execute(
                    "UPDATE users SET headline = ?2 WHERE id = ?1",
                    params![user.0, headline],
                )?;
            }
            if let Some(phone) = &update.phone {
                let phone = (!phone.is_empty()).then_some(phone);
                tx.execute(
                    "UPDATE users SET phone = ?2 WHERE id = ?1",
                    params![user.0, phone],
                )?;
            }
            let me = load_profile(tx, user, user)?;
            let mut deliveries = vec![append_feed(tx, user, EventPayload::Profile(me.clone()))?];
            let peers: Vec<i64> = tx
                .prepare(
                    "SELECT CASE WHEN user_low = ?1 THEN user_high ELSE user_low END
                     FROM connections WHERE (user_low = ?1 OR user_high = ?1) AND state = 'accepted'",
                )?
                .query_map([user.0], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for peer in peers {
                let seen = load_profile(tx, UserId(peer), user)?;
                deliveries.push(append_feed(tx, UserId(peer), EventPayload::Profile(seen))?);
            }
            Ok((me, deliveries))
        })
    }

    fn invite(
        &self,
        from: UserId,
        handle: &str,
        now: i64,
    ) -> StoreResult<(Connection, Vec<Delivery>)> {
        self.write(|tx| {
            check_not_restricted(tx, from, now)?;
            let peer = tx
                .query_row("SELECT id FROM users WHERE handle = ?1", [handle], |r| {
                    r.get::<_, i64>(0)
                })
                .optional()?
                .map(UserId)
                .ok_or_else(|| StoreError::not_found("user_not_found", "No one has that handle"))?;
            if peer == from {
                return Err(StoreError::invalid(
                    "cannot_invite_self",
                    "You cannot invite yourself",
                ));
            }
            if let Some(side) = block_between(tx, from, peer)? {
                return Err(side.refusal("invite them"));
            }
            let (low, high) = pair(from, peer);
            let existing = connection_for(tx, from, peer)?;
            let new_state = match existing.as_ref().map(|c| c.state) {
                Some(ConnectionState::Accepted) => {
                    return Err(StoreError::conflict(
                        "already_connected",
                        "You are already connected",
                    ))
                }
                // Inviting twice is harmless: keep the first invitation.
                Some(ConnectionState::InvitedByMe) => {
                    return Ok((existing.expect("checked above"), Vec::new()))
                }
                // They invited us first: inviting back accepts.
                Some(ConnectionState::InvitedMe) => "accepted",
                // A declined invitation, or a connection a block removed
                // (now lifted): a new invitation.
                Some(ConnectionState::Declined | ConnectionState::Removed) | None => "pending",
            };
            tx.execute(
                "INSERT INTO connections (user_low, user_high, inviter, state, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (user_low, user_high) DO UPDATE SET
                   inviter = CASE WHEN excluded.state = 'pending' THEN excluded.inviter ELSE inviter END,
                   state = excluded.state, updated_at = excluded.updated_at",
                params![low, high, from.0, new_state, now],
            )?;
            connection_changed(tx, from, peer)
        })
    }

    fn respond(
        &self,
        user: UserId,
        peer: UserId,
        accept: bool,
        now: i64,
    ) -> StoreResult<(Connection, Vec<Delivery>)> {
        self.write(|tx| {
            let invited = connection_for(tx, user, peer)?
                .is_some_and(|c| c.state == ConnectionState::InvitedMe);
            if !invited {
                return Err(StoreError::not_found(
                    "invitation_not_found",
                    "There is no invitation from that person",
                ));
            }
            let (low, high) = pair(user, peer);
            tx.execute(
                "UPDATE connections SET state = ?3, updated_at = ?4
                 WHERE user_low = ?1 AND user_high = ?2",
                params![low, high, if accept { "accepted" } else { "declined" }, now],
            )?;
            connection_changed(tx, user, peer)
        })
    }

    fn connections(&self, user: UserId) -> StoreResult<Vec<Connection>> {
        self.read(|conn| {
            let peers: Vec<i64> = conn
                .prepare(
                    "SELECT CASE WHEN user_low = ?1 THEN user_high ELSE user_low END
                     FROM connections WHERE user_low = ?1 OR user_high = ?1",
                )?
                .query_map([user.0], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let mut out = Vec::with_capacity(peers.len());
            for peer in peers {
                if let Some(c) = connection_for(conn, user, UserId(peer))? {
                    out.push(c);
                }
            }
            out.sort_by(|a, b| a.peer.display_name.cmp(&b.peer.display_name));
            Ok(out)
        })
    }

    fn directory(
        &self,
        viewer: UserId,
        prefix: &str,
        limit: u32,
    ) -> StoreResult<Vec<DirectoryEntry>> {
        let escaped: String = prefix
            .to_lowercase()
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT u.id, u.handle, u.display_name, u.headline, u.phone,
                        EXISTS (SELECT 1 FROM connections c
                                WHERE c.state = 'accepted'
                                  AND c.user_low = MIN(u.id, ?1) AND c.user_high = MAX(u.id, ?1)) AS connected
                 FROM users u
                 WHERE u.id != ?1
                   AND NOT EXISTS (SELECT 1 FROM blocks b
                                   WHERE (b.blocker = ?1 AND b.blocked = u.id)
                                      OR (b.blocker = u.id AND b.blocked = ?1))
                   AND (u.handle LIKE ?2 || '%' ESCAPE '\\'
                        OR lower(u.display_name) LIKE ?2 || '%' ESCAPE '\\'
                        OR lower(u.display_name) LIKE '% ' || ?2 || '%' ESCAPE '\\')
                 ORDER BY connected DESC, u.display_name, u.id
                 LIMIT ?3",
            )?;
            let rows = stmt
                .query_map(params![viewer.0, escaped, limit], |r| {
                    let mut profile = profile_row(r)?;
                    let connected: bool = r.get(5)?;
                    if !connected {
                        profile.phone = None;
                    }
                    Ok(DirectoryEntry { profile, connected })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
    }

    fn create_direct(
        &self,
        user: UserId,
        peer: UserId,
        now: i64,
    ) -> StoreResult<(Conversation, bool, Vec<Delivery>)> {
        self.write(|tx| {
            if peer == user {
                return Err(StoreError::invalid(
                    "cannot_message_self",
                    "A direct conversation needs another person",
                ));
            }
            if let Some(side) = block_between(tx, user, peer)? {
                return Err(side.refusal("write"));
            }
            let (low, high) = pair(user, peer);
            let key = format!("{low}:{high}");
            let existing: Option<i64> = tx
                .query_row(
                    "SELECT id FROM conversations WHERE direct_key = ?1",
                    [&key],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(id) = existing {
                return Ok((
                    load_conversation(tx, user, ConversationId(id))?,
                    false,
                    Vec::new(),
                ));
            }
            check_not_restricted(tx, user, now)?;
            if !connected(tx, user, peer)? {
                return Err(not_connected());
            }
            let id = insert_conversation(tx, "direct", "", Some(&key), user, &[user, peer], now)?;
            let (conversation, deliveries) = announce_conversation(tx, user, id)?;
            Ok((conversation, true, deliveries))
        })
    }

    fn create_group(
        &self,
        user: UserId,
        title: &str,
        members: &[UserId],
        now: i64,
    ) -> StoreResult<(Conversation, Vec<Delivery>)> {
        self.write(|tx| {
            check_not_restricted(tx, user, now)?;
            let mut all = vec![user];
            for m in members {
                if !all.contains(m) {
                    all.push(*m);
                }
            }
            if !(candor_proto::MIN_GROUP_MEMBERS..=candor_proto::MAX_GROUP_MEMBERS)
                .contains(&all.len())
            {
                return Err(StoreError::invalid(
                    "invalid_group_size",
                    "A group has 2 to 50 members, you included",
                ));
            }
            for m in &all[1..] {
                if let Some(side) = block_between(tx, user, *m)? {
                    return Err(side.refusal("add them to a group"));
                }
                if !connected(tx, user, *m)? {
                    return Err(not_connected());
                }
            }
            let id = insert_conversation(tx, "group", title, None, user, &all, now)?;
            announce_conversation(tx, user, id)
        })
    }

    fn conversations(&self, viewer: UserId) -> StoreResult<Vec<Conversation>> {
        self.read(|conn| {
            let ids: Vec<i64> = conn
                .prepare("SELECT conversation_id FROM members WHERE user_id = ?1 ORDER BY conversation_id")?
                .query_map([viewer.0], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            ids.into_iter()
                .map(|id| load_conversation(conn, viewer, ConversationId(id)))
                .collect()
        })
    }

    fn conversation(&self, viewer: UserId, id: ConversationId) -> StoreResult<Conversation> {
        self.read(|conn| load_conversation(conn, viewer, id))
    }

    fn send_message(
        &self,
        sender: UserId,
        conversation: ConversationId,
        request: SendMessageRequest,
        now: i64,
    ) -> StoreResult<(SendMessageResponse, Vec<Delivery>)> {
        self.write(|tx| {
            if !is_member(tx, conversation, sender)? {
                return Err(conversation_not_found());
            }
            // Idempotency: the same (sender, client id) is the same message.
            let existing = tx
                .query_row(
                    &format!(
                        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE sender = ?1 AND client_id = ?2"
                    ),
                    params![sender.0, request.client_id.as_bytes().to_vec()],
                    message_row,
                )
                .optional()?;
            if let Some(message) = existing {
                if message.conversation_id != conversation {
                    return Err(StoreError::conflict(
                        "client_id_reused",
                        "This client id was already used for a message in another conversation",
                    ));
                }
                return Ok((
                    SendMessageResponse {
                        message,
                        created: false,
                    },
                    Vec::new(),
                ));
            }
            let members = member_ids(tx, conversation)?;
            let direct = is_direct(tx, conversation)?;
            for m in &members {
                if *m != sender {
                    may_write_to(tx, sender, *m, direct)?;
                }
            }
            validate_reference(tx, sender, conversation, &request)?;
            if request.kind == MessageKind::Urgent {
                check_urgent_limit(&recent_urgent(tx, sender, conversation, now)?, now)?;
            }

            let (last_seq, head): (i64, Vec<u8>) = tx.query_row(
                "SELECT last_seq, head_hash FROM conversations WHERE id = ?1",
                [conversation.0],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let previous: [u8; 32] = head.try_into().map_err(|_| {
                StoreError::Internal(rusqlite::Error::InvalidColumnType(
                    0,
                    "head_hash".into(),
                    rusqlite::types::Type::Blob,
                ))
            })?;
            let mut message = Message {
                id: MessageId(0),
                conversation_id: conversation,
                seq: last_seq + 1,
                sender,
                client_id: request.client_id,
                server_time: now,
                kind: request.kind,
                reference: request.reference,
                body: request.body,
                correction: request.correction,
                chain_hash: String::new(),
                signature: String::new(),
            };
            let hash = chain::chain_hash(&previous, &message.canonical());
            let signature = chain::sign_chain_hash(&self.key, conversation, message.seq, &hash);
            let id: i64 = tx.query_row(
                "INSERT INTO messages (conversation_id, seq, sender, client_id, server_time, kind,
                     reference, body, what_was_wrong, correct_information, chain_hash, signature)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING id",
                params![
                    conversation.0,
                    message.seq,
                    sender.0,
                    message.client_id.as_bytes().to_vec(),
                    now,
                    message.kind.as_str(),
                    message.reference.map(|r| r.0),
                    message.body,
                    message.correction.as_ref().map(|c| &c.what_was_wrong),
                    message.correction.as_ref().map(|c| &c.correct_information),
                    hash.to_vec(),
                    hex::decode(&signature).unwrap_or_default(),
                ],
                |r| r.get(0),
            )?;
            tx.execute(
                "UPDATE conversations SET last_seq = ?2, head_hash = ?3 WHERE id = ?1",
                params![conversation.0, message.seq, hash.to_vec()],
            )?;
            message.id = MessageId(id);
            message.chain_hash = hex::encode(hash);
            message.signature = signature;
            let mut deliveries = Vec::with_capacity(members.len());
            for m in members {
                deliveries.push(append_feed(tx, m, EventPayload::Message(message.clone()))?);
            }
            Ok((
                SendMessageResponse {
                    message,
                    created: true,
                },
                deliveries,
            ))
        })
    }

    fn messages(
        &self,
        viewer: UserId,
        conversation: ConversationId,
        after_seq: i64,
        limit: u32,
    ) -> StoreResult<Vec<Message>> {
        self.read(|conn| {
            if !is_member(conn, conversation, viewer)? {
                return Err(conversation_not_found());
            }
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages
                 WHERE conversation_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"
            ))?;
            let rows = stmt
                .query_map(params![conversation.0, after_seq, limit], message_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
    }

    fn set_receipt(
        &self,
        user: UserId,
        conversation: ConversationId,
        request: ReceiptRequest,
    ) -> StoreResult<(Receipt, Vec<Delivery>)> {
        self.write(|tx| {
            if !is_member(tx, conversation, user)? {
                return Err(conversation_not_found());
            }
            // A block silences a direct conversation both ways, receipts too.
            if is_direct(tx, conversation)? {
                for m in member_ids(tx, conversation)? {
                    if m != user {
                        if let Some(side) = block_between(tx, user, m)? {
                            return Err(side.refusal("write"));
                        }
                    }
                }
            }
            let last_seq: i64 = tx.query_row(
                "SELECT last_seq FROM conversations WHERE id = ?1",
                [conversation.0],
                |r| r.get(0),
            )?;
            let (old_delivered, old_read): (i64, i64) = tx.query_row(
                "SELECT delivered_up_to, read_up_to FROM members
                 WHERE conversation_id = ?1 AND user_id = ?2",
                params![conversation.0, user.0],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let clamp = |v: Option<i64>| v.unwrap_or(0).clamp(0, last_seq);
            let read = old_read.max(clamp(request.read_up_to));
            // Reading a message implies it was delivered.
            let delivered = old_delivered.max(clamp(request.delivered_up_to)).max(read);
            let receipt = Receipt {
                conversation_id: conversation,
                user_id: user,
                delivered_up_to: delivered,
                read_up_to: read,
            };
            if (delivered, read) == (old_delivered, old_read) {
                return Ok((receipt, Vec::new()));
            }
            tx.execute(
                "UPDATE members SET delivered_up_to = ?3, read_up_to = ?4
                 WHERE conversation_id = ?1 AND user_id = ?2",
                params![conversation.0, user.0, delivered, read],
            )?;
            let mut deliveries = Vec::new();
            for m in member_ids(tx, conversation)? {
                deliveries.push(append_feed(tx, m, EventPayload::Receipt(receipt.clone()))?);
            }
            Ok((receipt, deliveries))
        })
    }

    fn receipts(&self, viewer: UserId, conversation: ConversationId) -> StoreResult<Vec<Receipt>> {
        self.read(|conn| {
            if !is_member(conn, conversation, viewer)? {
                return Err(conversation_not_found());
            }
            let mut stmt = conn.prepare(
                "SELECT user_id, delivered_up_to, read_up_to FROM members
                 WHERE conversation_id = ?1 ORDER BY user_id",
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
        })
    }

    fn put_incident(
        &self,
        owner: UserId,
        record: IncidentRecord,
        now: i64,
    ) -> StoreResult<(IncidentRecord, Vec<Delivery>)> {
        validate_incident(&record)?;
        self.write(|tx| {
            if let Some(stored) = load_incident(tx, owner, record.id)? {
                if stored.version == record.version && stored.data == record.data {
                    // A retry of the write that stored it: same answer, no event.
                    return Ok((stored, Vec::new()));
                }
                if stored.version >= record.version {
                    return Err(stale_incident(stored.version));
                }
            }
            let stored = IncidentRecord {
                stored_at: now,
                ..record
            };
            tx.execute(
                "INSERT INTO incidents (owner, id, version, data, stored_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (owner, id) DO UPDATE SET
                   version = excluded.version, data = excluded.data,
                   stored_at = excluded.stored_at",
                params![
                    owner.0,
                    stored.id.as_bytes().to_vec(),
                    stored.version,
                    stored.data,
                    stored.stored_at
                ],
            )?;
            // Only the owner's feed: every device of theirs follows it.
            let delivery = append_feed(tx, owner, EventPayload::Incident(stored.clone()))?;
            Ok((stored, vec![delivery]))
        })
    }

    fn incidents(&self, owner: UserId) -> StoreResult<Vec<IncidentRecord>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {INCIDENT_COLUMNS} FROM incidents WHERE owner = ?1 ORDER BY id"
            ))?;
            let rows = stmt
                .query_map([owner.0], incident_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
    }

    fn incident(&self, owner: UserId, id: Uuid) -> StoreResult<IncidentRecord> {
        self.read(|conn| load_incident(conn, owner, id)?.ok_or_else(incident_not_found))
    }

    fn block(
        &self,
        blocker: UserId,
        blocked: UserId,
        now: i64,
    ) -> StoreResult<(BlockChange, Vec<Delivery>)> {
        self.write(|tx| safety::block(tx, blocker, blocked, now))
    }

    fn unblock(
        &self,
        blocker: UserId,
        blocked: UserId,
        now: i64,
    ) -> StoreResult<(BlockChange, Vec<Delivery>)> {
        self.write(|tx| safety::unblock(tx, blocker, blocked, now))
    }

    fn blocks(&self, blocker: UserId) -> StoreResult<Vec<BlockChange>> {
        self.read(|conn| safety::blocks(conn, blocker))
    }

    fn create_report(
        &self,
        reporter: UserId,
        request: ReportRequest,
        now: i64,
    ) -> StoreResult<(ReportView, bool, Vec<Delivery>)> {
        let request = super::validate_report(reporter, request)?;
        self.write(|tx| safety::create_report(tx, &self.key, reporter, request, now))
    }

    fn reports(&self, reporter: UserId) -> StoreResult<Vec<ReportView>> {
        self.read(|conn| safety::reports_of(conn, reporter))
    }

    fn set_role(&self, handle: &str, role: Role) -> StoreResult<AccountSummary> {
        self.write(|tx| safety::set_role(tx, handle, role))
    }

    fn admin_reports(
        &self,
        moderator: &Moderator,
        status: Option<ReportStatus>,
    ) -> StoreResult<Vec<AdminReport>> {
        self.read(|conn| {
            safety::acting_moderator(conn, moderator)?;
            safety::admin_reports(conn, status)
        })
    }

    fn admin_report(&self, moderator: &Moderator, id: i64) -> StoreResult<ReportDetail> {
        self.read(|conn| {
            safety::acting_moderator(conn, moderator)?;
            safety::report_detail(conn, id)
        })
    }

    fn moderate(
        &self,
        moderator: &Moderator,
        id: i64,
        request: ModerationRequest,
        now: i64,
    ) -> StoreResult<Moderated> {
        self.write(|tx| safety::moderate(tx, moderator, id, request, now))
    }

    fn revoked_since(&self, since: i64) -> StoreResult<Vec<SessionId>> {
        self.read(|conn| {
            let mut stmt =
                conn.prepare_cached("SELECT id FROM sessions WHERE revoked_at > ?1 ORDER BY id")?;
            let ids = stmt
                .query_map([since], |r| Ok(SessionId(r.get(0)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(ids)
        })
    }

    fn take_external_events(&self, limit: u32) -> StoreResult<Vec<Delivery>> {
        // Nearly always nothing waits: one read of an empty table, without
        // the writer's lock.
        let waiting = self.read(|conn| {
            Ok(conn
                .prepare_cached(PUSHES_WAITING)?
                .query_row([], |r| r.get::<_, bool>(0))?)
        })?;
        if !waiting {
            return Ok(Vec::new());
        }
        self.write(|tx| {
            let mut stmt = tx.prepare_cached(&take_pushes_sql())?;
            let mut deliveries = Vec::new();
            let mut last = None;
            let mut rows = stmt.query([i64::from(limit)])?;
            while let Some(row) = rows.next()? {
                deliveries.push(Delivery {
                    user: UserId(row.get(FEED_EVENT_WIDTH)?),
                    event: Arc::new(feed_event_row(row)?),
                });
                last = Some(row.get::<_, i64>(FEED_EVENT_WIDTH + 1)?);
            }
            if let Some(last) = last {
                // The write transaction holds the database: nothing was
                // queued since the select, so this deletes what it read.
                tx.prepare_cached("DELETE FROM pending_pushes WHERE id <= ?1")?
                    .execute([last])?;
            }
            Ok(deliveries)
        })
    }

    fn feed(&self, user: UserId, since: i64, limit: u32) -> StoreResult<SyncPage> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {} FROM feed f
                 LEFT JOIN messages m ON m.id = f.message_id
                 WHERE f.user_id = ?1 AND f.seq > ?2 ORDER BY f.seq LIMIT ?3",
                feed_event_columns()
            ))?;
            let mut events = Vec::new();
            let mut rows = stmt.query(params![user.0, since, i64::from(limit) + 1])?;
            while let Some(row) = rows.next()? {
                events.push(feed_event_row(row)?);
            }
            let has_more = events.len() > limit as usize;
            events.truncate(limit as usize);
            let next = events.last().map_or(since, |e| e.seq);
            Ok(SyncPage {
                events,
                next,
                has_more,
            })
        })
    }

    fn feed_head(&self, user: UserId) -> StoreResult<i64> {
        self.read(|conn| {
            Ok(conn.query_row(
                "SELECT COALESCE(MAX(seq), 0) FROM feed WHERE user_id = ?1",
                [user.0],
                |r| r.get(0),
            )?)
        })
    }
}

/// The columns [`feed_event_row`] reads, for a query over `feed f LEFT
/// JOIN messages m ON m.id = f.message_id`; [`FEED_EVENT_WIDTH`] of them.
fn feed_event_columns() -> String {
    let message = MESSAGE_COLUMNS
        .split(", ")
        .map(|c| format!("m.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    format!("{message}, f.seq, f.payload")
}

/// How many columns [`feed_event_columns`] selects: the message's, then the
/// feed number and the payload.
const FEED_EVENT_WIDTH: usize = 15;

/// A feed row as its event: the message it points at, or its payload.
fn feed_event_row(row: &Row<'_>) -> StoreResult<FeedEvent> {
    let seq: i64 = row.get(FEED_EVENT_WIDTH - 2)?;
    let payload: String = row.get(FEED_EVENT_WIDTH - 1)?;
    let event = if payload.is_empty() {
        EventPayload::Message(message_row(row)?)
    } else {
        serde_json::from_str(&payload)?
    };
    Ok(FeedEvent { seq, event })
}

/// Whether another process queued feed events for the running server to
/// push.
const PUSHES_WAITING: &str = "SELECT EXISTS (SELECT 1 FROM pending_pushes)";

/// The oldest queued pushes (at most `?1`) as feed events, then the user
/// and the queue id: the queue in id order, each feed row by its primary
/// key.
fn take_pushes_sql() -> String {
    format!(
        "SELECT {}, p.user_id, p.id FROM pending_pushes p
         JOIN feed f ON f.user_id = p.user_id AND f.seq = p.seq
         LEFT JOIN messages m ON m.id = f.message_id
         ORDER BY p.id LIMIT ?1",
        feed_event_columns()
    )
}

const INCIDENT_COLUMNS: &str = "id, version, data, stored_at";

fn incident_row(row: &Row<'_>) -> rusqlite::Result<IncidentRecord> {
    let id: Vec<u8> = row.get(0)?;
    Ok(IncidentRecord {
        id: Uuid::from_slice(&id).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Blob, Box::new(e))
        })?,
        version: row.get(1)?,
        data: row.get(2)?,
        stored_at: row.get(3)?,
    })
}

fn load_incident(
    conn: &rusqlite::Connection,
    owner: UserId,
    id: Uuid,
) -> StoreResult<Option<IncidentRecord>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {INCIDENT_COLUMNS} FROM incidents WHERE owner = ?1 AND id = ?2"
        ))?
        .query_row(params![owner.0, id.as_bytes().to_vec()], incident_row)
        .optional()?)
}

/// The literal `'urgent'` (not a parameter) lets SQLite use the partial
/// index `messages_urgent`.
const RECENT_URGENT: &str = "SELECT server_time FROM messages
     WHERE conversation_id = ?1 AND sender = ?2 AND kind = 'urgent' AND server_time > ?3
     ORDER BY server_time";

/// The `server_time`s of `sender`'s urgent messages in `conversation` within
/// the urgent window ending at `now`, oldest first.
fn recent_urgent(
    conn: &rusqlite::Connection,
    sender: UserId,
    conversation: ConversationId,
    now: i64,
) -> StoreResult<Vec<i64>> {
    let mut stmt = conn.prepare_cached(RECENT_URGENT)?;
    let times = stmt
        .query_map(
            params![
                conversation.0,
                sender.0,
                now.saturating_sub(candor_proto::URGENT_WINDOW_MS)
            ],
            |r| r.get(0),
        )?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    Ok(times)
}

fn not_connected() -> StoreError {
    StoreError::forbidden(
        "not_connected",
        "You can message only people who accepted your invitation to connect",
    )
}

fn is_direct(conn: &rusqlite::Connection, conversation: ConversationId) -> StoreResult<bool> {
    let kind: String = conn.query_row(
        "SELECT kind FROM conversations WHERE id = ?1",
        [conversation.0],
        |r| r.get(0),
    )?;
    Ok(kind == "direct")
}

/// Whether `sender` may write to `member` in a conversation they share.
/// Messaging needs an accepted connection. A block between them closes
/// their direct conversation both ways; in a group their messages still
/// flow (each client collapses a blocked person's), and so do those of two
/// members whose connection a block removed.
fn may_write_to(
    tx: &Transaction<'_>,
    sender: UserId,
    member: UserId,
    direct: bool,
) -> StoreResult<()> {
    if let Some(side) = block_between(tx, sender, member)? {
        if direct {
            return Err(side.refusal("write"));
        }
        return Ok(());
    }
    if connected(tx, sender, member)? {
        return Ok(());
    }
    if !direct {
        let (low, high) = pair(sender, member);
        let removed = tx
            .query_row(
                "SELECT 1 FROM connections WHERE user_low = ?1 AND user_high = ?2
                 AND state = 'removed'",
                params![low, high],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if removed {
            return Ok(());
        }
    }
    Err(not_connected())
}

fn validate_reference(
    tx: &Transaction<'_>,
    sender: UserId,
    conversation: ConversationId,
    request: &SendMessageRequest,
) -> StoreResult<()> {
    let kind = request.kind;
    match (
        kind == MessageKind::Correction,
        request.correction.is_some(),
    ) {
        (true, false) => {
            return Err(StoreError::invalid(
                "correction_fields_required",
                "A correction says what was wrong and what is correct",
            ))
        }
        (false, true) => {
            return Err(StoreError::invalid(
                "unexpected_correction_fields",
                "Only a correction carries correction fields",
            ))
        }
        _ => {}
    }
    let Some(reference) = request.reference else {
        if kind.requires_reference() {
            return Err(StoreError::invalid(
                "reference_required",
                format!(
                    "A message of kind {} refers to an earlier message",
                    kind.as_str()
                ),
            ));
        }
        return Ok(());
    };
    let target: Option<(i64, i64)> = tx
        .query_row(
            "SELECT conversation_id, sender FROM messages WHERE id = ?1",
            [reference.0],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match target {
        Some((conv, _)) if conv != conversation.0 => Err(StoreError::invalid(
            "invalid_reference",
            "The referenced message is not in this conversation",
        )),
        None => Err(StoreError::invalid(
            "invalid_reference",
            "The referenced message is not in this conversation",
        )),
        Some((_, ref_sender)) if kind.reference_must_be_own() && ref_sender != sender.0 => {
            Err(StoreError::invalid(
                "reference_not_own",
                "You can correct or retract only your own messages",
            ))
        }
        Some(_) => Ok(()),
    }
}

fn insert_conversation(
    tx: &Transaction<'_>,
    kind: &str,
    title: &str,
    direct_key: Option<&str>,
    creator: UserId,
    members: &[UserId],
    now: i64,
) -> StoreResult<ConversationId> {
    // The genesis hash depends on the id, so insert first, then set it.
    let id: i64 = tx.query_row(
        "INSERT INTO conversations (kind, title, direct_key, created_by, created_at, head_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, x'') RETURNING id",
        params![kind, title, direct_key, creator.0, now],
        |r| r.get(0),
    )?;
    let genesis = chain::genesis_hash(ConversationId(id));
    tx.execute(
        "UPDATE conversations SET head_hash = ?2 WHERE id = ?1",
        params![id, genesis.to_vec()],
    )?;
    for m in members {
        tx.execute(
            "INSERT INTO members (conversation_id, user_id, joined_at) VALUES (?1, ?2, ?3)",
            params![id, m.0, now],
        )?;
    }
    Ok(ConversationId(id))
}

fn announce_conversation(
    tx: &Transaction<'_>,
    creator: UserId,
    id: ConversationId,
) -> StoreResult<(Conversation, Vec<Delivery>)> {
    let mut deliveries = Vec::new();
    for m in member_ids(tx, id)? {
        let seen = load_conversation(tx, m, id)?;
        deliveries.push(append_feed(tx, m, EventPayload::Membership(seen))?);
    }
    Ok((load_conversation(tx, creator, id)?, deliveries))
}

/// Appends the connection's new state to both people's feeds.
fn connection_changed(
    tx: &Transaction<'_>,
    user: UserId,
    peer: UserId,
) -> StoreResult<(Connection, Vec<Delivery>)> {
    let mine = connection_for(tx, user, peer)?
        .ok_or_else(|| StoreError::not_found("connection_not_found", "No such connection"))?;
    let theirs = connection_for(tx, peer, user)?
        .ok_or_else(|| StoreError::not_found("connection_not_found", "No such connection"))?;
    let deliveries = vec![
        append_feed(tx, user, EventPayload::Connection(mine.clone()))?,
        append_feed(tx, peer, EventPayload::Connection(theirs))?,
    ];
    Ok((mine, deliveries))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_4_keeps_the_connections_of_an_existing_database() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        {
            // A database as version 3 left it, with people and connections.
            let mut conn = rusqlite::Connection::open(dir.path().join("candor.sqlite3"))
                .expect("the database opens");
            configure(&conn).expect("configured");
            for (version, sql) in &MIGRATIONS[..3] {
                let tx = conn.transaction().expect("a transaction");
                tx.execute_batch(sql).expect("the migration applies");
                tx.pragma_update(None, "user_version", version)
                    .expect("the version");
                tx.commit().expect("committed");
            }
            conn.execute_batch(
                "INSERT INTO users (id, handle, display_name, password_hash, created_at)
                 VALUES (1, 'alice', 'Alice', 'x', 0), (2, 'bob', 'Bob', 'x', 0),
                        (3, 'carol', 'Carol', 'x', 0);
                 INSERT INTO connections (user_low, user_high, inviter, state, updated_at)
                 VALUES (1, 2, 1, 'accepted', 5), (1, 3, 3, 'pending', 6);",
            )
            .expect("rows");
        }
        let store = SqliteStore::open(dir.path()).expect("the store migrates");
        let mine = store.connections(UserId(1)).expect("connections");
        let states: Vec<(i64, ConnectionState, i64)> = mine
            .iter()
            .map(|c| (c.peer.user_id.0, c.state, c.updated_at))
            .collect();
        assert_eq!(
            states,
            vec![
                (2, ConnectionState::Accepted, 5),
                (3, ConnectionState::InvitedMe, 6)
            ]
        );
        // The new state is allowed, and accounts start as plain users.
        let (change, _) = store.block(UserId(1), UserId(2), 7).expect("a block");
        assert!(change.blocked);
        assert_eq!(
            store.connections(UserId(2)).expect("connections")[0].state,
            ConnectionState::Removed
        );
        let role: String = store
            .read(|c| Ok(c.query_row("SELECT role FROM users WHERE id = 3", [], |r| r.get(0))?))
            .expect("a role");
        assert_eq!(role, "user");
    }

    fn account(store: &SqliteStore, handle: &str) -> UserId {
        use sha2::Digest as _;
        let token_hash: [u8; 32] = sha2::Sha256::digest(handle.as_bytes()).into();
        let (profile, _) = store
            .create_account(
                NewAccount {
                    handle: handle.to_owned(),
                    display_name: handle.to_owned(),
                    password_hash: "x".to_owned(),
                    device_name: "laptop".to_owned(),
                    token_hash,
                },
                1,
            )
            .expect("an account");
        profile.user_id
    }

    #[test]
    fn only_events_written_beside_the_server_are_queued_and_each_is_taken_once() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let server = SqliteStore::open(dir.path()).expect("the server's store");
        let alice = account(&server, "alice");
        let bob = account(&server, "bob");
        server.invite(alice, "bob", 2).expect("an invitation");
        server.respond(bob, alice, true, 3).expect("accepted");
        let (direct, _, _) = server.create_direct(alice, bob, 4).expect("a conversation");
        let hello = SendMessageRequest {
            client_id: Uuid::now_v7(),
            kind: MessageKind::Text,
            reference: None,
            body: "Hello".to_owned(),
            correction: None,
        };
        server
            .send_message(alice, direct.id, hello, 5)
            .expect("a message");
        // The server pushes its own events itself: nothing is queued.
        assert!(server.take_external_events(100).expect("taken").is_empty());

        // Another process writes beside it: a message and a profile change.
        let beside = SqliteStore::open_external(dir.path()).expect("the command's store");
        let reply = SendMessageRequest {
            client_id: Uuid::now_v7(),
            kind: MessageKind::Text,
            reference: None,
            body: "Hi Alice".to_owned(),
            correction: None,
        };
        let (sent, written) = beside
            .send_message(bob, direct.id, reply, 6)
            .expect("a message");
        let (_, profile) = beside
            .update_profile(
                alice,
                ProfileUpdate {
                    display_name: Some("Alice M.".to_owned()),
                    headline: None,
                    phone: None,
                },
            )
            .expect("a profile change");
        let written: Vec<(UserId, FeedEvent)> = written
            .into_iter()
            .chain(profile)
            .map(|d| (d.user, (*d.event).clone()))
            .collect();
        assert_eq!(written.len(), 4, "the message to both, the profile to both");

        // The server takes exactly those, in order, in batches, once.
        let mut taken = server.take_external_events(3).expect("taken");
        assert_eq!(taken.len(), 3);
        taken.extend(server.take_external_events(3).expect("taken"));
        let taken: Vec<(UserId, FeedEvent)> = taken
            .into_iter()
            .map(|d| (d.user, (*d.event).clone()))
            .collect();
        assert_eq!(taken, written);
        assert!(matches!(
            &taken[0].1.event,
            EventPayload::Message(m) if m.id == sent.message.id && m.body == "Hi Alice"
        ));
        assert!(server.take_external_events(100).expect("taken").is_empty());
        // The feed itself is untouched.
        let feed = server.feed(bob, 0, 100).expect("the feed");
        assert_eq!(feed.events.last(), Some(&written[3].1));

        // Only the command's connection queues: once it is closed, writes
        // through another serving store queue nothing.
        drop(beside);
        let again = SqliteStore::open(dir.path()).expect("the server's store again");
        again
            .update_profile(bob, ProfileUpdate::default())
            .expect("a profile change");
        assert!(server.take_external_events(100).expect("taken").is_empty());
    }

    #[test]
    fn looking_for_queued_events_reads_only_the_queue_and_feed_keys() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = SqliteStore::open(dir.path()).expect("the store opens");
        let plan = |sql: &str| -> Vec<String> {
            store
                .read(|conn| {
                    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
                    let rows = stmt
                        .query_map([], |r| r.get::<_, String>(3))?
                        .collect::<rusqlite::Result<Vec<_>>>()?;
                    Ok(rows)
                })
                .expect("a query plan")
        };
        let waiting = plan(PUSHES_WAITING);
        assert!(
            waiting.iter().all(|step| !step.contains("feed")),
            "{waiting:?}"
        );
        let take = plan(&take_pushes_sql().replace("?1", "10"));
        assert!(
            take.iter().any(|step| step.starts_with("SCAN p")),
            "the queue in id order: {take:?}"
        );
        assert!(
            take.iter()
                .any(|step| step.starts_with("SEARCH f USING PRIMARY KEY")),
            "each feed row by its key: {take:?}"
        );
        assert!(
            !take.iter().any(|step| step.contains("TEMP B-TREE")),
            "{take:?}"
        );
    }

    #[test]
    fn counting_recent_urgent_notices_reads_the_partial_index() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = SqliteStore::open(dir.path()).expect("the store opens");
        let plan: Vec<String> = store
            .read(|conn| {
                let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {RECENT_URGENT}"))?;
                let rows = stmt
                    .query_map(params![1, 1, 0], |r| r.get::<_, String>(3))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(rows)
            })
            .expect("a query plan");
        assert!(
            plan.iter().any(|step| step.contains("messages_urgent")),
            "{plan:?}"
        );
    }
}
