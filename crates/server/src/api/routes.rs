//! Route handlers. Each: parse, validate the caller's input, call the store,
//! publish feed events, answer with a wire type.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use candor_proto::{
    normalise_body, validate_handle, AuthResponse, Connection, Conversation, ConversationId,
    CreateDirectRequest, CreateGroupRequest, DirectoryEntry, ErrorBody, IncidentRecord,
    InviteRequest, Profile, ProfileUpdate, Receipt, ReceiptRequest, SendMessageRequest,
    SendMessageResponse, ServerInfo, SessionId, SessionInfo, SignInRequest, SignUpRequest,
    SyncPage, UserId, MAX_CORRECTION_FIELD_CHARS, MAX_SYNC_PAGE, MIN_PASSWORD_CHARS,
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::{
    new_token, now_ms, token_hash, ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, App, Authed,
    PathId,
};
use crate::store::NewAccount;

pub(super) fn register(router: OpenApiRouter<App>) -> OpenApiRouter<App> {
    router
        .routes(routes!(server_info))
        .routes(routes!(sign_up))
        .routes(routes!(sign_in, list_sessions))
        .routes(routes!(sign_out))
        .routes(routes!(revoke_session))
        .routes(routes!(my_profile, update_profile))
        .routes(routes!(user_profile))
        .routes(routes!(directory))
        .routes(routes!(list_connections, invite))
        .routes(routes!(accept))
        .routes(routes!(decline))
        .routes(routes!(list_conversations))
        .routes(routes!(create_direct))
        .routes(routes!(create_group))
        .routes(routes!(get_conversation))
        .routes(routes!(list_messages, send_message))
        .routes(routes!(list_receipts, set_receipt))
        .routes(routes!(list_incidents))
        .routes(routes!(get_incident, put_incident))
        .routes(routes!(sync))
}

fn bounded(field: &'static str, value: &str, min: usize, max: usize) -> ApiResult<String> {
    let trimmed = value.trim();
    let n = trimmed.chars().count();
    if n < min || n > max {
        return Err(ApiError::invalid(
            "invalid_field",
            format!("{field} must have {min} to {max} characters"),
        ));
    }
    if trimmed.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ApiError::invalid(
            "invalid_field",
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

fn valid_handle(handle: &str) -> ApiResult<String> {
    let handle = handle.trim().to_lowercase();
    validate_handle(&handle).map_err(|m| ApiError::invalid("invalid_handle", m))?;
    Ok(handle)
}

fn hash_password(password: &str) -> ApiResult<String> {
    use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            ApiError::internal()
        })
}

fn verify_password(password: &str, hash: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(hash).is_ok_and(|parsed| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Runs CPU-heavy work (password hashing) off the async workers.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> ApiResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| ApiError::internal())
}

// ---------------------------------------------------------------- server

/// The server's name, version and chain-signing public key.
#[utoipa::path(get, path = "/v1/server", tag = "sync",
    responses((status = 200, body = ServerInfo)))]
async fn server_info(State(app): State<App>) -> Json<ServerInfo> {
    Json(ServerInfo {
        name: "candor".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        public_key: hex::encode(app.store.signing_key().verifying_key().to_bytes()),
    })
}

// -------------------------------------------------------------- accounts

/// Creates an account and signs this device in.
#[utoipa::path(post, path = "/v1/accounts", tag = "accounts", request_body = SignUpRequest,
    responses((status = 201, body = AuthResponse), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn sign_up(
    State(app): State<App>,
    ApiJson(req): ApiJson<SignUpRequest>,
) -> ApiResult<(StatusCode, Json<AuthResponse>)> {
    let handle = valid_handle(&req.handle)?;
    let display_name = bounded("display_name", &req.display_name, 1, 80)?;
    let device_name = bounded("device_name", &req.device_name, 1, 80)?;
    let chars = req.password.chars().count();
    if !(MIN_PASSWORD_CHARS..=1024).contains(&chars) {
        return Err(ApiError::invalid(
            "weak_password",
            "A password has at least 10 characters",
        ));
    }
    let password = req.password;
    let password_hash = blocking(move || hash_password(&password)).await??;
    let token = new_token();
    let account = NewAccount {
        handle,
        display_name,
        password_hash,
        device_name,
        token_hash: token_hash(&token),
    };
    let now = now_ms();
    let (profile, session_id) = app.store(move |s| s.create_account(account, now)).await?;
    Ok((
        StatusCode::CREATED,
        Json(AuthResponse {
            token,
            session_id,
            profile,
        }),
    ))
}

/// Signs a device in with handle and password. A suspended account is
/// refused (after the password is checked) until its suspension ends.
#[utoipa::path(post, path = "/v1/sessions", tag = "accounts", request_body = SignInRequest,
    responses((status = 200, body = AuthResponse), (status = 401, body = ErrorBody),
        (status = 403, description = "`suspended`, naming the end of the suspension", body = ErrorBody)))]
async fn sign_in(
    State(app): State<App>,
    ApiJson(req): ApiJson<SignInRequest>,
) -> ApiResult<Json<AuthResponse>> {
    let device_name = bounded("device_name", &req.device_name, 1, 80)?;
    let handle = req.handle.trim().to_lowercase();
    let found = app.store(move |s| s.credentials(&handle)).await?;
    let password = req.password;
    let (user, ok) = blocking(move || match found {
        Some((user, hash)) => (Some(user), verify_password(&password, &hash)),
        None => {
            // Spend the same time as a real check so handles cannot be probed.
            let _ = hash_password(&password);
            (None, false)
        }
    })
    .await?;
    let (Some(user), true) = (user, ok) else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "The handle or the password is wrong",
        ));
    };
    let token = new_token();
    let hash = token_hash(&token);
    let now = now_ms();
    let session_id = app
        .store(move |s| s.create_session(user, &device_name, hash, now))
        .await?;
    let profile = app.store(move |s| s.profile(user, user)).await?;
    Ok(Json(AuthResponse {
        token,
        session_id,
        profile,
    }))
}

/// Lists your signed-in devices.
#[utoipa::path(get, path = "/v1/sessions", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = Vec<SessionInfo>)))]
async fn list_sessions(State(app): State<App>, auth: Authed) -> ApiResult<Json<Vec<SessionInfo>>> {
    Ok(Json(
        app.store(move |s| s.sessions(auth.user, auth.session))
            .await?,
    ))
}

/// Signs this device out: its token stops working at once.
#[utoipa::path(delete, path = "/v1/sessions/current", tag = "accounts", security(("bearer" = [])),
    responses((status = 204)))]
async fn sign_out(State(app): State<App>, auth: Authed) -> ApiResult<StatusCode> {
    let now = now_ms();
    app.store(move |s| s.revoke_session(auth.user, auth.session, now))
        .await?;
    app.hub.close_session(auth.session);
    Ok(StatusCode::NO_CONTENT)
}

/// Revokes one of your device sessions.
#[utoipa::path(delete, path = "/v1/sessions/{id}", tag = "accounts", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Session id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn revoke_session(
    State(app): State<App>,
    auth: Authed,
    ApiPath(PathId(id)): ApiPath<PathId>,
) -> ApiResult<StatusCode> {
    let now = now_ms();
    let session = SessionId(id);
    app.store(move |s| s.revoke_session(auth.user, session, now))
        .await?;
    app.hub.close_session(session);
    Ok(StatusCode::NO_CONTENT)
}

// -------------------------------------------------------------- profiles

/// Your own profile.
#[utoipa::path(get, path = "/v1/profile", tag = "people", security(("bearer" = [])),
    responses((status = 200, body = Profile)))]
async fn my_profile(State(app): State<App>, auth: Authed) -> ApiResult<Json<Profile>> {
    Ok(Json(
        app.store(move |s| s.profile(auth.user, auth.user)).await?,
    ))
}

/// Changes your display name, headline or phone number.
#[utoipa::path(patch, path = "/v1/profile", tag = "people", security(("bearer" = [])),
    request_body = ProfileUpdate, responses((status = 200, body = Profile), (status = 422, body = ErrorBody)))]
async fn update_profile(
    State(app): State<App>,
    auth: Authed,
    ApiJson(mut update): ApiJson<ProfileUpdate>,
) -> ApiResult<Json<Profile>> {
    if let Some(name) = &update.display_name {
        update.display_name = Some(bounded("display_name", name, 1, 80)?);
    }
    if let Some(headline) = &update.headline {
        update.headline = Some(bounded("headline", headline, 0, 160)?);
    }
    if let Some(phone) = &update.phone {
        let phone = phone.trim();
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let allowed = phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c));
        if !phone.is_empty() && (!allowed || !(5..=20).contains(&digits)) {
            return Err(ApiError::invalid(
                "invalid_phone",
                "A phone number has 5 to 20 digits and only + - ( ) . or spaces besides",
            ));
        }
        update.phone = Some(phone.to_owned());
    }
    let (profile, deliveries) = app
        .store(move |s| s.update_profile(auth.user, update))
        .await?;
    app.hub.publish(deliveries);
    Ok(Json(profile))
}

/// Another person's profile; the phone number only for accepted connections.
/// A block hides each one's profile from the other (404, as for no one).
#[utoipa::path(get, path = "/v1/users/{id}", tag = "people", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = Profile), (status = 404, body = ErrorBody)))]
async fn user_profile(
    State(app): State<App>,
    auth: Authed,
    ApiPath(PathId(id)): ApiPath<PathId>,
) -> ApiResult<Json<Profile>> {
    Ok(Json(
        app.store(move |s| s.profile(auth.user, UserId(id))).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
struct DirectoryQuery {
    /// Prefix of a handle or of any word of a display name.
    q: String,
    /// At most 50; default 20.
    limit: Option<u32>,
}

/// Finds people by name or handle prefix, your connections first. People
/// you block and people who block you are left out.
#[utoipa::path(get, path = "/v1/directory", tag = "people", security(("bearer" = [])),
    params(DirectoryQuery), responses((status = 200, body = Vec<DirectoryEntry>)))]
async fn directory(
    State(app): State<App>,
    auth: Authed,
    ApiQuery(query): ApiQuery<DirectoryQuery>,
) -> ApiResult<Json<Vec<DirectoryEntry>>> {
    let limit = query.limit.unwrap_or(20);
    if !(1..=50).contains(&limit) {
        return Err(ApiError::bad_request("invalid_limit", "limit is 1 to 50"));
    }
    let prefix = bounded("q", &query.q, 1, 64)?;
    Ok(Json(
        app.store(move |s| s.directory(auth.user, &prefix, limit))
            .await?,
    ))
}

// ----------------------------------------------------------- connections

/// Your connections and pending invitations.
#[utoipa::path(get, path = "/v1/connections", tag = "people", security(("bearer" = [])),
    responses((status = 200, body = Vec<Connection>)))]
async fn list_connections(
    State(app): State<App>,
    auth: Authed,
) -> ApiResult<Json<Vec<Connection>>> {
    Ok(Json(app.store(move |s| s.connections(auth.user)).await?))
}

/// Invites a person by handle to connect.
#[utoipa::path(post, path = "/v1/connections", tag = "people", security(("bearer" = [])),
    request_body = InviteRequest,
    responses((status = 200, body = Connection),
        (status = 403, description = "`blocked` (you block them), `recipient_unavailable` (they block you), `restricted`", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn invite(
    State(app): State<App>,
    auth: Authed,
    ApiJson(req): ApiJson<InviteRequest>,
) -> ApiResult<Json<Connection>> {
    let handle = req.handle.trim().to_lowercase();
    let now = now_ms();
    let (connection, deliveries) = app
        .store(move |s| s.invite(auth.user, &handle, now))
        .await?;
    app.hub.publish(deliveries);
    Ok(Json(connection))
}

async fn respond(app: App, auth: Authed, peer: i64, accept: bool) -> ApiResult<Json<Connection>> {
    let now = now_ms();
    let (connection, deliveries) = app
        .store(move |s| s.respond(auth.user, UserId(peer), accept, now))
        .await?;
    app.hub.publish(deliveries);
    Ok(Json(connection))
}

/// Accepts an invitation from a person.
#[utoipa::path(post, path = "/v1/connections/{user_id}/accept", tag = "people", security(("bearer" = [])),
    params(("user_id" = i64, Path, description = "Who invited you")),
    responses((status = 200, body = Connection), (status = 404, body = ErrorBody)))]
async fn accept(
    State(app): State<App>,
    auth: Authed,
    ApiPath(PathId(peer)): ApiPath<PathId>,
) -> ApiResult<Json<Connection>> {
    respond(app, auth, peer, true).await
}

/// Declines an invitation from a person.
#[utoipa::path(post, path = "/v1/connections/{user_id}/decline", tag = "people", security(("bearer" = [])),
    params(("user_id" = i64, Path, description = "Who invited you")),
    responses((status = 200, body = Connection), (status = 404, body = ErrorBody)))]
async fn decline(
    State(app): State<App>,
    auth: Authed,
    ApiPath(PathId(peer)): ApiPath<PathId>,
) -> ApiResult<Json<Connection>> {
    respond(app, auth, peer, false).await
}

// --------------------------------------------------------- conversations

/// The conversations you are a member of.
#[utoipa::path(get, path = "/v1/conversations", tag = "conversations", security(("bearer" = [])),
    responses((status = 200, body = Vec<Conversation>)))]
async fn list_conversations(
    State(app): State<App>,
    auth: Authed,
) -> ApiResult<Json<Vec<Conversation>>> {
    Ok(Json(app.store(move |s| s.conversations(auth.user)).await?))
}

/// Opens the direct conversation with a connection (idempotent).
#[utoipa::path(post, path = "/v1/conversations/direct", tag = "conversations", security(("bearer" = [])),
    request_body = CreateDirectRequest,
    responses((status = 201, body = Conversation), (status = 200, body = Conversation),
        (status = 403, description = "`not_connected`, `blocked`, `recipient_unavailable`, `restricted`", body = ErrorBody)))]
async fn create_direct(
    State(app): State<App>,
    auth: Authed,
    ApiJson(req): ApiJson<CreateDirectRequest>,
) -> ApiResult<(StatusCode, Json<Conversation>)> {
    let now = now_ms();
    let (conversation, created, deliveries) = app
        .store(move |s| s.create_direct(auth.user, req.peer, now))
        .await?;
    app.hub.publish(deliveries);
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(conversation)))
}

/// Creates a group of 2 to 50 members, all of them your connections.
#[utoipa::path(post, path = "/v1/conversations/group", tag = "conversations", security(("bearer" = [])),
    request_body = CreateGroupRequest,
    responses((status = 201, body = Conversation),
        (status = 403, description = "`not_connected`, `blocked`, `recipient_unavailable`, `restricted`", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn create_group(
    State(app): State<App>,
    auth: Authed,
    ApiJson(req): ApiJson<CreateGroupRequest>,
) -> ApiResult<(StatusCode, Json<Conversation>)> {
    let title = bounded("title", &req.title, 1, 120)?;
    if req.members.len() > candor_proto::MAX_GROUP_MEMBERS {
        return Err(ApiError::invalid(
            "invalid_group_size",
            "A group has 2 to 50 members, you included",
        ));
    }
    let now = now_ms();
    let (conversation, deliveries) = app
        .store(move |s| s.create_group(auth.user, &title, &req.members, now))
        .await?;
    app.hub.publish(deliveries);
    Ok((StatusCode::CREATED, Json(conversation)))
}

/// One conversation with its members.
#[utoipa::path(get, path = "/v1/conversations/{id}", tag = "conversations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Conversation id")),
    responses((status = 200, body = Conversation), (status = 404, body = ErrorBody)))]
async fn get_conversation(
    State(app): State<App>,
    auth: Authed,
    ApiPath(PathId(id)): ApiPath<PathId>,
) -> ApiResult<Json<Conversation>> {
    Ok(Json(
        app.store(move |s| s.conversation(auth.user, ConversationId(id)))
            .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
struct MessagesQuery {
    /// Messages with a sequence number greater than this (default 0).
    after: Option<i64>,
    /// At most 1000; default 100.
    limit: Option<u32>,
}

/// Messages of a conversation in sequence order.
#[utoipa::path(get, path = "/v1/conversations/{id}/messages", tag = "conversations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Conversation id"), MessagesQuery),
    responses((status = 200, body = Vec<candor_proto::Message>), (status = 404, body = ErrorBody)))]
async fn list_messages(
    State(app): State<App>,
    auth: Authed,
    ApiPath(PathId(id)): ApiPath<PathId>,
    ApiQuery(query): ApiQuery<MessagesQuery>,
) -> ApiResult<Json<Vec<candor_proto::Message>>> {
    let limit = page_limit(query.limit, 100)?;
    let after = query.after.unwrap_or(0).max(0);
    Ok(Json(
        app.store(move |s| s.messages(auth.user, ConversationId(id), after, limit))
            .await?,
    ))
}

fn page_limit(limit: Option<u32>, default: u32) -> ApiResult<u32> {
    let limit = limit.unwrap_or(default);
    if !(1..=MAX_SYNC_PAGE).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_limit",
            format!("limit is 1 to {MAX_SYNC_PAGE}"),
        ));
    }
    Ok(limit)
}

/// Sends a message. Permanent once accepted; re-sending the same `client_id`
/// returns the original (200) instead of creating a new one (201). A sender
/// may send at most 3 urgent notices per conversation per hour (429
/// `urgent_limit` with `Retry-After` beyond that).
#[utoipa::path(post, path = "/v1/conversations/{id}/messages", tag = "conversations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Conversation id")),
    request_body = SendMessageRequest,
    responses(
        (status = 201, body = SendMessageResponse), (status = 200, body = SendMessageResponse),
        (status = 403, description = "`not_connected`; in a direct conversation, `blocked` (you block them) or `recipient_unavailable` (they block you)", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, description = "`urgent_limit` (or `rate_limited`); see `Retry-After`", body = ErrorBody)))]
async fn send_message(
    State(app): State<App>,
    auth: Authed,
    ApiPath(PathId(id)): ApiPath<PathId>,
    ApiJson(mut req): ApiJson<SendMessageRequest>,
) -> ApiResult<(StatusCode, Json<SendMessageResponse>)> {
    req.body = normalise_body(&req.body).map_err(|m| ApiError::invalid("invalid_body", m))?;
    if let Some(c) = &mut req.correction {
        c.what_was_wrong = bounded(
            "what_was_wrong",
            &c.what_was_wrong,
            1,
            MAX_CORRECTION_FIELD_CHARS,
        )?;
        c.correct_information = bounded(
            "correct_information",
            &c.correct_information,
            1,
            MAX_CORRECTION_FIELD_CHARS,
        )?;
    }
    let now = now_ms();
    let (response, deliveries) = app
        .store(move |s| s.send_message(auth.user, ConversationId(id), req, now))
        .await?;
    app.hub.publish(deliveries);
    let status = if response.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(response)))
}

/// Delivery and read state of every member.
#[utoipa::path(get, path = "/v1/conversations/{id}/receipts", tag = "conversations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Conversation id")),
    responses((status = 200, body = Vec<Receipt>), (status = 404, body = ErrorBody)))]
async fn list_receipts(
    State(app): State<App>,
    auth: Authed,
    ApiPath(PathId(id)): ApiPath<PathId>,
) -> ApiResult<Json<Vec<Receipt>>> {
    Ok(Json(
        app.store(move |s| s.receipts(auth.user, ConversationId(id)))
            .await?,
    ))
}

/// Records that you received or read messages up to a sequence number.
/// Receipts only move forward.
#[utoipa::path(post, path = "/v1/conversations/{id}/receipts", tag = "conversations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Conversation id")),
    request_body = ReceiptRequest,
    responses((status = 200, body = Receipt),
        (status = 403, description = "In a direct conversation: `blocked` or `recipient_unavailable`", body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn set_receipt(
    State(app): State<App>,
    auth: Authed,
    ApiPath(PathId(id)): ApiPath<PathId>,
    ApiJson(req): ApiJson<ReceiptRequest>,
) -> ApiResult<Json<Receipt>> {
    let (receipt, deliveries) = app
        .store(move |s| s.set_receipt(auth.user, ConversationId(id), req))
        .await?;
    app.hub.publish(deliveries);
    Ok(Json(receipt))
}

// ------------------------------------------------------------- incidents

/// Your incidents, newest version of each, in id order.
#[utoipa::path(get, path = "/v1/incidents", tag = "incidents", security(("bearer" = [])),
    responses((status = 200, body = Vec<IncidentRecord>)))]
async fn list_incidents(
    State(app): State<App>,
    auth: Authed,
) -> ApiResult<Json<Vec<IncidentRecord>>> {
    Ok(Json(app.store(move |s| s.incidents(auth.user)).await?))
}

/// One of your incidents. Someone else's answers 404, as a missing one does.
#[utoipa::path(get, path = "/v1/incidents/{id}", tag = "incidents", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Incident id")),
    responses((status = 200, body = IncidentRecord), (status = 404, body = ErrorBody)))]
async fn get_incident(
    State(app): State<App>,
    auth: Authed,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<IncidentRecord>> {
    Ok(Json(app.store(move |s| s.incident(auth.user, id)).await?))
}

/// Stores a new version of one of your incidents and sends it to your other
/// devices through your feed. Kept only if `version` is higher than the
/// stored one (409 `stale_version` otherwise: fetch, merge, write a higher
/// version); re-sending the stored version unchanged returns it. Incident
/// ids are per person: the same id under another account is another incident.
#[utoipa::path(put, path = "/v1/incidents/{id}", tag = "incidents", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Incident id; equals the body's id")),
    request_body = IncidentRecord,
    responses(
        (status = 200, description = "The version now stored, with `stored_at` set", body = IncidentRecord),
        (status = 400, description = "`id_mismatch`, or `invalid_incident`: a version below 1 or data that is not the JSON text of an object", body = ErrorBody),
        (status = 409, description = "`stale_version`: a newer version is stored", body = ErrorBody),
        (status = 413, description = "`incident_too_large`: data over 32 KiB", body = ErrorBody)))]
async fn put_incident(
    State(app): State<App>,
    auth: Authed,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(record): ApiJson<IncidentRecord>,
) -> ApiResult<Json<IncidentRecord>> {
    if record.id != id {
        return Err(ApiError::bad_request(
            "id_mismatch",
            "The incident id in the path and in the body differ",
        ));
    }
    let now = now_ms();
    let (stored, deliveries) = app
        .store(move |s| s.put_incident(auth.user, record, now))
        .await?;
    app.hub.publish(deliveries);
    Ok(Json(stored))
}

// ------------------------------------------------------------------ sync

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
struct SyncQuery {
    /// Return events numbered after this (default 0).
    since: Option<i64>,
    /// At most 1000; default 500.
    limit: Option<u32>,
}

/// Your feed: every event you must see, in order, after `since`.
#[utoipa::path(get, path = "/v1/sync", tag = "sync", security(("bearer" = [])),
    params(SyncQuery), responses((status = 200, body = SyncPage), (status = 400, body = ErrorBody)))]
async fn sync(
    State(app): State<App>,
    auth: Authed,
    ApiQuery(query): ApiQuery<SyncQuery>,
) -> ApiResult<Json<SyncPage>> {
    let limit = page_limit(query.limit, 500)?;
    let since = query.since.unwrap_or(0).max(0);
    Ok(Json(
        app.store(move |s| s.feed(auth.user, since, limit)).await?,
    ))
}
