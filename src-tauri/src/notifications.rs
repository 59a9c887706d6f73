//! Delivers planned notifications through the desktop's notification
//! service (`notify-rust`: D-Bus on Linux, Notification Center on macOS,
//! toasts on Windows). What to notify is decided in `candor_core::notify`.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use candor_core::{PlannedNotification, Urgency};
use candor_proto::ConversationId;
use tauri::{AppHandle, Emitter, Manager};

use crate::OPEN_CONVERSATION;

/// The last notification id shown per conversation, so an update replaces it.
fn shown() -> &'static Mutex<HashMap<ConversationId, u32>> {
    static SHOWN: OnceLock<Mutex<HashMap<ConversationId, u32>>> = OnceLock::new();
    SHOWN.get_or_init(Mutex::default)
}

/// Shows a notification on a background thread; a click on it focuses the
/// window and opens the conversation (where the platform reports clicks).
pub fn deliver(app: AppHandle, planned: PlannedNotification) {
    std::thread::spawn(move || {
        let mut n = notify_rust::Notification::new();
        n.appname("Candor")
            .summary(&planned.summary)
            .body(&planned.body)
            .icon("mail-message-new");
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            n.urgency(match planned.urgency {
                Urgency::Critical => notify_rust::Urgency::Critical,
                Urgency::Normal => notify_rust::Urgency::Normal,
            })
            .hint(notify_rust::Hint::Category("im.received".to_owned()))
            .action("default", "Open");
            if planned.replaces {
                if let Some(id) = shown()
                    .lock()
                    .ok()
                    .and_then(|m| m.get(&planned.conversation_id).copied())
                {
                    n.id(id);
                }
            }
        }
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        let _ = planned.urgency;
        let handle = match n.show() {
            Ok(handle) => handle,
            Err(e) => {
                tracing::warn!(error = %e, "notification could not be shown");
                return;
            }
        };
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            if let Ok(mut m) = shown().lock() {
                m.insert(planned.conversation_id, handle.id());
            }
            let conversation = planned.conversation_id;
            handle.wait_for_action(|action| {
                if action == "default" {
                    if let Some(window) = app.get_webview_window("main") {
                        let _ = window.unminimize();
                        let _ = window.show();
                        let _ = window.set_focus();
                    }
                    let _ = app.emit(OPEN_CONVERSATION, conversation);
                }
            });
        }
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        let _ = (handle, app);
    });
}
