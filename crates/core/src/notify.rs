//! What to notify, and when. The desktop shell delivers what
//! [`Notifier::plan`] returns; every rule lives here so it can be tested
//! without a desktop.
//!
//! Rules: nothing when notifications are off, for muted conversations, or
//! during do-not-disturb hours (urgent notices excepted); nothing for the
//! conversation on screen while the window has focus; one notification per
//! conversation per batch, and a conversation that notified in the last
//! [`GROUP_WINDOW_MS`] gets its new messages folded into an updated
//! "N new messages" notification instead of a new one, so a burst does not
//! flood the screen.

use std::collections::HashMap;

use candor_proto::{ConversationId, MessageKind};
use serde::{Deserialize, Serialize};

use crate::model::IncomingMessage;
use crate::prefs::Settings;

/// Messages that arrive within this time of a conversation's last
/// notification replace it rather than adding another.
pub const GROUP_WINDOW_MS: i64 = 60_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Normal,
    Critical,
}

/// A notification to show (or to update, when `replaces` is set).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PlannedNotification {
    pub conversation_id: ConversationId,
    pub summary: String,
    pub body: String,
    pub urgency: Urgency,
    /// Same-conversation notification to replace, if the platform can.
    pub replaces: bool,
}

/// Where the user is looking.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Focus {
    pub window_focused: bool,
    pub active_conversation: Option<ConversationId>,
}

#[derive(Debug, Clone)]
struct Recent {
    at: i64,
    count: usize,
}

/// Decides notifications; keeps the little state grouping needs.
#[derive(Debug, Default)]
pub struct Notifier {
    recent: HashMap<ConversationId, Recent>,
}

fn preview(body: &str) -> String {
    let line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > 120 {
        let mut s: String = line.chars().take(119).collect();
        s.push('…');
        s
    } else {
        line
    }
}

/// A moderator's notice, as a system notification (always shown: it
/// concerns the account itself).
pub fn moderation_notification(notice: &candor_proto::ModerationNotice) -> PlannedNotification {
    PlannedNotification {
        conversation_id: ConversationId(0),
        summary: "A notice from Candor's moderators".to_owned(),
        body: preview(&notice.text),
        urgency: Urgency::Critical,
        replaces: false,
    }
}

impl Notifier {
    /// Plans notifications for newly arrived messages. `now` is ms since
    /// the epoch; `local_minute` is minutes after local midnight.
    pub fn plan(
        &mut self,
        settings: &Settings,
        focus: Focus,
        now: i64,
        local_minute: u16,
        incoming: &[IncomingMessage],
    ) -> Vec<PlannedNotification> {
        self.recent.retain(|_, r| now - r.at < GROUP_WINDOW_MS);
        if !settings.notifications {
            return Vec::new();
        }
        let dnd = settings.in_dnd(local_minute);
        // Group per conversation, keeping arrival order of conversations.
        let mut order: Vec<ConversationId> = Vec::new();
        let mut groups: HashMap<ConversationId, Vec<&IncomingMessage>> = HashMap::new();
        for m in incoming {
            if settings.muted.contains(&m.conversation_id) {
                continue;
            }
            if focus.window_focused && focus.active_conversation == Some(m.conversation_id) {
                continue;
            }
            let urgent = m.kind == MessageKind::Urgent;
            if dnd && !(urgent && settings.urgent_breaks_dnd) {
                continue;
            }
            if !groups.contains_key(&m.conversation_id) {
                order.push(m.conversation_id);
            }
            groups.entry(m.conversation_id).or_default().push(m);
        }
        let mut out = Vec::new();
        for conversation in order {
            let Some(messages) = groups.remove(&conversation) else {
                continue;
            };
            let Some(last) = messages.last() else {
                continue;
            };
            let urgent = messages.iter().any(|m| m.kind == MessageKind::Urgent);
            let previous = self.recent.get(&conversation).map_or(0, |r| r.count);
            let total = previous + messages.len();
            let corrected = messages.iter().any(|m| m.kind == MessageKind::Correction);
            let summary = if urgent {
                format!("Urgent: {}", last.sender_name)
            } else if corrected && total == 1 {
                format!("{} corrected a message", last.sender_name)
            } else {
                last.sender_name.clone()
            };
            let body = if total > 1 {
                if settings.show_preview {
                    format!("{total} new messages — {}", preview(&last.body))
                } else {
                    format!("{total} new messages")
                }
            } else if settings.show_preview {
                preview(&last.body)
            } else {
                "New message".to_owned()
            };
            out.push(PlannedNotification {
                conversation_id: conversation,
                summary,
                body,
                urgency: if urgent {
                    Urgency::Critical
                } else {
                    Urgency::Normal
                },
                replaces: previous > 0,
            });
            self.recent.insert(
                conversation,
                Recent {
                    at: now,
                    count: total,
                },
            );
        }
        out
    }

    /// Forgets grouping for a conversation (the user opened it).
    pub fn seen(&mut self, conversation: ConversationId) {
        self.recent.remove(&conversation);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candor_proto::{MessageId, UserId};

    fn msg(conversation: i64, kind: MessageKind, body: &str) -> IncomingMessage {
        IncomingMessage {
            conversation_id: ConversationId(conversation),
            message_id: MessageId(1),
            sender: UserId(2),
            sender_name: "Bob Okafor".into(),
            kind,
            body: body.into(),
        }
    }

    const T0: i64 = 1_764_000_000_000;

    #[test]
    fn a_message_in_the_background_notifies_with_a_preview() {
        let mut n = Notifier::default();
        let out = n.plan(
            &Settings::default(),
            Focus::default(),
            T0,
            600,
            &[msg(1, MessageKind::Text, "Lunch at 12?")],
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].summary, "Bob Okafor");
        assert_eq!(out[0].body, "Lunch at 12?");
        assert_eq!(out[0].urgency, Urgency::Normal);
        assert!(!out[0].replaces);
    }

    #[test]
    fn previews_off_shows_only_the_sender() {
        let mut n = Notifier::default();
        let settings = Settings {
            show_preview: false,
            ..Settings::default()
        };
        let out = n.plan(
            &settings,
            Focus::default(),
            T0,
            600,
            &[msg(1, MessageKind::Text, "secret plan")],
        );
        assert_eq!(out[0].body, "New message");
        assert!(!out[0].body.contains("secret"));
    }

    #[test]
    fn a_burst_becomes_one_notification_then_updates_it() {
        let mut n = Notifier::default();
        let burst: Vec<_> = (0..5)
            .map(|i| msg(1, MessageKind::Text, &format!("line {i}")))
            .collect();
        let out = n.plan(&Settings::default(), Focus::default(), T0, 600, &burst);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].body, "5 new messages — line 4");
        let out = n.plan(
            &Settings::default(),
            Focus::default(),
            T0 + 10_000,
            600,
            &[msg(1, MessageKind::Text, "one more")],
        );
        assert_eq!(out[0].body, "6 new messages — one more");
        assert!(out[0].replaces);
        // After the grouping window a new notification starts afresh.
        let out = n.plan(
            &Settings::default(),
            Focus::default(),
            T0 + 10_000 + GROUP_WINDOW_MS,
            600,
            &[msg(1, MessageKind::Text, "later")],
        );
        assert_eq!(out[0].body, "later");
        assert!(!out[0].replaces);
    }

    #[test]
    fn muted_focused_off_and_dnd_stay_quiet_but_urgent_breaks_through_dnd() {
        let mut n = Notifier::default();
        let text = [msg(1, MessageKind::Text, "hi")];
        let muted = Settings {
            muted: vec![ConversationId(1)],
            ..Settings::default()
        };
        assert!(n.plan(&muted, Focus::default(), T0, 600, &text).is_empty());
        let off = Settings {
            notifications: false,
            ..Settings::default()
        };
        assert!(n.plan(&off, Focus::default(), T0, 600, &text).is_empty());
        let focused = Focus {
            window_focused: true,
            active_conversation: Some(ConversationId(1)),
        };
        assert!(n
            .plan(&Settings::default(), focused, T0, 600, &text)
            .is_empty());
        // Focused on another conversation still notifies.
        let elsewhere = Focus {
            window_focused: true,
            active_conversation: Some(ConversationId(9)),
        };
        assert_eq!(
            n.plan(&Settings::default(), elsewhere, T0, 600, &text)
                .len(),
            1
        );
        let mut n = Notifier::default();
        let dnd = Settings {
            dnd_enabled: true,
            dnd_start: 22 * 60,
            dnd_end: 7 * 60,
            ..Settings::default()
        };
        assert!(n
            .plan(&dnd, Focus::default(), T0, 23 * 60, &text)
            .is_empty());
        let urgent = n.plan(
            &dnd,
            Focus::default(),
            T0,
            23 * 60,
            &[msg(1, MessageKind::Urgent, "Call me now")],
        );
        assert_eq!(urgent.len(), 1);
        assert_eq!(urgent[0].urgency, Urgency::Critical);
        assert_eq!(urgent[0].summary, "Urgent: Bob Okafor");
    }

    #[test]
    fn a_correction_says_so() {
        let mut n = Notifier::default();
        let out = n.plan(
            &Settings::default(),
            Focus::default(),
            T0,
            600,
            &[msg(1, MessageKind::Correction, "It is Thursday")],
        );
        assert_eq!(out[0].summary, "Bob Okafor corrected a message");
    }
}
