//! The shell's own IPC types. Everything else crossing IPC is a core read
//! model (already serde). Errors always cross as [`IpcError`].

use candor_core::{CoreError, SyncStatus};
use candor_proto::Profile;
use serde::Serialize;

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
