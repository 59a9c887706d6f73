//! The shell's own IPC types. Everything else crossing IPC is a core read
//! model (already serde). Errors always cross as [`IpcError`].

use candor_core::{CoreError, Outgoing, SyncStatus};
use candor_proto::{CorrectionFields, MessageId, MessageKind, Profile};
use serde::{Deserialize, Serialize};

/// Every failed command rejects with this; the UI maps `code` to a sentence.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct IpcError {
    pub code: String,
    pub message: String,
}

impl From<CoreError> for IpcError {
    fn from(e: CoreError) -> Self {
        if matches!(e, CoreError::Storage(_) | CoreError::Internal(_)) {
            tracing::error!(error = %e, "command failed");
        }
        let code = if e.to_string().starts_with("Keychain") {
            "keychain".to_owned()
        } else {
            e.code().to_owned()
        };
        IpcError {
            code,
            message: e.to_string(),
        }
    }
}

pub type IpcResult<T> = Result<T, IpcError>;

/// What the UI needs to know at start.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SessionState {
    pub signed_in: bool,
    pub me: Option<Profile>,
    pub status: SyncStatus,
    pub default_server_url: String,
    pub device_name: String,
    /// This device holds history (readable even while signed out).
    pub has_history: bool,
}

/// A message the user composed, as the UI hands it over.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Draft {
    pub kind: MessageKind,
    pub reference: Option<MessageId>,
    pub body: String,
    pub correction: Option<CorrectionFields>,
    /// The user saw the sensitive-data findings and chose "Send anyway".
    pub allow_sensitive: bool,
}

impl From<Draft> for Outgoing {
    fn from(d: Draft) -> Outgoing {
        let mut outgoing = match (d.reference, d.correction) {
            (Some(of), Some(c)) => {
                Outgoing::correction(of, &d.body, &c.what_was_wrong, &c.correct_information)
            }
            (Some(to), None) => Outgoing::referring(d.kind, to, &d.body),
            (None, _) => Outgoing::text(&d.body),
        };
        outgoing.kind = d.kind;
        outgoing.allow_sensitive = d.allow_sensitive;
        outgoing
    }
}

/// Parses an id the UI got from the core (a pending message's client id,
/// an incident id).
pub fn uuid(raw: &str) -> IpcResult<uuid::Uuid> {
    uuid::Uuid::parse_str(raw).map_err(|_| IpcError {
        code: "invalid_id".to_owned(),
        message: "That is not an id this app made".to_owned(),
    })
}
