//! Local preferences kept in the mirror's `settings` table: app settings and
//! per-conversation drafts. They never leave the device.

use candor_proto::ConversationId;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, CoreResult};

/// Colour theme.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

/// The user's settings on this device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(default)]
pub struct Settings {
    /// System notifications for new messages.
    pub notifications: bool,
    /// Show the message text in notifications (otherwise only the sender).
    pub show_preview: bool,
    /// Do-not-disturb hours, in minutes after local midnight.
    pub dnd_enabled: bool,
    pub dnd_start: u16,
    pub dnd_end: u16,
    /// Conversations that never notify.
    pub muted: Vec<ConversationId>,
    pub theme: Theme,
    /// Seconds a message waits on this device, cancellable, before it
    /// leaves (0 sends at once; at most [`MAX_HOLD_SECONDS`]).
    pub hold_seconds: u16,
    /// Show every message with its recipients and findings before sending.
    pub read_it_over: bool,
    /// The editable wording of "please disregard" (retraction) messages.
    pub retraction_template: String,
    /// The editable wording of apologies.
    pub apology_template: String,
    /// Urgent notices notify even during do-not-disturb hours.
    pub urgent_breaks_dnd: bool,
}

/// The longest hold a user can choose.
pub const MAX_HOLD_SECONDS: u16 = 120;

pub const DEFAULT_RETRACTION_TEMPLATE: &str =
    "Please disregard my earlier message. It was sent by mistake; please do not act on it or share it.";
pub const DEFAULT_APOLOGY_TEMPLATE: &str =
    "I am sorry about my earlier message. It was not how I want to speak to you, and I apologise.";

impl Default for Settings {
    fn default() -> Self {
        Settings {
            notifications: true,
            show_preview: true,
            dnd_enabled: false,
            dnd_start: 22 * 60,
            dnd_end: 7 * 60,
            muted: Vec::new(),
            theme: Theme::System,
            hold_seconds: 10,
            read_it_over: false,
            retraction_template: DEFAULT_RETRACTION_TEMPLATE.to_owned(),
            apology_template: DEFAULT_APOLOGY_TEMPLATE.to_owned(),
            urgent_breaks_dnd: true,
        }
    }
}

impl Settings {
    /// Refuses settings the app cannot honour.
    pub fn validate(&self) -> CoreResult<()> {
        if self.hold_seconds > MAX_HOLD_SECONDS {
            return Err(CoreError::invalid(
                "invalid_hold",
                format!("The hold can be at most {MAX_HOLD_SECONDS} seconds"),
            ));
        }
        if self.dnd_start >= 24 * 60 || self.dnd_end >= 24 * 60 {
            return Err(CoreError::invalid(
                "invalid_dnd",
                "Do-not-disturb hours must be within a day",
            ));
        }
        for (name, template) in [
            ("retraction", &self.retraction_template),
            ("apology", &self.apology_template),
        ] {
            if candor_proto::normalise_body(template).is_err() {
                return Err(CoreError::invalid(
                    "invalid_template",
                    format!(
                        "The {name} wording must be between 1 and {} characters",
                        candor_proto::MAX_BODY_CHARS
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The hold before a message leaves, clamped to what the setting allows.
    pub fn hold(&self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(self.hold_seconds.min(MAX_HOLD_SECONDS)))
    }

    /// Whether `minute` (after local midnight) falls in the do-not-disturb
    /// window; the window may wrap past midnight.
    pub fn in_dnd(&self, minute: u16) -> bool {
        if !self.dnd_enabled || self.dnd_start == self.dnd_end {
            return false;
        }
        if self.dnd_start < self.dnd_end {
            (self.dnd_start..self.dnd_end).contains(&minute)
        } else {
            minute >= self.dnd_start || minute < self.dnd_end
        }
    }
}

const SETTINGS_KEY: &str = "settings";

fn draft_key(conversation: ConversationId) -> String {
    format!("draft:{conversation}")
}

pub fn load_settings(conn: &Connection) -> CoreResult<Settings> {
    let raw: Option<String> = conn
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [SETTINGS_KEY],
            |r| r.get(0),
        )
        .optional()?;
    // Settings written by an older version may lack fields: defaults fill in.
    Ok(raw
        .and_then(|r| serde_json::from_str(&r).ok())
        .unwrap_or_default())
}

pub fn save_settings(tx: &Transaction<'_>, settings: &Settings) -> CoreResult<()> {
    tx.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![SETTINGS_KEY, serde_json::to_string(settings)?],
    )?;
    Ok(())
}

pub fn load_draft(conn: &Connection, conversation: ConversationId) -> CoreResult<String> {
    let raw: Option<String> = conn
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [draft_key(conversation)],
            |r| r.get(0),
        )
        .optional()?;
    Ok(raw
        .and_then(|r| serde_json::from_str(&r).ok())
        .unwrap_or_default())
}

pub fn save_draft(
    tx: &Transaction<'_>,
    conversation: ConversationId,
    text: &str,
) -> CoreResult<()> {
    if text.is_empty() {
        tx.execute(
            "DELETE FROM settings WHERE key = ?1",
            [draft_key(conversation)],
        )?;
    } else {
        tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![draft_key(conversation), serde_json::to_string(text)?],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dnd_windows_may_wrap_past_midnight() {
        let mut s = Settings {
            dnd_enabled: true,
            dnd_start: 22 * 60,
            dnd_end: 7 * 60,
            ..Settings::default()
        };
        assert!(s.in_dnd(23 * 60));
        assert!(s.in_dnd(3 * 60));
        assert!(!s.in_dnd(12 * 60));
        assert!(!s.in_dnd(7 * 60));
        s.dnd_start = 12 * 60;
        s.dnd_end = 13 * 60;
        assert!(s.in_dnd(12 * 60 + 30));
        assert!(!s.in_dnd(14 * 60));
        s.dnd_enabled = false;
        assert!(!s.in_dnd(12 * 60 + 30));
    }
}
