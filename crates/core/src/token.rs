//! Where the bearer token lives. The desktop app gives the core the OS
//! keychain; tests give it [`MemoryTokenStore`]. The core never writes a
//! token to its database or to a file.

use std::collections::HashMap;
use std::sync::Mutex;

/// A place for secrets, keyed by account (`server URL` + `#` + user id).
pub trait TokenStore: Send + Sync + 'static {
    fn load(&self, account: &str) -> Result<Option<String>, String>;
    fn save(&self, account: &str, token: &str) -> Result<(), String>;
    fn delete(&self, account: &str) -> Result<(), String>;
}

/// Tokens in memory, for tests and throwaway clients.
#[derive(Debug, Default)]
pub struct MemoryTokenStore {
    tokens: Mutex<HashMap<String, String>>,
}

impl TokenStore for MemoryTokenStore {
    fn load(&self, account: &str) -> Result<Option<String>, String> {
        Ok(self
            .tokens
            .lock()
            .map_err(|e| e.to_string())?
            .get(account)
            .cloned())
    }
    fn save(&self, account: &str, token: &str) -> Result<(), String> {
        self.tokens
            .lock()
            .map_err(|e| e.to_string())?
            .insert(account.to_owned(), token.to_owned());
        Ok(())
    }
    fn delete(&self, account: &str) -> Result<(), String> {
        self.tokens
            .lock()
            .map_err(|e| e.to_string())?
            .remove(account);
        Ok(())
    }
}
