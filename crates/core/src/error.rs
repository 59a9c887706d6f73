//! The core's error type. Each variant has a stable [`CoreError::code`] that
//! the app maps to a human sentence; messages are for logs and developers.

/// Everything that can go wrong in the client engine.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The server could not be reached. The action was not lost if it went
    /// through the outbox.
    #[error("the server is unreachable: {0}")]
    Offline(String),
    /// The server could not be reached at all (no connection was made), so
    /// the request certainly did not arrive. Otherwise like [`Offline`].
    ///
    /// [`Offline`]: CoreError::Offline
    #[error("the server is unreachable: {0}")]
    Unreachable(String),
    /// The server refused the request with `{code, message}`.
    #[error("{message}")]
    Server {
        status: u16,
        code: String,
        message: String,
    },
    /// No account is signed in on this mirror.
    #[error("no account is signed in")]
    NotSignedIn,
    /// The mirror belongs to another account.
    #[error("this data directory belongs to @{0}; use another one for a second account")]
    AccountMismatch(String),
    /// Input rejected before it left the device.
    #[error("{message}")]
    Invalid { code: &'static str, message: String },
    /// The thing asked for is not in the mirror.
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("local storage failed: {0}")]
    Storage(#[from] rusqlite::Error),
    #[error("{0}")]
    Internal(String),
}

impl CoreError {
    /// The stable machine-readable code.
    pub fn code(&self) -> &str {
        match self {
            CoreError::Offline(_) | CoreError::Unreachable(_) => "offline",
            CoreError::Server { code, .. } => code,
            CoreError::NotSignedIn => "not_signed_in",
            CoreError::AccountMismatch(_) => "account_mismatch",
            CoreError::Invalid { code, .. } => code,
            CoreError::NotFound(_) => "not_found",
            CoreError::Storage(_) => "storage",
            CoreError::Internal(_) => "internal",
        }
    }

    /// Whether retrying the same request later may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            CoreError::Offline(_) | CoreError::Unreachable(_) => true,
            // The urgent-notice and report limits are rules, not congestion:
            // an urgent notice delivered an hour late would mislead, and a
            // report retried for a day would hold up everything queued
            // behind it.
            CoreError::Server { code, .. } if code == "urgent_limit" || code == "report_limit" => {
                false
            }
            CoreError::Server { status, .. } => *status == 429 || *status == 408 || *status >= 500,
            _ => false,
        }
    }

    /// Whether the request certainly did not take effect on the server: no
    /// connection was made, or the server answered that it refused it (a
    /// 4xx). After a lost answer or a 5xx it may have.
    pub fn certainly_unsent(&self) -> bool {
        match self {
            CoreError::Unreachable(_) => true,
            CoreError::Server { status, .. } => (400..500).contains(status),
            _ => false,
        }
    }

    /// Whether this is the server being out of reach, whatever the cause.
    pub fn is_offline(&self) -> bool {
        matches!(self, CoreError::Offline(_) | CoreError::Unreachable(_))
    }

    pub(crate) fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        CoreError::Invalid {
            code,
            message: message.into(),
        }
    }
}

impl From<serde_json::Error> for CoreError {
    fn from(e: serde_json::Error) -> Self {
        CoreError::Internal(format!("Encoding: {e}"))
    }
}

pub type CoreResult<T> = Result<T, CoreError>;
