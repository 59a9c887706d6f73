//! [`KeychainTokenStore`]: tokens in the operating system's credential store
//! (Secret Service on Linux, Keychain on macOS, Credential Manager on
//! Windows) through the `keyring` crate.

use crate::token::TokenStore;

/// The keychain service name Candor's entries are filed under.
pub const SERVICE: &str = "app.candor.desktop";

/// A [`TokenStore`] in the OS keychain.
#[derive(Debug, Default, Clone, Copy)]
pub struct KeychainTokenStore;

fn entry(account: &str) -> Result<keyring::Entry, String> {
    keyring::Entry::new(SERVICE, account).map_err(|e| format!("Keychain: {e}"))
}

impl TokenStore for KeychainTokenStore {
    fn load(&self, account: &str) -> Result<Option<String>, String> {
        match entry(account)?.get_password() {
            Ok(token) => Ok(Some(token)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(format!("Keychain: {e}")),
        }
    }
    fn save(&self, account: &str, token: &str) -> Result<(), String> {
        entry(account)?
            .set_password(token)
            .map_err(|e| format!("Keychain: {e}"))
    }
    fn delete(&self, account: &str) -> Result<(), String> {
        match entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(format!("Keychain: {e}")),
        }
    }
}
