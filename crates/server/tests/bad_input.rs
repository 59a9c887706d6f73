//! Hostile and broken input: every such request gets a precise 4xx with a
//! `{code, message}` body, nothing is half-written, and the server keeps
//! answering. (No 5xx anywhere: `Server::send` fails the test on one.)

mod common;

use candor_proto::{
    CorrectionFields, Message, MessageId, MessageKind, SendMessageRequest, SendMessageResponse,
    MAX_BODY_CHARS, MAX_CORRECTION_FIELD_CHARS,
};
use common::{text, Person, Server, PASSWORD};
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

const JSON: Option<&str> = Some("application/json");

/// Alice and Bob, connected, with their direct conversation.
async fn setup(server: &Server) -> (Person, Person, candor_proto::ConversationId) {
    let alice = server.alice().await;
    let bob = server.bob().await;
    server.connect(&alice, &bob).await;
    let conversation = server.direct(&alice, &bob).await;
    (alice, bob, conversation.id)
}

/// Every route that reads a JSON body, for a caller who may use it.
fn json_routes(conversation: candor_proto::ConversationId) -> Vec<(Method, String, bool)> {
    vec![
        (Method::POST, "/v1/accounts".into(), false),
        (Method::POST, "/v1/sessions".into(), false),
        (Method::PATCH, "/v1/profile".into(), true),
        (Method::POST, "/v1/connections".into(), true),
        (Method::POST, "/v1/conversations/direct".into(), true),
        (Method::POST, "/v1/conversations/group".into(), true),
        (
            Method::POST,
            format!("/v1/conversations/{conversation}/messages"),
            true,
        ),
        (
            Method::POST,
            format!("/v1/conversations/{conversation}/receipts"),
            true,
        ),
        (
            Method::PUT,
            "/v1/incidents/0190a6c4-5e1f-7d2a-9b3c-4d5e6f708192".into(),
            true,
        ),
        (Method::POST, "/v1/blocks".into(), true),
        (Method::POST, "/v1/reports".into(), true),
        (Method::POST, "/v1/admin/reports/1/actions".into(), true),
    ]
}

#[tokio::test]
async fn malformed_json_is_a_bad_request() {
    let server = Server::start().await;
    let (alice, _bob, conversation) = setup(&server).await;
    let broken: [&[u8]; 7] = [b"", b"{", b"{\"", b"{,}", b"not json at all", b"[}", b"nul"];
    let deep_arrays = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
    let deep_objects = format!("{}1{}", "{\"a\":".repeat(8_000), "}".repeat(8_000));
    for (method, path, authed) in json_routes(conversation) {
        let token = if authed { alice.token() } else { None };
        for body in broken {
            server
                .raw(method.clone(), &path, token, JSON, body.to_vec())
                .await
                .assert_error(400, "malformed_json");
        }
        // Hostile nesting is refused without the server spending its stack
        // on it (as bad syntax or as the wrong shape, depending on where the
        // parser gives up).
        for body in [&deep_arrays, &deep_objects] {
            let reply = server
                .raw(method.clone(), &path, token, JSON, body.clone())
                .await;
            assert!(
                [400, 422].contains(&reply.status.as_u16()),
                "{path}: {}",
                reply.status
            );
        }
    }
    assert!(server.messages(&alice, conversation).await.is_empty());
    server.assert_healthy().await;
}

#[tokio::test]
async fn fields_of_the_wrong_type_or_shape_are_unprocessable() {
    let server = Server::start().await;
    let (alice, bob, conversation) = setup(&server).await;
    let messages = format!("/v1/conversations/{conversation}/messages");
    let receipts = format!("/v1/conversations/{conversation}/receipts");
    let cases = [
        (
            "/v1/accounts",
            None,
            json!({"handle": 5, "display_name": "Eve", "password": PASSWORD, "device_name": "x"}),
        ),
        (
            "/v1/accounts",
            None,
            json!({"handle": "eve", "display_name": "Eve", "password": PASSWORD}),
        ),
        (
            "/v1/accounts",
            None,
            json!({"handle": "eve", "display_name": "Eve", "password": PASSWORD,
                   "device_name": "x", "admin": true}),
        ),
        ("/v1/sessions", None, json!("alice")),
        ("/v1/connections", alice.token(), json!({"handle": ["bob"]})),
        (
            "/v1/conversations/direct",
            alice.token(),
            json!({"peer": "bob"}),
        ),
        (
            "/v1/conversations/direct",
            alice.token(),
            json!({"peer": 1.5}),
        ),
        (
            "/v1/conversations/group",
            alice.token(),
            json!({"title": "T", "members": bob.id()}),
        ),
        (
            &messages,
            alice.token(),
            json!({"client_id": "not-a-uuid", "kind": "text", "body": "Hi"}),
        ),
        (
            &messages,
            alice.token(),
            json!({"client_id": Uuid::now_v7(), "kind": "text", "body": 42}),
        ),
        (
            &messages,
            alice.token(),
            json!({"client_id": Uuid::now_v7(), "kind": "text"}),
        ),
        (
            &messages,
            alice.token(),
            json!({"client_id": Uuid::now_v7(), "kind": "text", "body": "Hi", "reference": "first"}),
        ),
        (
            &messages,
            alice.token(),
            json!({"client_id": Uuid::now_v7(), "kind": "text", "body": "Hi", "sender": 2}),
        ),
        ("/v1/blocks", alice.token(), json!({"user_id": "bob"})),
        (
            "/v1/blocks",
            alice.token(),
            json!({"user_id": bob.id(), "silently": true}),
        ),
        (
            "/v1/reports",
            alice.token(),
            json!({"client_id": Uuid::now_v7(), "reported": bob.id(), "description": "Rude",
                   "conversation": null, "evidence": []}),
        ),
        (
            "/v1/reports",
            alice.token(),
            json!({"client_id": Uuid::now_v7(), "reported": bob.id(), "category": "rudeness",
                   "description": "Rude", "conversation": null, "evidence": []}),
        ),
        (
            "/v1/reports",
            alice.token(),
            json!({"client_id": Uuid::now_v7(), "reported": bob.id(), "category": "harassment",
                   "description": "Rude", "conversation": null,
                   "evidence": [{"message_id": 1, "chain_hash": "00"}]}),
        ),
        (
            "/v1/admin/reports/1/actions",
            alice.token(),
            json!({"action": {"action": "ban"}, "reason": "Rude"}),
        ),
        (
            "/v1/admin/reports/1/actions",
            alice.token(),
            json!({"action": {"action": "suspend", "days": -1}, "reason": "Rude"}),
        ),
        (&receipts, alice.token(), json!({"read_up_to": "ten"})),
        (&receipts, alice.token(), json!({"read_up_to": 1e30})),
        (&receipts, alice.token(), json!(null)),
    ];
    for (path, token, body) in cases {
        server
            .post(path, token, &body)
            .await
            .assert_error(422, "invalid_field");
    }
    server
        .patch(
            "/v1/profile",
            alice.token(),
            &json!({"phone": 33612345678_i64}),
        )
        .await
        .assert_error(422, "invalid_field");
    assert!(server.messages(&alice, conversation).await.is_empty());
    server.assert_healthy().await;
}

#[tokio::test]
async fn a_body_needs_a_json_content_type() {
    let server = Server::start().await;
    let (alice, _bob, conversation) = setup(&server).await;
    let body = serde_json::to_vec(&text("Hello")).expect("JSON");
    for (method, path, authed) in json_routes(conversation) {
        let token = if authed { alice.token() } else { None };
        for content_type in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
        ] {
            server
                .raw(method.clone(), &path, token, content_type, body.clone())
                .await
                .assert_error(415, "unsupported_media_type");
        }
    }
    // With the right type the same bytes are a message.
    server
        .raw(
            Method::POST,
            &format!("/v1/conversations/{conversation}/messages"),
            alice.token(),
            Some("application/json; charset=utf-8"),
            body,
        )
        .await
        .assert_status(201);
    assert_eq!(server.messages(&alice, conversation).await.len(), 1);
}

#[tokio::test]
async fn bodies_over_64_kib_are_refused() {
    let server = Server::start().await;
    let (alice, _bob, conversation) = setup(&server).await;
    // Valid JSON, just too big.
    let big = serde_json::to_vec(&text(&"a".repeat(70 * 1024))).expect("JSON");
    assert!(big.len() > 64 * 1024);
    for (method, path, authed) in json_routes(conversation) {
        let token = if authed { alice.token() } else { None };
        server
            .raw(method, &path, token, JSON, big.clone())
            .await
            .assert_error(413, "body_too_large");
    }
    // The largest legitimate message, 10,000 four-byte characters with both
    // correction fields full, fits under the limit.
    let first = server.say(&alice, conversation, "Meeting on Tuesday").await;
    let request = SendMessageRequest {
        client_id: Uuid::now_v7(),
        kind: MessageKind::Correction,
        reference: Some(first.id),
        body: "🦀".repeat(MAX_BODY_CHARS),
        correction: Some(CorrectionFields {
            what_was_wrong: "📅".repeat(MAX_CORRECTION_FIELD_CHARS),
            correct_information: "🗓".repeat(MAX_CORRECTION_FIELD_CHARS),
        }),
    };
    let sent: SendMessageResponse = server
        .post(
            &format!("/v1/conversations/{conversation}/messages"),
            alice.token(),
            &request,
        )
        .await
        .ok(201);
    assert_eq!(sent.message.body, request.body);
    assert_eq!(server.messages(&alice, conversation).await.len(), 2);
    server.assert_healthy().await;
}

#[tokio::test]
async fn message_bodies_are_between_1_and_10000_characters() {
    let server = Server::start().await;
    let (alice, bob, conversation) = setup(&server).await;
    let path = format!("/v1/conversations/{conversation}/messages");
    let too_long_ascii = "a".repeat(MAX_BODY_CHARS + 1);
    let too_long_accented = "é".repeat(MAX_BODY_CHARS + 1);
    for body in [
        "",
        " ",
        "   \n\t  \r\n",
        "\u{2003}\u{3000}",
        &too_long_ascii,
        &too_long_accented,
    ] {
        server
            .post(&path, alice.token(), &text(body))
            .await
            .assert_error(422, "invalid_body");
    }
    assert!(server.messages(&bob, conversation).await.is_empty());

    // Exactly 10,000 characters is fine, and so is surrounding whitespace,
    // which is trimmed away.
    let exact = "a".repeat(MAX_BODY_CHARS);
    let m = server.say(&alice, conversation, &exact).await;
    assert_eq!(m.body, exact);
    let padded = format!("  \n{}\n  ", "é".repeat(MAX_BODY_CHARS));
    let m = server.say(&bob, conversation, &padded).await;
    assert_eq!(m.body.chars().count(), MAX_BODY_CHARS);
    // Odd but valid text arrives exactly as sent.
    let odd = "nul \u{0} here, rtl \u{202e}txet, zero\u{200b}width, <script>alert(1)</script>";
    let m = server.say(&alice, conversation, odd).await;
    assert_eq!(m.body, odd);

    let stored = server.messages(&bob, conversation).await;
    assert_eq!(stored.len(), 3);
    assert_eq!(stored[2].body, odd);
    server.assert_healthy().await;
}

#[tokio::test]
async fn kinds_and_references_are_checked() {
    let server = Server::start().await;
    let (alice, bob, conversation) = setup(&server).await;
    let carol = server.carol().await;
    server.connect(&alice, &carol).await;
    let elsewhere = server.direct(&alice, &carol).await;
    let path = format!("/v1/conversations/{conversation}/messages");

    let mine = server
        .say(&alice, conversation, "The launch is on Monday")
        .await;
    let bobs = server.say(&bob, conversation, "Noted").await;
    let other = server.say(&alice, elsewhere.id, "Hi Carol").await;

    let fields = || {
        Some(CorrectionFields {
            what_was_wrong: "The day".into(),
            correct_information: "The launch is on Tuesday".into(),
        })
    };
    let request = |kind, reference: Option<MessageId>, correction| SendMessageRequest {
        client_id: Uuid::now_v7(),
        kind,
        reference,
        body: "About my last message".into(),
        correction,
    };

    // A kind the server does not know.
    for kind in ["unsend", "edit", "delete", "TEXT", ""] {
        server
            .post(
                &path,
                alice.token(),
                &json!({"client_id": Uuid::now_v7(), "kind": kind, "body": "Hi"}),
            )
            .await
            .assert_error(422, "invalid_field");
    }
    let refused = [
        // A reference must point into this conversation...
        (
            request(MessageKind::Correction, Some(other.id), fields()),
            "invalid_reference",
        ),
        (
            request(MessageKind::Urgent, Some(other.id), None),
            "invalid_reference",
        ),
        (
            request(MessageKind::Retraction, Some(MessageId(987_654)), None),
            "invalid_reference",
        ),
        (
            request(MessageKind::Urgent, Some(MessageId(-1)), None),
            "invalid_reference",
        ),
        // ...to the sender's own message for corrections and retractions...
        (
            request(MessageKind::Correction, Some(bobs.id), fields()),
            "reference_not_own",
        ),
        (
            request(MessageKind::Retraction, Some(bobs.id), None),
            "reference_not_own",
        ),
        // ...and those kinds need one.
        (
            request(MessageKind::Correction, None, fields()),
            "reference_required",
        ),
        (
            request(MessageKind::Retraction, None, None),
            "reference_required",
        ),
        (
            request(MessageKind::Urgent, None, None),
            "reference_required",
        ),
        // A correction says what was wrong; nothing else carries those fields.
        (
            request(MessageKind::Correction, Some(mine.id), None),
            "correction_fields_required",
        ),
        (
            request(MessageKind::Text, None, fields()),
            "unexpected_correction_fields",
        ),
        (
            request(MessageKind::Correction, Some(mine.id), {
                let mut f = fields();
                if let Some(f) = &mut f {
                    f.what_was_wrong = "  ".into();
                }
                f
            }),
            "invalid_field",
        ),
        (
            request(MessageKind::Correction, Some(mine.id), {
                let mut f = fields();
                if let Some(f) = &mut f {
                    f.correct_information = "x".repeat(MAX_CORRECTION_FIELD_CHARS + 1);
                }
                f
            }),
            "invalid_field",
        ),
    ];
    for (req, code) in refused {
        server
            .post(&path, alice.token(), &req)
            .await
            .assert_error(422, code);
    }
    // A body of `null` where the correction fields go is the same as none.
    server
        .post(
            &path,
            alice.token(),
            &json!({"client_id": Uuid::now_v7(), "kind": "correction", "reference": mine.id,
                    "body": "Sorry", "correction": null}),
        )
        .await
        .assert_error(422, "correction_fields_required");

    // Nothing of that was stored.
    assert_eq!(server.messages(&alice, conversation).await.len(), 2);

    // The legitimate follow-ups are accepted.
    for req in [
        request(MessageKind::Correction, Some(mine.id), fields()),
        request(MessageKind::Retraction, Some(mine.id), None),
        request(MessageKind::Urgent, Some(bobs.id), None),
        request(MessageKind::Apology, None, None),
        request(MessageKind::Apology, Some(bobs.id), None),
    ] {
        let sent: SendMessageResponse = server.post(&path, alice.token(), &req).await.ok(201);
        assert_eq!(sent.message.kind, req.kind);
        assert_eq!(sent.message.reference, req.reference);
        assert_eq!(sent.message.correction, req.correction);
    }
    let stored: Vec<Message> = server.messages(&bob, conversation).await;
    assert_eq!(stored.len(), 7);
    server.assert_healthy().await;
}

#[tokio::test]
async fn invalid_utf8_is_refused() {
    let server = Server::start().await;
    let (alice, _bob, conversation) = setup(&server).await;
    let mut message = format!(
        "{{\"client_id\":\"{}\",\"kind\":\"text\",\"body\":\"bad ",
        Uuid::now_v7()
    )
    .into_bytes();
    message.extend_from_slice(&[0xff, 0xfe, 0xc3]);
    message.extend_from_slice(b"\"}");
    let path = format!("/v1/conversations/{conversation}/messages");
    let reply = server
        .raw(Method::POST, &path, alice.token(), JSON, message)
        .await;
    assert!(reply.status.is_client_error(), "{}", reply.status);

    let mut sign_up = b"{\"handle\":\"eve\",\"display_name\":\"".to_vec();
    sign_up.extend_from_slice(&[0xed, 0xa0, 0x80]); // an encoded surrogate
    sign_up.extend_from_slice(
        format!("\",\"password\":\"{PASSWORD}\",\"device_name\":\"laptop\"}}").as_bytes(),
    );
    let reply = server
        .raw(Method::POST, "/v1/accounts", None, JSON, sign_up)
        .await;
    assert!(reply.status.is_client_error(), "{}", reply.status);

    // A lone surrogate escape is not text either.
    let escaped = format!(
        "{{\"client_id\":\"{}\",\"kind\":\"text\",\"body\":\"\\ud800\"}}",
        Uuid::now_v7()
    );
    let reply = server
        .raw(Method::POST, &path, alice.token(), JSON, escaped)
        .await;
    assert!(reply.status.is_client_error(), "{}", reply.status);

    // Broken percent-encoding: the query decodes to replacement characters
    // (which match nobody), the path is refused.
    let found: Vec<serde_json::Value> = server
        .get("/v1/directory?q=%FF%FE", alice.token())
        .await
        .ok(200);
    assert!(found.is_empty());
    server
        .get("/v1/conversations/%FF/messages", alice.token())
        .await
        .assert_error(400, "invalid_path");

    assert!(server.messages(&alice, conversation).await.is_empty());
    let reply = server.get("/v1/directory?q=eve", alice.token()).await;
    assert_eq!(reply.ok::<Vec<serde_json::Value>>(200).len(), 0);
    server.assert_healthy().await;
}

#[tokio::test]
async fn page_sizes_are_bounded() {
    let server = Server::start().await;
    let (alice, _bob, conversation) = setup(&server).await;
    let messages = format!("/v1/conversations/{conversation}/messages");
    for base in ["/v1/sync?since=0&", &format!("{messages}?")] {
        for limit in ["0", "1001", "1000000", "4294967295"] {
            server
                .get(&format!("{base}limit={limit}"), alice.token())
                .await
                .assert_error(400, "invalid_limit");
        }
        // Not a number the server could use at all.
        for limit in ["-1", "99999999999999999999", "ten", "1e3", ""] {
            server
                .get(&format!("{base}limit={limit}"), alice.token())
                .await
                .assert_error(400, "invalid_query");
        }
        server
            .get(&format!("{base}limit=1000"), alice.token())
            .await
            .assert_status(200);
    }
    for limit in ["0", "51", "4294967295"] {
        server
            .get(&format!("/v1/directory?q=bo&limit={limit}"), alice.token())
            .await
            .assert_error(400, "invalid_limit");
    }
    // Unknown parameters are mistakes, not silently ignored.
    server
        .get("/v1/sync?since=0&limt=5", alice.token())
        .await
        .assert_error(400, "invalid_query");
    server
        .get("/v1/sync?since=abc", alice.token())
        .await
        .assert_error(400, "invalid_query");
    // Cursors far out of range are fine: there is simply nothing there.
    let page: candor_proto::SyncPage = server
        .get(&format!("/v1/sync?since={}", i64::MAX), alice.token())
        .await
        .ok(200);
    assert!(page.events.is_empty());
    let none: Vec<Message> = server
        .get(&format!("{messages}?after={}", i64::MIN), alice.token())
        .await
        .ok(200);
    assert!(none.is_empty());
    server.assert_healthy().await;
}

#[tokio::test]
async fn path_ids_must_be_positive_integers() {
    let server = Server::start().await;
    let (alice, bob, _conversation) = setup(&server).await;
    let templates = [
        (Method::DELETE, "/v1/sessions/{}"),
        (Method::GET, "/v1/users/{}"),
        (Method::POST, "/v1/connections/{}/accept"),
        (Method::POST, "/v1/connections/{}/decline"),
        (Method::GET, "/v1/conversations/{}"),
        (Method::GET, "/v1/conversations/{}/messages"),
        (Method::POST, "/v1/conversations/{}/messages"),
        (Method::GET, "/v1/conversations/{}/receipts"),
        (Method::POST, "/v1/conversations/{}/receipts"),
        (Method::DELETE, "/v1/blocks/{}"),
        (Method::GET, "/v1/admin/reports/{}"),
        (Method::POST, "/v1/admin/reports/{}/actions"),
    ];
    for (method, template) in templates {
        for id in [
            "abc",
            "-1",
            "0",
            "1.5",
            "0x10",
            "99999999999999999999",
            "%20",
        ] {
            let path = template.replace("{}", id);
            let builder = server
                .request(method.clone(), &path, alice.token())
                .json(&text("Hi"));
            server.send(builder).await.assert_error(400, "invalid_path");
        }
    }
    // A well-formed id of nothing is simply not found.
    server
        .get("/v1/users/424242", alice.token())
        .await
        .assert_error(404, "user_not_found");
    // Alice's sessions and Bob's profile are untouched.
    server
        .get("/v1/profile", alice.token())
        .await
        .assert_status(200);
    server
        .get(&format!("/v1/users/{}", bob.id()), alice.token())
        .await
        .assert_status(200);
    server.assert_healthy().await;
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods() {
    let server = Server::start().await;
    let alice = server.alice().await;
    for path in [
        "/",
        "/v1",
        "/v1/",
        "/v1/nope",
        "/v2/server",
        "/v1/server/",
        "/v1/conversations/1/messages/1",
        "/v1/conversations/1/members",
        "/v1/users",
        "/../etc/passwd",
    ] {
        for token in [None, alice.token()] {
            server.get(path, token).await.assert_error(404, "no_route");
        }
    }
    for (method, path) in [
        (Method::DELETE, "/v1/server"),
        (Method::GET, "/v1/accounts"),
        (Method::PUT, "/v1/profile"),
        (Method::DELETE, "/v1/profile"),
        (Method::POST, "/v1/sync"),
        (Method::POST, "/v1/directory"),
        (Method::DELETE, "/v1/conversations/1"),
        (Method::PUT, "/v1/conversations/1/messages"),
        (Method::PATCH, "/v1/conversations/1/messages"),
        (Method::DELETE, "/v1/conversations/1/messages"),
        (Method::GET, "/v1/connections/1/accept"),
        (Method::GET, "/v1/sessions/current"),
        (Method::PUT, "/v1/blocks"),
        (Method::GET, "/v1/blocks/1"),
        (Method::DELETE, "/v1/reports"),
        (Method::PUT, "/v1/admin/reports/1"),
        (Method::DELETE, "/v1/admin/reports/1"),
        (Method::PATCH, "/v1/admin/reports/1"),
        (Method::GET, "/v1/admin/reports/1/actions"),
        (Method::DELETE, "/v1/admin/reports/1/actions"),
    ] {
        let builder = server
            .request(method, path, alice.token())
            .json(&serde_json::json!({}));
        server
            .send(builder)
            .await
            .assert_error(405, "method_not_allowed");
    }
    server.assert_healthy().await;
}

#[tokio::test]
async fn sign_up_checks_handle_password_and_uniqueness() {
    let server = Server::start().await;
    let alice = server.alice().await;
    let sign_up = |handle: &str, display_name: &str, password: &str| {
        let body = json!({"handle": handle, "display_name": display_name,
                          "password": password, "device_name": "laptop"});
        let server = &server;
        async move { server.post("/v1/accounts", None, &body).await }
    };

    for password in ["", "short", "123456789", "ééééééééé", &"p".repeat(1025)] {
        sign_up("eve", "Eve", password)
            .await
            .assert_error(422, "weak_password");
    }
    for handle in [
        "",
        "ev",
        "1eve",
        "_eve",
        "e ve",
        "eve!",
        "ève",
        "eve\u{0}",
        &"e".repeat(33),
    ] {
        sign_up(handle, "Eve", PASSWORD)
            .await
            .assert_error(422, "invalid_handle");
    }
    for display_name in ["", "   ", "Eve\u{7}", &"E".repeat(81)] {
        sign_up("eve", display_name, PASSWORD)
            .await
            .assert_error(422, "invalid_field");
    }
    for handle in ["alice", "ALICE", " Alice "] {
        sign_up(handle, "Another Alice", PASSWORD)
            .await
            .assert_error(409, "handle_taken");
    }
    // None of the refusals created anyone, or touched Alice's account.
    let found: Vec<serde_json::Value> =
        server.get("/v1/directory?q=e", alice.token()).await.ok(200);
    assert!(found.is_empty(), "{found:?}");
    server.sign_in(&alice, "phone").await;
    let me: candor_proto::Profile = server.get("/v1/profile", alice.token()).await.ok(200);
    assert_eq!(me.display_name, "Alice Martin");

    // Exactly ten characters is enough.
    sign_up("eve", "Eve", "0123456789").await.assert_status(201);

    // Wrong passwords and unknown handles look the same.
    let wrong = server
        .post(
            "/v1/sessions",
            None,
            &json!({"handle": "alice", "password": "not her password", "device_name": "x"}),
        )
        .await
        .assert_error(401, "invalid_credentials");
    let unknown = server
        .post(
            "/v1/sessions",
            None,
            &json!({"handle": "nobody", "password": PASSWORD, "device_name": "x"}),
        )
        .await
        .assert_error(401, "invalid_credentials");
    assert_eq!(wrong, unknown);
    server.assert_healthy().await;
}

#[tokio::test]
async fn profiles_connections_and_groups_refuse_nonsense() {
    let server = Server::start().await;
    let (alice, bob, _conversation) = setup(&server).await;
    let carol = server.carol().await;

    // Profiles.
    for (update, code) in [
        (json!({"phone": "call me maybe"}), "invalid_phone"),
        (json!({"phone": "1234"}), "invalid_phone"),
        (
            json!({"phone": "+1 (555) 123-4567 ext. 89012345678"}),
            "invalid_phone",
        ),
        (json!({"display_name": ""}), "invalid_field"),
        (json!({"display_name": "Alice\u{1b}[31m"}), "invalid_field"),
        (json!({"headline": "h".repeat(161)}), "invalid_field"),
    ] {
        server
            .patch("/v1/profile", alice.token(), &update)
            .await
            .assert_error(422, code);
    }
    let me: candor_proto::Profile = server.get("/v1/profile", alice.token()).await.ok(200);
    assert_eq!((me.display_name.as_str(), me.phone), ("Alice Martin", None));

    // Connections.
    let invite = |from: &Person, handle: &str| {
        let token = from.token.clone();
        let body = json!({ "handle": handle });
        let server = &server;
        async move { server.post("/v1/connections", Some(&token), &body).await }
    };
    invite(&alice, "alice")
        .await
        .assert_error(422, "cannot_invite_self");
    invite(&alice, "nobody")
        .await
        .assert_error(404, "user_not_found");
    invite(&alice, "bob")
        .await
        .assert_error(409, "already_connected");
    for action in ["accept", "decline"] {
        server
            .post(
                &format!("/v1/connections/{}/{action}", carol.id()),
                alice.token(),
                &json!({}),
            )
            .await
            .assert_error(404, "invitation_not_found");
    }
    // Only the invited side answers an invitation.
    invite(&alice, "carol").await.assert_status(200);
    server
        .post(
            &format!("/v1/connections/{}/accept", carol.id()),
            alice.token(),
            &json!({}),
        )
        .await
        .assert_error(404, "invitation_not_found");

    // Conversations.
    server
        .post(
            "/v1/conversations/direct",
            alice.token(),
            &json!({"peer": alice.id()}),
        )
        .await
        .assert_error(422, "cannot_message_self");
    let fifty_others: Vec<i64> = (1_000..1_050).collect();
    for (body, code) in [
        (
            json!({"title": "Alone", "members": []}),
            "invalid_group_size",
        ),
        (
            json!({"title": "Alone", "members": [alice.id(), alice.id()]}),
            "invalid_group_size",
        ),
        (
            json!({"title": "Crowd", "members": fifty_others}),
            "invalid_group_size",
        ),
        (json!({"title": "", "members": [bob.id()]}), "invalid_field"),
        (
            json!({"title": "t".repeat(121), "members": [bob.id()]}),
            "invalid_field",
        ),
    ] {
        server
            .post("/v1/conversations/group", alice.token(), &body)
            .await
            .assert_error(422, code);
    }
    let conversations: Vec<candor_proto::Conversation> =
        server.get("/v1/conversations", alice.token()).await.ok(200);
    assert_eq!(conversations.len(), 1, "only the direct one from the setup");
    server.assert_healthy().await;
}
