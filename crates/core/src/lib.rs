//! Candor's client engine.
//!
//! [`Client`] keeps a complete local SQLite mirror of the account's
//! conversations, follows the server's feed (catch-up in pages, then live over
//! a WebSocket), delivers everything server-bound through a persistent outbox,
//! verifies every message's place in its conversation's hash chain and
//! searches the mirror offline.
//!
//! This crate knows nothing of Tauri or any UI: the desktop shell calls
//! [`Client`] and listens to [`ClientEvent`]s. Tokens are kept by a
//! [`TokenStore`] the embedder provides (the OS keychain in the app).

mod backoff;
pub mod checks;
mod client;
mod db;
mod error;
pub mod incident;
pub mod incidents;
#[cfg(feature = "keychain")]
pub mod keychain;
pub mod mirror;
pub mod model;
pub mod notify;
mod outbox;
pub mod precheck;
pub mod prefs;
mod remote;
pub mod safety;
pub mod search;
mod sync;
mod token;
pub mod transcript;

pub use client::{Client, ClientConfig, Outgoing};
pub use db::{schema_version, Db};
pub use error::{CoreError, CoreResult};
pub use model::*;
pub use notify::{Focus, Notifier, PlannedNotification, Urgency};
pub use precheck::{RecipientCard, RecipientReason, RecipientRule, SendCheck};
pub use prefs::{Settings, Theme};
pub use token::{MemoryTokenStore, TokenStore};

pub use candor_proto as proto;
