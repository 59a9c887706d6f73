//! Shared fixtures for the server's HTTP tests: a real server on a loopback
//! port with its own data directory, and people (alice, bob, carol) who sign
//! up, connect and talk through the real API with `reqwest`.
//!
//! Every reply goes through [`Server::send`], which enforces two rules for the
//! whole suite: no response is ever a 5xx, and every error body is
//! `{code, message}`.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use candor_proto::{
    AuthResponse, Conversation, ConversationId, CreateDirectRequest, ErrorBody, FeedEvent,
    InviteRequest, Message, MessageKind, Profile, SendMessageRequest, SendMessageResponse,
    SessionId, SignUpRequest, UserId,
};
use candor_server::{RunningServer, ServerConfig};
use reqwest::header::{HeaderMap, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use uuid::Uuid;

/// The password every fixture person uses.
pub const PASSWORD: &str = "correct horse battery staple";

/// A server running in this test process on `127.0.0.1:0` (or, with
/// [`Server::remote`], a server process started by the test).
pub struct Server {
    running: Option<RunningServer>,
    base: String,
    http: reqwest::Client,
    _dir: Option<tempfile::TempDir>,
}

/// A signed-in person: one device session.
#[derive(Debug, Clone)]
pub struct Person {
    pub token: String,
    pub session_id: SessionId,
    pub profile: Profile,
}

impl Person {
    pub fn id(&self) -> UserId {
        self.profile.user_id
    }
    pub fn token(&self) -> Option<&str> {
        Some(&self.token)
    }
}

/// One HTTP answer, already checked against the suite-wide rules.
#[derive(Debug)]
pub struct Reply {
    pub what: String,
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Parses the body as `T`.
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{}: the body is not the expected JSON ({e}): {}",
                self.what,
                self.text()
            )
        })
    }

    /// Asserts the status and parses the body as `T`.
    pub fn ok<T: DeserializeOwned>(&self, status: u16) -> T {
        self.assert_status(status);
        self.json()
    }

    pub fn assert_status(&self, status: u16) {
        assert_eq!(
            self.status.as_u16(),
            status,
            "{}: unexpected status, body: {}",
            self.what,
            self.text()
        );
    }

    /// The error body (every error has one; [`Server::send`] checked it).
    pub fn error(&self) -> ErrorBody {
        assert!(
            self.status.is_client_error() || self.status.is_server_error(),
            "{}: expected an error, got {} {}",
            self.what,
            self.status,
            self.text()
        );
        self.json()
    }

    /// Asserts an error with this status and code; returns its message.
    pub fn assert_error(&self, status: u16, code: &str) -> String {
        self.assert_status(status);
        let error = self.error();
        assert_eq!(error.code, code, "{}: {}", self.what, error.message);
        error.message
    }
}

impl Server {
    /// A server with the default configuration.
    pub async fn start() -> Server {
        Server::start_with(|_| {}).await
    }

    /// A server whose configuration `configure` adjusts first.
    pub async fn start_with(configure: impl FnOnce(&mut ServerConfig)) -> Server {
        let dir = tempfile::tempdir().expect("a temporary data directory");
        let mut config = ServerConfig::new(dir.path());
        configure(&mut config);
        let addr = "127.0.0.1:0".parse().expect("a loopback address");
        let running = candor_server::spawn(config, addr)
            .await
            .expect("the server starts");
        Server {
            base: running.url(),
            running: Some(running),
            http: reqwest::Client::new(),
            _dir: Some(dir),
        }
    }

    /// A server running elsewhere (another process), at `base`.
    pub fn remote(base: impl Into<String>) -> Server {
        Server {
            running: None,
            base: base.into(),
            http: reqwest::Client::new(),
            _dir: None,
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The data directory of a server started by [`Server::start`].
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir
            .as_ref()
            .expect("a server started in this process")
            .path()
    }

    /// `ws://127.0.0.1:PORT/v1/events`
    pub fn events_url(&self) -> String {
        format!("{}/v1/events", self.base.replacen("http://", "ws://", 1))
    }

    /// Stops the server gracefully.
    pub async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await.expect("the server stops cleanly");
        }
    }

    /// A request builder for `method path`, with the bearer token if any.
    pub fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let mut builder = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            builder = builder.bearer_auth(token);
        }
        builder
    }

    /// Sends a request and checks the suite-wide rules: never a 5xx, and every
    /// error is a JSON `{code, message}` with both fields filled in.
    pub async fn send(&self, builder: reqwest::RequestBuilder) -> Reply {
        let request = builder.build().expect("a well-formed request");
        let what = format!("{} {}", request.method(), request.url().path());
        let response = self
            .http
            .execute(request)
            .await
            .unwrap_or_else(|e| panic!("{what}: no answer: {e}"));
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .unwrap_or_else(|e| panic!("{what}: reading the body: {e}"))
            .to_vec();
        let reply = Reply {
            what,
            status,
            headers,
            body,
        };
        assert!(
            !status.is_server_error(),
            "{}: the server failed with {status}: {}",
            reply.what,
            reply.text()
        );
        if status.is_client_error() {
            let content_type = reply
                .headers
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            assert!(
                content_type.starts_with("application/json"),
                "{}: an error of type {content_type:?}: {}",
                reply.what,
                reply.text()
            );
            let error: ErrorBody = serde_json::from_slice(&reply.body).unwrap_or_else(|e| {
                panic!(
                    "{}: the error body is not {{code, message}} ({e}): {}",
                    reply.what,
                    reply.text()
                )
            });
            assert!(
                !error.code.is_empty() && !error.message.is_empty(),
                "{}: an empty error: {error:?}",
                reply.what
            );
        }
        reply
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(self.request(Method::GET, path, token)).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &impl Serialize) -> Reply {
        self.send(self.request(Method::POST, path, token).json(body))
            .await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: &impl Serialize) -> Reply {
        self.send(self.request(Method::PATCH, path, token).json(body))
            .await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(self.request(Method::DELETE, path, token)).await
    }

    /// Sends raw bytes with an optional content type.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> Reply {
        let mut builder = self.request(method, path, token).body(body);
        if let Some(content_type) = content_type {
            builder = builder.header(CONTENT_TYPE, content_type);
        }
        self.send(builder).await
    }

    /// Asserts the server still answers normally.
    pub async fn assert_healthy(&self) {
        let info: candor_proto::ServerInfo = self.get("/v1/server", None).await.ok(200);
        assert_eq!(info.name, "candor");
    }

    // ------------------------------------------------------------ people

    /// Signs a new person up on a device called "laptop".
    pub async fn sign_up(&self, handle: &str, display_name: &str) -> Person {
        let reply = self
            .post(
                "/v1/accounts",
                None,
                &SignUpRequest {
                    handle: handle.into(),
                    display_name: display_name.into(),
                    password: PASSWORD.into(),
                    device_name: "laptop".into(),
                },
            )
            .await;
        let auth: AuthResponse = reply.ok(201);
        assert_eq!(auth.profile.handle, handle);
        Person {
            token: auth.token,
            session_id: auth.session_id,
            profile: auth.profile,
        }
    }

    pub async fn alice(&self) -> Person {
        self.sign_up("alice", "Alice Martin").await
    }

    pub async fn bob(&self) -> Person {
        self.sign_up("bob", "Bob Chen").await
    }

    pub async fn carol(&self) -> Person {
        self.sign_up("carol", "Carol Diaz").await
    }

    /// Signs an existing person in on another device.
    pub async fn sign_in(&self, person: &Person, device_name: &str) -> Person {
        let auth: AuthResponse = self
            .post(
                "/v1/sessions",
                None,
                &candor_proto::SignInRequest {
                    handle: person.profile.handle.clone(),
                    password: PASSWORD.into(),
                    device_name: device_name.into(),
                },
            )
            .await
            .ok(200);
        Person {
            token: auth.token,
            session_id: auth.session_id,
            profile: auth.profile,
        }
    }

    /// `from` invites `to`, who accepts.
    pub async fn connect(&self, from: &Person, to: &Person) {
        let invited: candor_proto::Connection = self
            .post(
                "/v1/connections",
                from.token(),
                &InviteRequest {
                    handle: to.profile.handle.clone(),
                },
            )
            .await
            .ok(200);
        assert_eq!(invited.state, candor_proto::ConnectionState::InvitedByMe);
        let accepted: candor_proto::Connection = self
            .post(
                &format!("/v1/connections/{}/accept", from.id()),
                to.token(),
                &serde_json::json!({}),
            )
            .await
            .ok(200);
        assert_eq!(accepted.state, candor_proto::ConnectionState::Accepted);
    }

    /// Opens (or finds) the direct conversation between `a` and `b`.
    pub async fn direct(&self, a: &Person, b: &Person) -> Conversation {
        let reply = self
            .post(
                "/v1/conversations/direct",
                a.token(),
                &CreateDirectRequest { peer: b.id() },
            )
            .await;
        assert!(
            reply.status == StatusCode::CREATED || reply.status == StatusCode::OK,
            "{}: {}",
            reply.what,
            reply.status
        );
        reply.json()
    }

    /// Sends a text message and returns it as stored.
    pub async fn say(&self, from: &Person, conversation: ConversationId, body: &str) -> Message {
        let sent: SendMessageResponse = self
            .post(
                &format!("/v1/conversations/{conversation}/messages"),
                from.token(),
                &text(body),
            )
            .await
            .ok(201);
        assert!(sent.created);
        sent.message
    }

    /// Every message of a conversation as `viewer` sees it, page by page.
    pub async fn messages(&self, viewer: &Person, conversation: ConversationId) -> Vec<Message> {
        let mut all: Vec<Message> = Vec::new();
        loop {
            let after = all.last().map_or(0, |m| m.seq);
            let page: Vec<Message> = self
                .get(
                    &format!("/v1/conversations/{conversation}/messages?after={after}&limit=100"),
                    viewer.token(),
                )
                .await
                .ok(200);
            if page.is_empty() {
                return all;
            }
            all.extend(page);
        }
    }

    /// `person`'s whole feed, page by page.
    pub async fn feed(&self, person: &Person) -> Vec<FeedEvent> {
        let mut all = Vec::new();
        let mut since = 0;
        loop {
            let page: candor_proto::SyncPage = self
                .get(&format!("/v1/sync?since={since}"), person.token())
                .await
                .ok(200);
            all.extend(page.events);
            since = page.next;
            if !page.has_more {
                return all;
            }
        }
    }
}

/// A new text message request with a fresh client id.
pub fn text(body: &str) -> SendMessageRequest {
    SendMessageRequest {
        client_id: Uuid::now_v7(),
        kind: MessageKind::Text,
        reference: None,
        body: body.into(),
        correction: None,
    }
}

// ------------------------------------------------------------ live events

/// A client end of `/v1/events`.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Fails a test instead of hanging if a frame never comes.
pub const FRAME_GUARD: std::time::Duration = std::time::Duration::from_secs(60);

/// Opens `person`'s event stream and reads the hello; returns the socket
/// and the feed head it announced.
pub async fn open_events(server: &Server, person: &Person) -> (Socket, i64) {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::http::{header, HeaderValue};
    let mut request = server
        .events_url()
        .into_client_request()
        .expect("a WebSocket request");
    request.headers_mut().insert(
        header::AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {}", person.token)).expect("a header value"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the socket opens");
    match next_live_frame(&mut socket).await {
        Some(candor_proto::LiveFrame::Hello { feed_head }) => (socket, feed_head),
        other => panic!("the first frame is not hello: {other:?}"),
    }
}

/// The next frame, or `None` once the server closed the socket.
pub async fn next_live_frame(socket: &mut Socket) -> Option<candor_proto::LiveFrame> {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message as WsMessage;
    loop {
        let message = tokio::time::timeout(FRAME_GUARD, socket.next())
            .await
            .expect("the server sends the next frame");
        match message {
            None | Some(Ok(WsMessage::Close(_))) => return None,
            Some(Ok(WsMessage::Text(text))) => {
                return Some(serde_json::from_str(text.as_str()).unwrap_or_else(|e| {
                    panic!("a frame that is not a LiveFrame ({e}): {}", text.as_str())
                }))
            }
            Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => {}
            Some(Ok(other)) => panic!("an unexpected frame: {other:?}"),
            // A reset after the server closed counts as closed.
            Some(Err(_)) => return None,
        }
    }
}
