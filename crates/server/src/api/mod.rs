//! The HTTP API: routing, extractors, authentication and rate limiting.
//!
//! Handlers (in [`routes`]) are thin: parse, check the caller's input, call
//! one [`Store`] method on the blocking pool, push the resulting feed events
//! to the live hub, map to the wire type. Rules about objects (membership,
//! connections, references) live in the store, inside its transaction.

mod admin;
mod error;
mod routes;
mod safety;
mod ws;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use base64::Engine;
use candor_proto::{SessionId, UserId};
use sha2::{Digest, Sha256};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

pub use error::{ApiError, ApiResult};

use crate::live::Hub;
use crate::ratelimit::RateLimiter;
use crate::store::{Store, StoreError};

/// Largest request body accepted, in bytes. A 10,000-character message of
/// four-byte characters with its correction fields fits comfortably.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Shared state of every handler.
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub hub: Arc<Hub>,
    pub limiter: Arc<RateLimiter>,
    /// Per-address buckets for requests that carry a token (ten times the
    /// per-caller allowance), so cycling made-up tokens is throttled too.
    pub address_limiter: Arc<RateLimiter>,
    /// Origins allowed to open the WebSocket from a browser context.
    pub allowed_origins: Arc<Vec<String>>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").finish_non_exhaustive()
    }
}

impl App {
    /// Runs a store operation on the blocking pool.
    pub async fn store<T: Send + 'static>(
        &self,
        op: impl FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
    ) -> ApiResult<T> {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || op(store.as_ref()))
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "store task failed");
                ApiError::internal()
            })?
            .map_err(ApiError::from)
    }
}

/// Current time in ms since the epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// SHA-256 of a bearer token: all the server ever stores.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A fresh opaque token: 32 random bytes, base64url.
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    format!(
        "cnd_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

// ------------------------------------------------------------- extractors

/// JSON body whose rejections become `{code, message}`.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// Query string whose rejections become `{code, message}`.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// Path parameters whose rejections become `{code, message}`.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// An id in a path. Every id the server hands out is a positive integer, so
/// anything else (`-1`, `0`, `abc`) is a malformed path (400 `invalid_path`),
/// not an object that happens to be missing (404).
#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(try_from = "i64")]
pub struct PathId(pub i64);

impl TryFrom<i64> for PathId {
    type Error = &'static str;

    fn try_from(id: i64) -> Result<Self, Self::Error> {
        if id > 0 {
            Ok(PathId(id))
        } else {
            Err("ids are positive integers")
        }
    }
}

/// The authenticated caller.
#[derive(Debug, Clone, Copy)]
pub struct Authed {
    pub user: UserId,
    pub session: SessionId,
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ")?.trim();
    (!token.is_empty() && token.len() <= 256).then_some(token)
}

impl FromRequestParts<App> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        if let Some(authed) = parts.extensions.get::<Authed>() {
            return Ok(*authed);
        }
        let token = bearer(parts).ok_or_else(ApiError::unauthorized)?;
        let hash = token_hash(token);
        let now = now_ms();
        let (user, session) = app
            .store(move |s| s.authenticate(hash, now))
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        let authed = Authed { user, session };
        parts.extensions.insert(authed);
        Ok(authed)
    }
}

// -------------------------------------------------------------- middleware

async fn rate_limit(State(app): State<App>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let address = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "ip:unknown".to_owned(), |c| format!("ip:{}", c.0.ip()));
    let now = Instant::now();
    let verdict = match bearer(&parts) {
        Some(token) => app.address_limiter.check(&address, now).and_then(|()| {
            app.limiter
                .check(&format!("t:{}", hex::encode(&token_hash(token)[..16])), now)
        }),
        None => app.limiter.check(&address, now),
    };
    if let Err(retry_after) = verdict {
        return ApiError::too_many_requests(retry_after).into_response();
    }
    next.run(Request::from_parts(parts, body)).await
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no_route",
        "There is no such endpoint",
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "This endpoint does not accept that method",
    )
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    ApiError::internal().into_response()
}

// ----------------------------------------------------------------- router

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Candor",
        description = "Candor's sync server. Messages are permanent: nothing can be edited or deleted once delivered."
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "accounts", description = "Sign up, sign in, device sessions"),
        (name = "people", description = "Profiles, connections and the directory"),
        (name = "conversations", description = "Conversations, messages and receipts"),
        (name = "incidents", description = "Damage-control incidents, private to their owner"),
        (name = "safety", description = "Blocking people and reporting them"),
        (name = "moderation", description = "Reports and moderation actions, for moderators only"),
        (name = "sync", description = "The per-user feed")
    )
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API's routes and their OpenAPI document, built from the same calls so
/// that they cannot drift apart.
pub fn api_routes() -> (Router<App>, utoipa::openapi::OpenApi) {
    let router = routes::register(OpenApiRouter::with_openapi(ApiDoc::openapi()));
    admin::register(safety::register(router))
        .routes(utoipa_axum::routes!(ws::events))
        .split_for_parts()
}

/// The complete application: API, WebSocket, OpenAPI document and the layers
/// for limits, rate limiting and panics.
pub fn router(app: App) -> Router {
    let (api, doc) = api_routes();
    let doc = Arc::new(doc);
    api.route(
        "/v1/openapi.json",
        axum::routing::get(move || {
            let doc = Arc::clone(&doc);
            async move { axum::Json(doc.as_ref().clone()) }
        }),
    )
    .fallback(not_found)
    .method_not_allowed_fallback(method_not_allowed)
    .layer(axum::middleware::from_fn_with_state(
        app.clone(),
        rate_limit,
    ))
    .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
    .layer(tower_http::catch_panic::CatchPanicLayer::custom(
        panic_response,
    ))
    .layer(tower_http::trace::TraceLayer::new_for_http())
    .with_state(app)
}
