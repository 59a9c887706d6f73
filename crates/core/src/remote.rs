//! The HTTP side of the server API: one method per endpoint the core uses,
//! errors mapped to [`CoreError`]. No state beyond the base URL and token.

use std::time::Duration;

use candor_proto::{
    AuthResponse, BlockChange, BlockRequest, Connection, Conversation, ConversationId,
    CreateDirectRequest, CreateGroupRequest, DirectoryEntry, ErrorBody, IncidentRecord,
    InviteRequest, Profile, ProfileUpdate, Receipt, ReceiptRequest, ReportRequest, ReportView,
    SendMessageRequest, SendMessageResponse, ServerInfo, SignInRequest, SignUpRequest, SyncPage,
    UserId,
};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{CoreError, CoreResult};

/// A connection to one server, optionally authenticated.
#[derive(Debug, Clone)]
pub struct Remote {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Remote {
    pub fn new(http: reqwest::Client, base: &str, token: Option<String>) -> Remote {
        Remote {
            http,
            base: base.trim_end_matches('/').to_owned(),
            token,
        }
    }

    pub fn http_client() -> reqwest::Client {
        reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("candor-core/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default()
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The WebSocket URL of the live feed.
    pub fn events_url(&self) -> String {
        let ws = if let Some(rest) = self.base.strip_prefix("https://") {
            format!("wss://{rest}")
        } else if let Some(rest) = self.base.strip_prefix("http://") {
            format!("ws://{rest}")
        } else {
            self.base.clone()
        };
        format!("{ws}/v1/events")
    }

    async fn call<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> CoreResult<T> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| {
            if e.is_connect() {
                // No connection: the request never left this device.
                CoreError::Unreachable(e.to_string())
            } else {
                CoreError::Offline(e.to_string())
            }
        })?;
        let status = response.status();
        if status.is_success() {
            if status == StatusCode::NO_CONTENT {
                return serde_json::from_str("null").map_err(CoreError::from);
            }
            return response
                .json()
                .await
                .map_err(|e| CoreError::Offline(format!("Reading the response: {e}")));
        }
        let text = response.text().await.unwrap_or_default();
        let body: ErrorBody = serde_json::from_str(&text).unwrap_or(ErrorBody {
            code: format!("http_{}", status.as_u16()),
            message: status.canonical_reason().unwrap_or("HTTP error").to_owned(),
        });
        Err(CoreError::Server {
            status: status.as_u16(),
            code: body.code,
            message: body.message,
        })
    }

    pub async fn server_info(&self) -> CoreResult<ServerInfo> {
        self.call::<(), _>(Method::GET, "/v1/server", None).await
    }
    pub async fn sign_up(&self, req: &SignUpRequest) -> CoreResult<AuthResponse> {
        self.call(Method::POST, "/v1/accounts", Some(req)).await
    }
    pub async fn sign_in(&self, req: &SignInRequest) -> CoreResult<AuthResponse> {
        self.call(Method::POST, "/v1/sessions", Some(req)).await
    }
    pub async fn sign_out(&self) -> CoreResult<()> {
        self.call::<(), ()>(Method::DELETE, "/v1/sessions/current", None)
            .await
    }
    pub async fn update_profile(&self, update: &ProfileUpdate) -> CoreResult<Profile> {
        self.call(Method::PATCH, "/v1/profile", Some(update)).await
    }
    pub async fn profile(&self, user: UserId) -> CoreResult<Profile> {
        self.call::<(), _>(Method::GET, &format!("/v1/users/{user}"), None)
            .await
    }
    pub async fn directory(&self, prefix: &str, limit: u32) -> CoreResult<Vec<DirectoryEntry>> {
        let mut url = reqwest::Url::parse("http://x/v1/directory")
            .map_err(|e| CoreError::Internal(e.to_string()))?;
        url.query_pairs_mut()
            .append_pair("q", prefix)
            .append_pair("limit", &limit.to_string());
        let path = format!("/v1/directory?{}", url.query().unwrap_or_default());
        self.call::<(), _>(Method::GET, &path, None).await
    }
    pub async fn invite(&self, handle: &str) -> CoreResult<Connection> {
        let req = InviteRequest {
            handle: handle.to_owned(),
        };
        self.call(Method::POST, "/v1/connections", Some(&req)).await
    }
    pub async fn respond(&self, peer: UserId, accept: bool) -> CoreResult<Connection> {
        let verb = if accept { "accept" } else { "decline" };
        self.call::<(), _>(
            Method::POST,
            &format!("/v1/connections/{peer}/{verb}"),
            None,
        )
        .await
    }
    pub async fn create_direct(&self, peer: UserId) -> CoreResult<Conversation> {
        self.call(
            Method::POST,
            "/v1/conversations/direct",
            Some(&CreateDirectRequest { peer }),
        )
        .await
    }
    pub async fn create_group(&self, req: &CreateGroupRequest) -> CoreResult<Conversation> {
        self.call(Method::POST, "/v1/conversations/group", Some(req))
            .await
    }
    pub async fn send(
        &self,
        conversation: ConversationId,
        req: &SendMessageRequest,
    ) -> CoreResult<SendMessageResponse> {
        self.call(
            Method::POST,
            &format!("/v1/conversations/{conversation}/messages"),
            Some(req),
        )
        .await
    }
    pub async fn set_receipt(
        &self,
        conversation: ConversationId,
        req: &ReceiptRequest,
    ) -> CoreResult<Receipt> {
        self.call(
            Method::POST,
            &format!("/v1/conversations/{conversation}/receipts"),
            Some(req),
        )
        .await
    }
    pub async fn put_incident(&self, record: &IncidentRecord) -> CoreResult<IncidentRecord> {
        self.call(
            Method::PUT,
            &format!("/v1/incidents/{}", record.id),
            Some(record),
        )
        .await
    }
    pub async fn incident(&self, id: uuid::Uuid) -> CoreResult<IncidentRecord> {
        self.call::<(), _>(Method::GET, &format!("/v1/incidents/{id}"), None)
            .await
    }
    pub async fn block(&self, req: &BlockRequest) -> CoreResult<BlockChange> {
        self.call(Method::POST, "/v1/blocks", Some(req)).await
    }
    pub async fn unblock(&self, user: UserId) -> CoreResult<BlockChange> {
        self.call::<(), _>(Method::DELETE, &format!("/v1/blocks/{user}"), None)
            .await
    }
    pub async fn report(&self, req: &ReportRequest) -> CoreResult<ReportView> {
        self.call(Method::POST, "/v1/reports", Some(req)).await
    }
    pub async fn sync(&self, since: i64, limit: u32) -> CoreResult<SyncPage> {
        self.call::<(), _>(
            Method::GET,
            &format!("/v1/sync?since={since}&limit={limit}"),
            None,
        )
        .await
    }
}
