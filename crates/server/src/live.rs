//! Live fan-out of feed events to connected WebSockets on this server node.
//!
//! Events are pushed only after the store committed them, and each carries its
//! feed number, so a client that misses one (a lagging socket, a race between
//! two commits) sees a gap and catches up from the feed. With several server
//! nodes this hub is what a broker (NATS) replaces; the feed stays the truth.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use candor_proto::{FeedEvent, SessionId, UserId};
use tokio::sync::{broadcast, watch};

use crate::store::Delivery;

const CHANNEL_CAPACITY: usize = 256;

#[derive(Debug)]
pub struct Hub {
    users: Mutex<HashMap<UserId, broadcast::Sender<Arc<FeedEvent>>>>,
    sessions: Mutex<HashMap<SessionId, watch::Sender<bool>>>,
    shutting_down: watch::Sender<bool>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            users: Mutex::default(),
            sessions: Mutex::default(),
            shutting_down: watch::channel(false).0,
        }
    }
}

impl Hub {
    /// A signal that turns true when the server shuts down.
    pub fn shutting_down(&self) -> watch::Receiver<bool> {
        self.shutting_down.subscribe()
    }

    /// Closes every live connection (graceful shutdown).
    pub fn shut_down(&self) {
        let _ = self.shutting_down.send(true);
    }

    /// Subscribes to a user's live events.
    pub fn subscribe(&self, user: UserId) -> broadcast::Receiver<Arc<FeedEvent>> {
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        users
            .entry(user)
            .or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0)
            .subscribe()
    }

    /// Pushes committed events to whoever is listening.
    pub fn publish(&self, deliveries: Vec<Delivery>) {
        if deliveries.is_empty() {
            return;
        }
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        for d in deliveries {
            if let Some(tx) = users.get(&d.user) {
                if tx.send(d.event).is_err() {
                    // Nobody listens any more: forget the channel.
                    users.remove(&d.user);
                }
            }
        }
    }

    /// A signal that turns true when the session is revoked.
    pub fn session_closed(&self, session: SessionId) -> watch::Receiver<bool> {
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        sessions
            .entry(session)
            .or_insert_with(|| watch::channel(false).0)
            .subscribe()
    }

    /// Closes the live connections of a revoked session.
    pub fn close_session(&self, session: SessionId) {
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = sessions.remove(&session) {
            let _ = tx.send(true);
        }
    }
}
