//! Candor's desktop shell: a thin Tauri layer over `candor-core`.
//!
//! It opens the core's client on the app's data directory with the OS
//! keychain as token store, exposes the core through commands
//! ([`commands`]), forwards core events to the web view, keeps the window
//! title's unread count current, and delivers the notifications that
//! [`candor_core::Notifier`] plans. It holds no business logic.

mod commands;
mod dto;
mod notifications;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use candor_core::keychain::KeychainTokenStore;
use candor_core::{Client, ClientConfig, ClientEvent, Focus, Notifier};
use candor_proto::ConversationId;
use tauri::{AppHandle, Emitter, Manager, WindowEvent};

/// The startup mark, also served by the bare benchmark window (`candor-bare`).
pub use commands::ui_ready;

/// Events the UI listens to.
pub const EVENT: &str = "candor://event";
pub const OPEN_CONVERSATION: &str = "candor://open-conversation";

/// The shell's state, shared by every command.
#[derive(Debug)]
pub struct Shell {
    pub client: Client,
    pub default_server_url: String,
    pub device_name: String,
    focus: Mutex<Focus>,
    notifier: Mutex<Notifier>,
}

impl Shell {
    fn set_active(&self, conversation: Option<ConversationId>) {
        if let Ok(mut f) = self.focus.lock() {
            f.active_conversation = conversation;
        }
        if let Some(c) = conversation {
            self.notifier_seen(c);
        }
    }

    fn set_focused(&self, focused: bool) {
        if let Ok(mut f) = self.focus.lock() {
            f.window_focused = focused;
        }
    }

    fn notifier_seen(&self, conversation: ConversationId) {
        if let Ok(mut n) = self.notifier.lock() {
            n.seen(conversation);
        }
    }
}

fn data_dir(app: &AppHandle) -> PathBuf {
    if let Some(dir) = std::env::var_os("CANDOR_DATA_DIR") {
        return PathBuf::from(dir);
    }
    app.path()
        .app_data_dir()
        .unwrap_or_else(|_| PathBuf::from("candor-data"))
        .join("account")
}

/// Where exported transcripts go: `CANDOR_EXPORT_DIR`, else a "Candor
/// transcripts" folder in the user's Downloads (or Documents, or home).
pub(crate) fn export_dir(app: &AppHandle) -> PathBuf {
    if let Some(dir) = std::env::var_os("CANDOR_EXPORT_DIR") {
        return PathBuf::from(dir);
    }
    let path = app.path();
    path.download_dir()
        .or_else(|_| path.document_dir())
        .or_else(|_| path.home_dir())
        .unwrap_or_else(|_| PathBuf::from("."))
        .join("Candor transcripts")
}

fn device_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty());
    match host {
        Some(h) => format!("Candor on {h}"),
        None => "Candor desktop".to_owned(),
    }
}

/// Window title with the total unread count.
async fn refresh_title(app: &AppHandle, client: &Client) {
    let unread: i64 = client
        .conversations()
        .await
        .map(|list| list.iter().map(|c| c.unread).sum())
        .unwrap_or(0);
    if let Some(window) = app.get_webview_window("main") {
        let title = if unread > 0 {
            format!("Candor ({unread})")
        } else {
            "Candor".to_owned()
        };
        let _ = window.set_title(&title);
    }
}

/// Forwards core events to the UI and turns new messages into notifications.
async fn forward_events(app: AppHandle, shell: Arc<Shell>) {
    let mut events = shell.client.subscribe();
    refresh_title(&app, &shell.client).await;
    loop {
        let event = match events.recv().await {
            Ok(event) => event,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        };
        let _ = app.emit(EVENT, &event);
        match &event {
            ClientEvent::MessagesArrived { messages } => {
                let settings = shell.client.settings().await.unwrap_or_default();
                let focus = shell.focus.lock().map(|f| *f).unwrap_or_default();
                let now = chrono::Local::now();
                let minute = u16::try_from(
                    chrono::Timelike::hour(&now) * 60 + chrono::Timelike::minute(&now),
                )
                .unwrap_or(0);
                let planned = shell
                    .notifier
                    .lock()
                    .map(|mut n| n.plan(&settings, focus, now.timestamp_millis(), minute, messages))
                    .unwrap_or_default();
                for notification in planned {
                    notifications::deliver(app.clone(), notification);
                }
                refresh_title(&app, &shell.client).await;
            }
            ClientEvent::Notice { notice } => {
                notifications::deliver(
                    app.clone(),
                    candor_core::notify::moderation_notification(notice),
                );
            }
            ClientEvent::ConversationChanged { .. } | ClientEvent::SignedOut => {
                refresh_title(&app, &shell.client).await;
            }
            _ => {}
        }
    }
}

/// How often unread urgent notices repeat: two minutes, or
/// `CANDOR_URGENT_REPEAT_SECONDS` (at least 5) where a deployment or a test
/// needs another rhythm.
fn urgent_repeat_ms() -> i64 {
    std::env::var("CANDOR_URGENT_REPEAT_SECONDS")
        .ok()
        .and_then(|v| v.parse::<i64>().ok())
        .map_or(candor_core::incident::URGENT_REPEAT_MS, |s| s.max(5) * 1000)
}

/// Shows what is due: repeats of unread urgent notices and reminders about
/// your own unread messages. The rules are in `candor_core`.
async fn run_alerts(app: AppHandle, shell: Arc<Shell>) {
    let every = urgent_repeat_ms();
    let tick = std::time::Duration::from_millis(
        u64::try_from((every / 4).clamp(1_000, 15_000)).unwrap_or(15_000),
    );
    let mut interval = tokio::time::interval(tick);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        let now = chrono::Local::now();
        let minute =
            u16::try_from(chrono::Timelike::hour(&now) * 60 + chrono::Timelike::minute(&now))
                .unwrap_or(0);
        match shell
            .client
            .due_alerts(now.timestamp_millis(), every, minute)
            .await
        {
            Ok(due) => {
                for notification in due {
                    notifications::deliver(app.clone(), notification);
                }
            }
            Err(candor_core::CoreError::NotSignedIn) => {}
            Err(e) => tracing::warn!(error = %e, "alerts could not be checked"),
        }
    }
}

/// Builds and runs the app.
pub fn run() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .try_init();
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            // A second start focuses the running window instead.
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.show();
                let _ = window.set_focus();
            }
        }))
        .setup(|app| {
            let dir = data_dir(app.handle());
            let client = tauri::async_runtime::block_on(Client::open(
                ClientConfig { data_dir: dir },
                Arc::new(KeychainTokenStore),
            ))?;
            let shell = Arc::new(Shell {
                client,
                default_server_url: std::env::var("CANDOR_SERVER_URL")
                    .unwrap_or_else(|_| "http://127.0.0.1:8470".to_owned()),
                device_name: device_name(),
                focus: Mutex::new(Focus::default()),
                notifier: Mutex::new(Notifier::default()),
            });
            app.manage(ShellRef(Arc::clone(&shell)));
            tauri::async_runtime::spawn(forward_events(app.handle().clone(), Arc::clone(&shell)));
            tauri::async_runtime::spawn(run_alerts(app.handle().clone(), shell));
            Ok(())
        })
        .on_window_event(|window, event| {
            if let WindowEvent::Focused(focused) = event {
                if let Some(shell) = window.app_handle().try_state::<ShellRef>() {
                    shell.0.set_focused(*focused);
                }
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::session_state,
            commands::sign_up,
            commands::sign_in,
            commands::sign_out,
            commands::list_conversations,
            commands::get_conversation,
            commands::list_messages,
            commands::list_pending,
            commands::send_message,
            commands::check_send,
            commands::cancel_pending,
            commands::send_now,
            commands::note_recipient_picked,
            commands::export_transcript,
            commands::open_incident,
            commands::list_incidents,
            commands::get_incident,
            commands::update_step,
            commands::close_incident,
            commands::remind_if_unread,
            commands::urgent_allowance,
            commands::block_user,
            commands::unblock_user,
            commands::list_blocked,
            commands::report_user,
            commands::list_reports,
            commands::list_queued_safety,
            commands::discard_queued_safety,
            commands::list_notices,
            commands::mark_read,
            commands::search_messages,
            commands::integrity_alarms,
            commands::set_active_conversation,
            commands::list_connections,
            commands::invite,
            commands::accept_invitation,
            commands::decline_invitation,
            commands::search_directory,
            commands::open_direct,
            commands::create_group,
            commands::fetch_profile,
            commands::update_profile,
            commands::get_settings,
            commands::save_settings,
            commands::get_draft,
            commands::save_draft,
            commands::ui_ready,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("Candor could not start: {e}");
        std::process::exit(1);
    }
}

/// Managed state wrapper, so commands get `State<Shell>` through deref.
#[derive(Debug)]
pub struct ShellRef(pub Arc<Shell>);

impl std::ops::Deref for ShellRef {
    type Target = Shell;
    fn deref(&self) -> &Shell {
        &self.0
    }
}
