//! [`Client`]: the one type the app talks to.
//!
//! Reads come from the mirror and work with no network. Writes that must
//! reach the server go through the outbox (messages, receipts) and are
//! retried until acknowledged, or, for actions that only make sense online
//! (inviting, opening a conversation), are sent directly and fail with
//! `offline` when the server cannot be reached.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use candor_proto::{
    chain, Connection, Conversation, ConversationId, CorrectionFields, CreateGroupRequest,
    DirectoryEntry, MessageId, MessageKind, Profile, ProfileUpdate, Receipt, SendMessageRequest,
    SignInRequest, SignUpRequest, UserId,
};
use ed25519_dalek::VerifyingKey;
use rusqlite::{params, OptionalExtension};
use tokio::sync::{broadcast, watch, Notify};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use crate::mirror;
use crate::model::{
    ClientEvent, ConversationSummary, IntegrityAlarm, MessageView, Page, PendingMessage, SearchHit,
    SyncStatus,
};
use crate::remote::Remote;
use crate::token::TokenStore;
use crate::{outbox, sync};

/// How to open a client.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Directory of this account's mirror (`mirror.sqlite3`).
    pub data_dir: PathBuf,
}

/// The signed-in account.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub server_url: String,
    pub user: UserId,
    pub token: String,
    pub server_key: VerifyingKey,
}

/// The stop signal and handles of the background tasks.
type Tasks = (watch::Sender<bool>, Vec<JoinHandle<()>>);

pub(crate) struct Inner {
    pub db: Db,
    pub http: reqwest::Client,
    pub tokens: Arc<dyn TokenStore>,
    pub events: broadcast::Sender<ClientEvent>,
    pub status: watch::Sender<SyncStatus>,
    pub session: Mutex<Option<Session>>,
    pub outbox_wake: Notify,
    pub sync_wake: Notify,
    /// Serialises catch-up runs so two never apply the same page at once.
    pub sync_lock: tokio::sync::Mutex<()>,
    tasks: Mutex<Option<Tasks>>,
}

impl Inner {
    pub fn session(&self) -> CoreResult<Session> {
        self.session
            .lock()
            .map_err(|_| CoreError::Internal("session lock poisoned".into()))?
            .clone()
            .ok_or(CoreError::NotSignedIn)
    }

    pub fn remote(&self) -> CoreResult<Remote> {
        let s = self.session()?;
        Ok(Remote::new(self.http.clone(), &s.server_url, Some(s.token)))
    }

    pub fn emit(&self, event: ClientEvent) {
        // No receiver is fine: nobody is looking.
        let _ = self.events.send(event);
    }

    pub fn set_status(&self, status: SyncStatus) {
        let changed = self.status.send_if_modified(|s| {
            let differs = match (*s, status) {
                // Stay "offline since" the first failure.
                (SyncStatus::Offline { .. }, SyncStatus::Offline { .. }) => false,
                (a, b) => a != b,
            };
            if differs {
                *s = status;
            }
            differs
        });
        if changed {
            self.emit(ClientEvent::SyncStatus { status });
        }
    }

    /// The server no longer accepts our token: stop and forget it.
    pub fn signed_out_by_server(&self) {
        if let Ok(s) = self.session() {
            let _ = self.tokens.delete(&account_key(&s.server_url, s.user));
        }
        if let Ok(mut guard) = self.session.lock() {
            *guard = None;
        }
        self.set_status(SyncStatus::SignedOut);
        self.emit(ClientEvent::SignedOut);
    }
}

fn account_key(server_url: &str, user: UserId) -> String {
    format!("{}#{}", server_url.trim_end_matches('/'), user)
}

/// The client engine for one account on one device. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").finish_non_exhaustive()
    }
}

impl Client {
    /// Opens the mirror in `config.data_dir`. If an account was signed in and
    /// its token is in the token store, it resumes syncing in the background;
    /// either way everything already mirrored is readable at once.
    pub async fn open(config: ClientConfig, tokens: Arc<dyn TokenStore>) -> CoreResult<Client> {
        let db = Db::open(&config.data_dir.join("mirror.sqlite3"))?;
        // An outbox entry caught mid-send by a crash is simply sent again
        // (the server deduplicates by client id), but it may have arrived:
        // it can no longer be cancelled.
        db.write(|tx| {
            tx.execute(
                "UPDATE outbox SET state = 'ready', maybe_sent = 1 WHERE state = 'sending'",
                [],
            )?;
            let owner: Option<i64> = tx
                .query_row("SELECT user_id FROM account WHERE id = 1", [], |r| r.get(0))
                .optional()?;
            if let Some(owner) = owner {
                mirror::prepare_for_owner(tx, UserId(owner))?;
            }
            Ok(())
        })
        .await?;
        let (events, _) = broadcast::channel(1024);
        let (status, _) = watch::channel(SyncStatus::SignedOut);
        let inner = Arc::new(Inner {
            db,
            http: Remote::http_client(),
            tokens,
            events,
            status,
            session: Mutex::new(None),
            outbox_wake: Notify::new(),
            sync_wake: Notify::new(),
            sync_lock: tokio::sync::Mutex::new(()),
            tasks: Mutex::new(None),
        });
        let client = Client { inner };
        client.resume().await?;
        Ok(client)
    }

    async fn resume(&self) -> CoreResult<()> {
        let account: Option<(String, i64, String)> = self
            .inner
            .db
            .read(|c| {
                Ok(c.query_row(
                    "SELECT server_url, user_id, server_key FROM account WHERE id = 1 AND signed_in = 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?)
            })
            .await?;
        let Some((server_url, user, key)) = account else {
            return Ok(());
        };
        let user = UserId(user);
        let token = self
            .inner
            .tokens
            .load(&account_key(&server_url, user))
            .map_err(CoreError::Internal)?;
        let Some(token) = token else {
            return Ok(());
        };
        let server_key = chain::parse_public_key(&key)
            .map_err(|e| CoreError::Internal(format!("Stored server key: {e}")))?;
        self.start(Session {
            server_url,
            user,
            token,
            server_key,
        });
        Ok(())
    }

    fn start(&self, session: Session) {
        if let Ok(mut guard) = self.inner.session.lock() {
            *guard = Some(session);
        }
        self.inner.set_status(SyncStatus::CatchingUp);
        let (stop_tx, stop_rx) = watch::channel(false);
        let handles = vec![
            tokio::spawn(sync::run(Arc::clone(&self.inner), stop_rx.clone())),
            tokio::spawn(outbox::run(Arc::clone(&self.inner), stop_rx)),
        ];
        if let Ok(mut tasks) = self.inner.tasks.lock() {
            if let Some((old_stop, _)) = tasks.replace((stop_tx, handles)) {
                let _ = old_stop.send(true);
            }
        }
    }

    /// Stops background work (sync and outbox) and waits for it to end.
    /// The mirror stays readable; nothing queued is lost.
    pub async fn shutdown(&self) {
        let tasks = self.inner.tasks.lock().ok().and_then(|mut t| t.take());
        if let Some((stop, handles)) = tasks {
            let _ = stop.send(true);
            for h in handles {
                let _ = h.await;
            }
        }
    }

    // ------------------------------------------------------------ account

    async fn adopt(
        &self,
        remote: &Remote,
        auth: candor_proto::AuthResponse,
        device_name: &str,
    ) -> CoreResult<Profile> {
        let info = remote.server_info().await?;
        let server_key = chain::parse_public_key(&info.public_key)
            .map_err(|e| CoreError::Internal(format!("Server key: {e}")))?;
        let server_url = remote.base().to_owned();
        let user = auth.profile.user_id;
        let profile = auth.profile.clone();
        let (url, key, device) = (
            server_url.clone(),
            info.public_key.clone(),
            device_name.to_owned(),
        );
        self.inner
            .db
            .write(move |tx| {
                let existing: Option<(String, i64, String)> = tx
                    .query_row(
                        "SELECT server_url, user_id, handle FROM account WHERE id = 1",
                        [],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                    )
                    .optional()?;
                if let Some((old_url, old_user, handle)) = existing {
                    if old_url != url || old_user != user.0 {
                        return Err(CoreError::AccountMismatch(handle));
                    }
                }
                tx.execute(
                    "INSERT INTO account (id, server_url, user_id, handle, server_key, device_name, signed_in)
                     VALUES (1, ?1, ?2, ?3, ?4, ?5, 1)
                     ON CONFLICT (id) DO UPDATE SET server_key = excluded.server_key,
                       handle = excluded.handle, device_name = excluded.device_name, signed_in = 1",
                    params![url, user.0, profile.handle, key, device],
                )?;
                mirror::prepare_for_owner(tx, user)?;
                tx.execute(
                    "INSERT INTO profiles (user_id, handle, display_name, headline, phone)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (user_id) DO UPDATE SET handle = excluded.handle,
                       display_name = excluded.display_name, headline = excluded.headline,
                       phone = excluded.phone",
                    params![
                        profile.user_id.0,
                        profile.handle,
                        profile.display_name,
                        profile.headline,
                        profile.phone
                    ],
                )?;
                Ok(())
            })
            .await?;
        self.inner
            .tokens
            .save(&account_key(&server_url, user), &auth.token)
            .map_err(|e| CoreError::Internal(format!("Saving the token: {e}")))?;
        self.start(Session {
            server_url,
            user,
            token: auth.token,
            server_key,
        });
        Ok(auth.profile)
    }

    /// Creates an account on `server_url` and signs this device in.
    pub async fn sign_up(
        &self,
        server_url: &str,
        handle: &str,
        display_name: &str,
        password: &str,
        device_name: &str,
    ) -> CoreResult<Profile> {
        let remote = Remote::new(self.inner.http.clone(), server_url, None);
        let auth = remote
            .sign_up(&SignUpRequest {
                handle: handle.to_owned(),
                display_name: display_name.to_owned(),
                password: password.to_owned(),
                device_name: device_name.to_owned(),
            })
            .await?;
        self.adopt(&remote, auth, device_name).await
    }

    /// Signs this device in to an existing account.
    pub async fn sign_in(
        &self,
        server_url: &str,
        handle: &str,
        password: &str,
        device_name: &str,
    ) -> CoreResult<Profile> {
        let remote = Remote::new(self.inner.http.clone(), server_url, None);
        let auth = remote
            .sign_in(&SignInRequest {
                handle: handle.to_owned(),
                password: password.to_owned(),
                device_name: device_name.to_owned(),
            })
            .await?;
        self.adopt(&remote, auth, device_name).await
    }

    /// Signs this device out: revokes the token on the server (when
    /// reachable), removes it from the token store and stops syncing. The
    /// mirror is kept.
    pub async fn sign_out(&self) -> CoreResult<()> {
        let session = self.inner.session()?;
        let remote = self.inner.remote()?;
        if let Err(e) = remote.sign_out().await {
            tracing::warn!(error = %e, "could not revoke the token on the server");
        }
        self.shutdown().await;
        self.inner
            .tokens
            .delete(&account_key(&session.server_url, session.user))
            .map_err(CoreError::Internal)?;
        if let Ok(mut guard) = self.inner.session.lock() {
            *guard = None;
        }
        self.inner
            .db
            .write(|tx| {
                tx.execute("UPDATE account SET signed_in = 0 WHERE id = 1", [])?;
                Ok(())
            })
            .await?;
        self.inner.set_status(SyncStatus::SignedOut);
        Ok(())
    }

    /// The signed-in user, if any.
    pub fn user_id(&self) -> Option<UserId> {
        self.inner.session().ok().map(|s| s.user)
    }

    pub(crate) fn me(&self) -> CoreResult<UserId> {
        Ok(self.inner.session()?.user)
    }

    /// The mirror's account, signed in or not (for showing history offline).
    pub async fn account_user(&self) -> CoreResult<Option<UserId>> {
        self.inner
            .db
            .read(|c| {
                Ok(
                    c.query_row("SELECT user_id FROM account WHERE id = 1", [], |r| r.get(0))
                        .optional()?
                        .map(UserId),
                )
            })
            .await
    }

    pub(crate) async fn reader_me(&self) -> CoreResult<UserId> {
        match self.user_id() {
            Some(u) => Ok(u),
            None => self.account_user().await?.ok_or(CoreError::NotSignedIn),
        }
    }

    // ------------------------------------------------------------- events

    /// Coarse change events; refetch what you show when one arrives.
    pub fn subscribe(&self) -> broadcast::Receiver<ClientEvent> {
        self.inner.events.subscribe()
    }

    pub fn sync_status(&self) -> SyncStatus {
        *self.inner.status.borrow()
    }

    /// A watch of the sync status, for waiting on a change.
    pub fn watch_status(&self) -> watch::Receiver<SyncStatus> {
        self.inner.status.subscribe()
    }

    /// Catches up with the server now, and returns when the mirror holds
    /// every event the server had when asked.
    pub async fn sync_now(&self) -> CoreResult<()> {
        sync::catch_up(&self.inner).await
    }

    // ------------------------------------------------------------ profile

    /// Your profile from the mirror.
    pub async fn my_profile(&self) -> CoreResult<Profile> {
        let me = self.reader_me().await?;
        self.inner
            .db
            .read(move |c| mirror::profile(c, me)?.ok_or(CoreError::NotFound("profile")))
            .await
    }

    /// A person's profile from the mirror.
    pub async fn profile(&self, user: UserId) -> CoreResult<Profile> {
        self.inner
            .db
            .read(move |c| mirror::profile(c, user)?.ok_or(CoreError::NotFound("profile")))
            .await
    }

    /// A person's profile as the server shows it to you now (online): the
    /// phone number appears only once you are connected.
    pub async fn fetch_profile(&self, user: UserId) -> CoreResult<Profile> {
        self.inner.remote()?.profile(user).await
    }

    /// Changes your profile (online).
    pub async fn update_profile(&self, update: ProfileUpdate) -> CoreResult<Profile> {
        let profile = self.inner.remote()?.update_profile(&update).await?;
        self.inner.sync_wake.notify_one();
        Ok(profile)
    }

    // -------------------------------------------------------- connections

    /// Connections and invitations from the mirror.
    pub async fn connections(&self) -> CoreResult<Vec<Connection>> {
        self.inner.db.read(mirror::connections).await
    }

    /// Invites a person by handle (online).
    pub async fn invite(&self, handle: &str) -> CoreResult<Connection> {
        let c = self.inner.remote()?.invite(handle).await?;
        self.sync_now().await?;
        Ok(c)
    }

    /// Accepts an invitation (online).
    pub async fn accept(&self, peer: UserId) -> CoreResult<Connection> {
        let c = self.inner.remote()?.respond(peer, true).await?;
        self.sync_now().await?;
        Ok(c)
    }

    /// Declines an invitation (online).
    pub async fn decline(&self, peer: UserId) -> CoreResult<Connection> {
        let c = self.inner.remote()?.respond(peer, false).await?;
        self.sync_now().await?;
        Ok(c)
    }

    /// Finds people by name or handle prefix, connections first. Online; when
    /// offline, falls back to the mirror's known profiles.
    pub async fn search_directory(
        &self,
        prefix: &str,
        limit: u32,
    ) -> CoreResult<Vec<DirectoryEntry>> {
        match self.inner.remote()?.directory(prefix, limit).await {
            Err(e) if e.is_offline() => {
                let needle = crate::search::normalise(prefix);
                let connections = self.connections().await?;
                Ok(connections
                    .into_iter()
                    .filter(|c| c.state == candor_proto::ConnectionState::Accepted)
                    .filter(|c| {
                        crate::search::normalise(&c.peer.handle).starts_with(&needle)
                            || crate::search::normalise(&c.peer.display_name)
                                .split_whitespace()
                                .any(|w| w.starts_with(&needle))
                    })
                    .take(limit as usize)
                    .map(|c| DirectoryEntry {
                        profile: c.peer,
                        connected: true,
                    })
                    .collect())
            }
            other => other,
        }
    }

    // ------------------------------------------------------ conversations

    /// Opens (or finds) the direct conversation with a connection (online
    /// the first time; afterwards it is in the mirror).
    pub async fn open_direct(&self, peer: UserId) -> CoreResult<ConversationId> {
        let me = self.me()?;
        let existing = self
            .inner
            .db
            .read(move |c| {
                Ok(c.query_row(
                    "SELECT c.id FROM conversations c
                     WHERE c.kind = 'direct'
                       AND EXISTS (SELECT 1 FROM members WHERE conversation_id = c.id AND user_id = ?1)
                       AND EXISTS (SELECT 1 FROM members WHERE conversation_id = c.id AND user_id = ?2)",
                    params![me.0, peer.0],
                    |r| r.get::<_, i64>(0),
                )
                .optional()?)
            })
            .await?;
        if let Some(id) = existing {
            return Ok(ConversationId(id));
        }
        let conversation: Conversation = self.inner.remote()?.create_direct(peer).await?;
        self.sync_now().await?;
        Ok(conversation.id)
    }

    /// Creates a group with a title (online).
    pub async fn create_group(
        &self,
        title: &str,
        members: Vec<UserId>,
    ) -> CoreResult<ConversationId> {
        let conversation = self
            .inner
            .remote()?
            .create_group(&CreateGroupRequest {
                title: title.to_owned(),
                members,
            })
            .await?;
        self.sync_now().await?;
        Ok(conversation.id)
    }

    /// Every conversation with its unread count and last message.
    pub async fn conversations(&self) -> CoreResult<Vec<ConversationSummary>> {
        let me = self.reader_me().await?;
        self.inner
            .db
            .read(move |c| mirror::conversations(c, me))
            .await
    }

    pub async fn conversation(&self, id: ConversationId) -> CoreResult<ConversationSummary> {
        let me = self.reader_me().await?;
        self.inner
            .db
            .read(move |c| mirror::conversation_summary(c, me, id))
            .await
    }

    /// A page of delivered messages, ascending.
    pub async fn messages(
        &self,
        conversation: ConversationId,
        page: Page,
    ) -> CoreResult<Vec<MessageView>> {
        let me = self.reader_me().await?;
        self.inner
            .db
            .read(move |c| mirror::messages(c, me, conversation, page))
            .await
    }

    /// One delivered message.
    pub async fn message(&self, id: MessageId) -> CoreResult<MessageView> {
        let me = self.reader_me().await?;
        self.inner
            .db
            .read(move |c| mirror::message(c, me, id))
            .await
    }

    /// Your messages not yet accepted by the server.
    pub async fn pending(
        &self,
        conversation: Option<ConversationId>,
    ) -> CoreResult<Vec<PendingMessage>> {
        self.inner
            .db
            .read(move |c| mirror::pending(c, conversation))
            .await
    }

    pub async fn receipts(&self, conversation: ConversationId) -> CoreResult<Vec<Receipt>> {
        self.inner
            .db
            .read(move |c| mirror::receipts(c, conversation))
            .await
    }

    pub async fn integrity_alarms(
        &self,
        conversation: Option<ConversationId>,
    ) -> CoreResult<Vec<IntegrityAlarm>> {
        self.inner
            .db
            .read(move |c| mirror::alarms(c, conversation))
            .await
    }

    // ----------------------------------------------------------- sending

    /// Queues a plain text message. Returns its client id at once; the
    /// outbox delivers it when the server is reachable.
    pub async fn send_text(&self, conversation: ConversationId, body: &str) -> CoreResult<Uuid> {
        self.send(conversation, Outgoing::text(body)).await
    }

    /// Queues a message of any kind.
    pub async fn send(&self, conversation: ConversationId, outgoing: Outgoing) -> CoreResult<Uuid> {
        let me = self.me()?;
        let body = candor_proto::normalise_body(&outgoing.body)
            .map_err(|m| CoreError::invalid("invalid_body", m))?;
        if outgoing.kind.requires_reference() && outgoing.reference.is_none() {
            return Err(CoreError::invalid(
                "reference_required",
                "This kind of message refers to an earlier message",
            ));
        }
        if (outgoing.kind == MessageKind::Correction) != outgoing.correction.is_some() {
            return Err(CoreError::invalid(
                "correction_fields_required",
                "A correction says what was wrong and what is correct",
            ));
        }
        let mut findings = crate::checks::scan(&body);
        if let Some(c) = &outgoing.correction {
            findings.extend(crate::checks::scan(&c.what_was_wrong));
            findings.extend(crate::checks::scan(&c.correct_information));
        }
        if !findings.is_empty() && !outgoing.allow_sensitive {
            return Err(CoreError::invalid(
                "sensitive_data",
                format!(
                    "This message contains {}; choose \"Send anyway\" to send it",
                    crate::precheck::describe_findings(&findings)
                ),
            ));
        }
        let client_id = Uuid::now_v7();
        let request = SendMessageRequest {
            client_id,
            kind: outgoing.kind,
            reference: outgoing.reference,
            body,
            correction: outgoing.correction,
        };
        let json = serde_json::to_string(&request)?;
        let now = mirror::now_ms();
        let hold_until = now + i64::try_from(outgoing.hold.as_millis()).unwrap_or(0);
        let state = if outgoing.hold.is_zero() {
            "ready"
        } else {
            "held"
        };
        self.inner
            .db
            .write(move |tx| {
                let known = tx
                    .query_row(
                        "SELECT 1 FROM members WHERE conversation_id = ?1 AND user_id = ?2",
                        params![conversation.0, me.0],
                        |_| Ok(()),
                    )
                    .optional()?
                    .is_some();
                if !known {
                    return Err(CoreError::NotFound("conversation"));
                }
                tx.execute(
                    "INSERT INTO outbox (client_id, conversation_id, request, state, created_at, hold_until)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![client_id.as_bytes().to_vec(), conversation.0, json, state, now, hold_until],
                )?;
                crate::precheck::record_send(tx, conversation, client_id, &findings, now)?;
                Ok(())
            })
            .await?;
        self.inner
            .emit(ClientEvent::ConversationChanged { id: conversation });
        self.inner.outbox_wake.notify_one();
        Ok(client_id)
    }

    /// Queues a message with this device's hold (the settings' hold window):
    /// what the app does when the user presses Send.
    pub async fn send_with_hold(
        &self,
        conversation: ConversationId,
        mut outgoing: Outgoing,
    ) -> CoreResult<Uuid> {
        outgoing.hold = self.settings().await?.hold();
        self.send(conversation, outgoing).await
    }

    /// Marks messages up to `seq` read (here at once, on the server when
    /// reachable, and so on your other devices).
    pub async fn mark_read(&self, conversation: ConversationId, seq: i64) -> CoreResult<()> {
        let me = self.me()?;
        self.inner
            .db
            .write(move |tx| {
                tx.execute(
                    "INSERT INTO receipts (conversation_id, user_id, delivered_up_to, read_up_to)
                     VALUES (?1, ?2, ?3, ?3)
                     ON CONFLICT (conversation_id, user_id) DO UPDATE SET
                       read_up_to = MAX(read_up_to, excluded.read_up_to),
                       delivered_up_to = MAX(delivered_up_to, excluded.read_up_to)",
                    params![conversation.0, me.0, seq],
                )?;
                tx.execute(
                    "INSERT INTO pending_receipts (conversation_id, delivered_up_to, read_up_to)
                     VALUES (?1, ?2, ?2)
                     ON CONFLICT (conversation_id) DO UPDATE SET
                       read_up_to = MAX(read_up_to, excluded.read_up_to),
                       delivered_up_to = MAX(delivered_up_to, excluded.read_up_to)",
                    params![conversation.0, seq],
                )?;
                Ok(())
            })
            .await?;
        self.inner
            .emit(ClientEvent::ConversationChanged { id: conversation });
        self.inner.outbox_wake.notify_one();
        Ok(())
    }

    /// Number of entries waiting in the outbox (messages and receipts).
    pub async fn outbox_len(&self) -> CoreResult<i64> {
        self.inner
            .db
            .read(|c| {
                Ok(c.query_row(
                    "SELECT (SELECT COUNT(*) FROM outbox WHERE state != 'failed')
                          + (SELECT COUNT(*) FROM pending_receipts)",
                    [],
                    |r| r.get(0),
                )?)
            })
            .await
    }

    // ------------------------------------------------------------ search

    /// Full-text search over every message in the mirror, newest first.
    /// Every word must match a word prefix; accents and case are ignored.
    pub async fn search(
        &self,
        query: &str,
        conversation: Option<ConversationId>,
        limit: u32,
    ) -> CoreResult<Vec<SearchHit>> {
        let me = self.reader_me().await?;
        let query = query.to_owned();
        self.inner
            .db
            .read(move |c| mirror::search(c, me, &query, conversation, limit))
            .await
    }

    // ------------------------------------------------------ preferences

    /// This device's settings.
    pub async fn settings(&self) -> CoreResult<crate::prefs::Settings> {
        self.inner.db.read(crate::prefs::load_settings).await
    }

    pub async fn save_settings(&self, settings: crate::prefs::Settings) -> CoreResult<()> {
        settings.validate()?;
        self.inner
            .db
            .write(move |tx| crate::prefs::save_settings(tx, &settings))
            .await
    }

    /// The unsent draft of a conversation (kept across restarts).
    pub async fn draft(&self, conversation: ConversationId) -> CoreResult<String> {
        self.inner
            .db
            .read(move |c| crate::prefs::load_draft(c, conversation))
            .await
    }

    pub async fn save_draft(&self, conversation: ConversationId, text: String) -> CoreResult<()> {
        self.inner
            .db
            .write(move |tx| crate::prefs::save_draft(tx, conversation, &text))
            .await
    }

    /// The server URL of the mirror's account, if any.
    pub async fn server_url(&self) -> CoreResult<Option<String>> {
        self.inner
            .db
            .read(|c| {
                Ok(
                    c.query_row("SELECT server_url FROM account WHERE id = 1", [], |r| {
                        r.get(0)
                    })
                    .optional()?,
                )
            })
            .await
    }

    /// Runs `PRAGMA integrity_check` on the mirror; "ok" when healthy.
    pub fn integrity_check(&self) -> CoreResult<String> {
        self.inner
            .db
            .write_blocking(|c| Ok(c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?))
    }
}

/// A message to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub kind: MessageKind,
    pub reference: Option<MessageId>,
    pub body: String,
    pub correction: Option<CorrectionFields>,
    /// How long it waits on the device before leaving (cancellable meanwhile).
    pub hold: std::time::Duration,
    /// The user saw what the sensitive-data check found and chose "Send
    /// anyway"; without it, a message with findings is refused.
    pub allow_sensitive: bool,
}

impl Outgoing {
    /// The same message, waiting `hold` on the device before it leaves.
    #[must_use]
    pub fn with_hold(mut self, hold: std::time::Duration) -> Outgoing {
        self.hold = hold;
        self
    }

    /// The same message, sent although it contains sensitive data.
    #[must_use]
    pub fn allowing_sensitive(mut self) -> Outgoing {
        self.allow_sensitive = true;
        self
    }

    pub fn text(body: &str) -> Outgoing {
        Outgoing {
            kind: MessageKind::Text,
            reference: None,
            body: body.to_owned(),
            correction: None,
            hold: std::time::Duration::ZERO,
            allow_sensitive: false,
        }
    }

    pub fn correction(of: MessageId, body: &str, what_was_wrong: &str, correct: &str) -> Outgoing {
        Outgoing {
            kind: MessageKind::Correction,
            reference: Some(of),
            body: body.to_owned(),
            correction: Some(CorrectionFields {
                what_was_wrong: what_was_wrong.to_owned(),
                correct_information: correct.to_owned(),
            }),
            hold: std::time::Duration::ZERO,
            allow_sensitive: false,
        }
    }

    pub fn referring(kind: MessageKind, to: MessageId, body: &str) -> Outgoing {
        Outgoing {
            kind,
            reference: Some(to),
            body: body.to_owned(),
            correction: None,
            hold: std::time::Duration::ZERO,
            allow_sensitive: false,
        }
    }
}
