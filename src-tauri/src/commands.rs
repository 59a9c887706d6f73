//! Tauri commands: each parses its arguments, calls one core function and
//! returns a DTO. No business logic lives here.

use candor_core::incident::{Incident, IncidentCase};
use candor_core::incidents::{IncidentView, StepUpdate, UrgentAllowance};
use candor_core::safety::{
    BlockOutcome, BlockedPerson, QueuedSafetyAction, ReportDraft, ReportSubmission,
};
use candor_core::transcript::TranscriptFiles;
use candor_core::{
    ConversationSummary, IntegrityAlarm, MessageView, Page, PendingMessage, SearchHit, SendCheck,
    Settings,
};
use candor_proto::{
    Connection, ConversationId, DirectoryEntry, MessageId, ModerationNotice, Profile,
    ProfileUpdate, ReportView, UserId,
};
use tauri::State;

use crate::dto::{Draft, IpcResult, SessionState};
use crate::ShellRef;

#[tauri::command(rename_all = "snake_case")]
pub async fn session_state(shell: State<'_, ShellRef>) -> IpcResult<SessionState> {
    let client = &shell.client;
    let has_history = client.account_user().await?.is_some();
    let signed_in = client.user_id().is_some();
    Ok(SessionState {
        signed_in,
        me: if has_history {
            client.my_profile().await.ok()
        } else {
            None
        },
        status: client.sync_status(),
        default_server_url: client
            .server_url()
            .await?
            .unwrap_or_else(|| shell.default_server_url.clone()),
        device_name: shell.device_name.clone(),
        has_history,
    })
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sign_up(
    shell: State<'_, ShellRef>,
    server_url: String,
    handle: String,
    display_name: String,
    password: String,
    device_name: String,
) -> IpcResult<Profile> {
    Ok(shell
        .client
        .sign_up(&server_url, &handle, &display_name, &password, &device_name)
        .await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sign_in(
    shell: State<'_, ShellRef>,
    server_url: String,
    handle: String,
    password: String,
    device_name: String,
) -> IpcResult<Profile> {
    Ok(shell
        .client
        .sign_in(&server_url, &handle, &password, &device_name)
        .await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sign_out(shell: State<'_, ShellRef>) -> IpcResult<()> {
    Ok(shell.client.sign_out().await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn list_conversations(shell: State<'_, ShellRef>) -> IpcResult<Vec<ConversationSummary>> {
    Ok(shell.client.conversations().await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn get_conversation(
    shell: State<'_, ShellRef>,
    conversation_id: ConversationId,
) -> IpcResult<ConversationSummary> {
    Ok(shell.client.conversation(conversation_id).await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn list_messages(
    shell: State<'_, ShellRef>,
    conversation_id: ConversationId,
    page: Page,
) -> IpcResult<Vec<MessageView>> {
    Ok(shell.client.messages(conversation_id, page).await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn list_pending(
    shell: State<'_, ShellRef>,
    conversation_id: ConversationId,
) -> IpcResult<Vec<PendingMessage>> {
    Ok(shell.client.pending(Some(conversation_id)).await?)
}

/// Queues a message with this device's hold; returns its client id.
#[tauri::command(rename_all = "snake_case")]
pub async fn send_message(
    shell: State<'_, ShellRef>,
    conversation_id: ConversationId,
    draft: Draft,
) -> IpcResult<String> {
    Ok(shell
        .client
        .send_with_hold(conversation_id, draft.into())
        .await?
        .to_string())
}

/// What to show before sending `body`: findings, tone, recipient cards.
#[tauri::command(rename_all = "snake_case")]
pub async fn check_send(
    shell: State<'_, ShellRef>,
    conversation_id: ConversationId,
    body: String,
) -> IpcResult<SendCheck> {
    Ok(shell.client.check_send(conversation_id, &body).await?)
}

/// Cancels a message still on this device; returns its text.
#[tauri::command(rename_all = "snake_case")]
pub async fn cancel_pending(shell: State<'_, ShellRef>, client_id: String) -> IpcResult<String> {
    Ok(shell
        .client
        .cancel_pending(crate::dto::uuid(&client_id)?)
        .await?)
}

/// Ends a message's hold: it leaves now.
#[tauri::command(rename_all = "snake_case")]
pub async fn send_now(shell: State<'_, ShellRef>, client_id: String) -> IpcResult<()> {
    Ok(shell.client.send_now(crate::dto::uuid(&client_id)?).await?)
}

/// Writes the conversation's verifiable transcript (JSON) and a readable
/// copy (HTML) to the export folder; returns both paths.
#[tauri::command(rename_all = "snake_case")]
pub async fn export_transcript(
    app: tauri::AppHandle,
    shell: State<'_, ShellRef>,
    conversation_id: ConversationId,
) -> IpcResult<TranscriptFiles> {
    let dir = crate::export_dir(&app);
    Ok(shell
        .client
        .export_transcript_files(conversation_id, &dir)
        .await?)
}

/// "Something is wrong with this message": opens an incident.
#[tauri::command(rename_all = "snake_case")]
pub async fn open_incident(
    shell: State<'_, ShellRef>,
    message_id: MessageId,
    case: IncidentCase,
) -> IpcResult<IncidentView> {
    Ok(shell.client.open_incident(message_id, case).await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn list_incidents(shell: State<'_, ShellRef>) -> IpcResult<Vec<Incident>> {
    Ok(shell.client.incidents().await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn get_incident(
    shell: State<'_, ShellRef>,
    incident_id: String,
) -> IpcResult<IncidentView> {
    Ok(shell
        .client
        .incident(crate::dto::uuid(&incident_id)?)
        .await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn update_step(
    shell: State<'_, ShellRef>,
    incident_id: String,
    step_id: String,
    update: StepUpdate,
) -> IpcResult<IncidentView> {
    Ok(shell
        .client
        .update_step(crate::dto::uuid(&incident_id)?, step_id, update)
        .await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn close_incident(
    shell: State<'_, ShellRef>,
    incident_id: String,
) -> IpcResult<IncidentView> {
    Ok(shell
        .client
        .close_incident(crate::dto::uuid(&incident_id)?)
        .await?)
}

/// Returns when the reminder is due (ms since the epoch).
#[tauri::command(rename_all = "snake_case")]
pub async fn remind_if_unread(
    shell: State<'_, ShellRef>,
    message_id: MessageId,
    minutes: u32,
    incident_id: Option<String>,
) -> IpcResult<i64> {
    let incident = incident_id.as_deref().map(crate::dto::uuid).transpose()?;
    Ok(shell
        .client
        .remind_if_unread(message_id, minutes, incident)
        .await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn urgent_allowance(
    shell: State<'_, ShellRef>,
    conversation_id: ConversationId,
) -> IpcResult<UrgentAllowance> {
    Ok(shell.client.urgent_allowance(conversation_id).await?)
}

/// Blocks someone (the server enforces it everywhere; they are not told).
#[tauri::command(rename_all = "snake_case")]
pub async fn block_user(shell: State<'_, ShellRef>, user_id: UserId) -> IpcResult<BlockOutcome> {
    Ok(shell.client.block(user_id).await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn unblock_user(shell: State<'_, ShellRef>, user_id: UserId) -> IpcResult<BlockOutcome> {
    Ok(shell.client.unblock(user_id).await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn list_blocked(shell: State<'_, ShellRef>) -> IpcResult<Vec<BlockedPerson>> {
    Ok(shell.client.blocked().await?)
}

/// Reports someone with messages from this device as evidence.
#[tauri::command(rename_all = "snake_case")]
pub async fn report_user(
    shell: State<'_, ShellRef>,
    draft: ReportDraft,
) -> IpcResult<ReportSubmission> {
    Ok(shell.client.report(draft).await?)
}

/// Blocks, unblocks and reports waiting for the server, or refused by it.
#[tauri::command(rename_all = "snake_case")]
pub async fn list_queued_safety(shell: State<'_, ShellRef>) -> IpcResult<Vec<QueuedSafetyAction>> {
    Ok(shell.client.queued_safety().await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn discard_queued_safety(shell: State<'_, ShellRef>, id: i64) -> IpcResult<()> {
    Ok(shell.client.discard_queued_safety(id).await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn list_reports(shell: State<'_, ShellRef>) -> IpcResult<Vec<ReportView>> {
    Ok(shell.client.reports().await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn list_notices(shell: State<'_, ShellRef>) -> IpcResult<Vec<ModerationNotice>> {
    Ok(shell.client.notices().await?)
}

/// The user picked this conversation's person from the suggestions.
#[tauri::command(rename_all = "snake_case")]
pub async fn note_recipient_picked(
    shell: State<'_, ShellRef>,
    conversation_id: ConversationId,
) -> IpcResult<()> {
    Ok(shell.client.note_recipient_picked(conversation_id).await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn mark_read(
    shell: State<'_, ShellRef>,
    conversation_id: ConversationId,
    seq: i64,
) -> IpcResult<()> {
    shell.notifier_seen(conversation_id);
    Ok(shell.client.mark_read(conversation_id, seq).await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn search_messages(
    shell: State<'_, ShellRef>,
    query: String,
    conversation_id: Option<ConversationId>,
) -> IpcResult<Vec<SearchHit>> {
    Ok(shell.client.search(&query, conversation_id, 50).await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn integrity_alarms(
    shell: State<'_, ShellRef>,
    conversation_id: ConversationId,
) -> IpcResult<Vec<IntegrityAlarm>> {
    Ok(shell.client.integrity_alarms(Some(conversation_id)).await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn set_active_conversation(
    shell: State<'_, ShellRef>,
    conversation_id: Option<ConversationId>,
) -> IpcResult<()> {
    shell.set_active(conversation_id);
    Ok(())
}

#[tauri::command(rename_all = "snake_case")]
pub async fn list_connections(shell: State<'_, ShellRef>) -> IpcResult<Vec<Connection>> {
    Ok(shell.client.connections().await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn invite(shell: State<'_, ShellRef>, handle: String) -> IpcResult<Connection> {
    Ok(shell.client.invite(&handle).await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn accept_invitation(
    shell: State<'_, ShellRef>,
    user_id: UserId,
) -> IpcResult<Connection> {
    Ok(shell.client.accept(user_id).await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn decline_invitation(
    shell: State<'_, ShellRef>,
    user_id: UserId,
) -> IpcResult<Connection> {
    Ok(shell.client.decline(user_id).await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn search_directory(
    shell: State<'_, ShellRef>,
    prefix: String,
) -> IpcResult<Vec<DirectoryEntry>> {
    Ok(shell.client.search_directory(&prefix, 20).await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn open_direct(shell: State<'_, ShellRef>, user_id: UserId) -> IpcResult<ConversationId> {
    Ok(shell.client.open_direct(user_id).await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn create_group(
    shell: State<'_, ShellRef>,
    title: String,
    members: Vec<UserId>,
) -> IpcResult<ConversationId> {
    Ok(shell.client.create_group(&title, members).await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn fetch_profile(shell: State<'_, ShellRef>, user_id: UserId) -> IpcResult<Profile> {
    match shell.client.fetch_profile(user_id).await {
        Err(e) if e.is_offline() => Ok(shell.client.profile(user_id).await?),
        other => Ok(other?),
    }
}

#[tauri::command(rename_all = "snake_case")]
pub async fn update_profile(
    shell: State<'_, ShellRef>,
    update: ProfileUpdate,
) -> IpcResult<Profile> {
    Ok(shell.client.update_profile(update).await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn get_settings(shell: State<'_, ShellRef>) -> IpcResult<Settings> {
    Ok(shell.client.settings().await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn save_settings(shell: State<'_, ShellRef>, settings: Settings) -> IpcResult<()> {
    Ok(shell.client.save_settings(settings).await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn get_draft(
    shell: State<'_, ShellRef>,
    conversation_id: ConversationId,
) -> IpcResult<String> {
    Ok(shell.client.draft(conversation_id).await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn save_draft(
    shell: State<'_, ShellRef>,
    conversation_id: ConversationId,
    text: String,
) -> IpcResult<()> {
    Ok(shell.client.save_draft(conversation_id, text).await?)
}

/// Startup mark for the desktop benchmarks (`scripts/bench-app.sh`): the UI
/// calls this once, after the first frame that shows the conversation list.
/// When the environment variable `CANDOR_STARTUP_MARK` names a file, the first
/// call writes the wall-clock time to it (milliseconds since the Unix epoch,
/// with a fraction); otherwise it does nothing.
#[tauri::command]
pub fn ui_ready() {
    static MARKED: std::sync::Once = std::sync::Once::new();
    MARKED.call_once(|| {
        let Some(path) = std::env::var_os("CANDOR_STARTUP_MARK") else {
            return;
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let ms = now.as_secs_f64() * 1000.0;
        if let Err(e) = std::fs::write(&path, format!("{ms:.3}\n")) {
            tracing::warn!(error = %e, "could not write the startup mark");
        }
    });
}
