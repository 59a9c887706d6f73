//! The OpenAPI document at `/v1/openapi.json` tells the truth: it lists
//! exactly the API's routes, each of them exists, and it says correctly which
//! ones need a token.

mod common;

use std::collections::BTreeSet;

use common::Server;
use reqwest::Method;
use serde_json::Value;

/// Every route of the API, as a client author would list them.
const ROUTES: &[(&str, &str)] = &[
    ("get", "/v1/server"),
    ("post", "/v1/accounts"),
    ("post", "/v1/sessions"),
    ("get", "/v1/sessions"),
    ("delete", "/v1/sessions/current"),
    ("delete", "/v1/sessions/{id}"),
    ("get", "/v1/profile"),
    ("patch", "/v1/profile"),
    ("get", "/v1/users/{id}"),
    ("get", "/v1/directory"),
    ("get", "/v1/connections"),
    ("post", "/v1/connections"),
    ("post", "/v1/connections/{user_id}/accept"),
    ("post", "/v1/connections/{user_id}/decline"),
    ("get", "/v1/conversations"),
    ("post", "/v1/conversations/direct"),
    ("post", "/v1/conversations/group"),
    ("get", "/v1/conversations/{id}"),
    ("get", "/v1/conversations/{id}/messages"),
    ("post", "/v1/conversations/{id}/messages"),
    ("get", "/v1/conversations/{id}/receipts"),
    ("post", "/v1/conversations/{id}/receipts"),
    ("get", "/v1/incidents"),
    ("get", "/v1/incidents/{id}"),
    ("put", "/v1/incidents/{id}"),
    ("get", "/v1/blocks"),
    ("post", "/v1/blocks"),
    ("delete", "/v1/blocks/{user_id}"),
    ("get", "/v1/reports"),
    ("post", "/v1/reports"),
    ("get", "/v1/admin/reports"),
    ("get", "/v1/admin/reports/{id}"),
    ("post", "/v1/admin/reports/{id}/actions"),
    ("get", "/v1/sync"),
    ("get", "/v1/events"),
];

/// The routes anyone may call without a token.
const PUBLIC: &[(&str, &str)] = &[
    ("get", "/v1/server"),
    ("post", "/v1/accounts"),
    ("post", "/v1/sessions"),
];

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// (method, path, operation) for every operation in the document.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let paths = doc["paths"].as_object().expect("the document has paths");
    let mut out = Vec::new();
    for (path, item) in paths {
        let item = item.as_object().expect("a path item is an object");
        for (method, operation) in item {
            if METHODS.contains(&method.as_str()) {
                out.push((method.clone(), path.clone(), operation.clone()));
            }
        }
    }
    out
}

/// `/v1/conversations/{id}/messages` → `/v1/conversations/1/messages`
fn with_ids(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') && segment.ends_with('}') {
                "1"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn needs_token(doc: &Value, operation: &Value) -> bool {
    let security = operation.get("security").or_else(|| doc.get("security"));
    security
        .and_then(Value::as_array)
        .is_some_and(|requirements| {
            requirements
                .iter()
                .any(|r| r.as_object().is_some_and(|r| r.contains_key("bearer")))
        })
}

async fn document(server: &Server) -> Value {
    server.get("/v1/openapi.json", None).await.ok(200)
}

#[tokio::test]
async fn the_document_lists_exactly_the_api_routes() {
    let server = Server::start().await;
    let doc = document(&server).await;
    let version = doc["openapi"].as_str().expect("an openapi version");
    assert!(version.starts_with("3."), "OpenAPI 3.x, got {version}");
    assert!(doc["info"]["title"].is_string());

    let documented: BTreeSet<(String, String)> = operations(&doc)
        .into_iter()
        .map(|(method, path, _)| (method, path))
        .collect();
    let expected: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let missing: Vec<_> = expected.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&expected).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "undocumented routes: {missing:?}; documented but not expected: {unknown:?}"
    );

    // Every schema an operation refers to is in the document.
    let text = doc.to_string();
    let schemas = doc["components"]["schemas"]
        .as_object()
        .expect("component schemas");
    for reference in text.split("\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap_or_default();
        assert!(schemas.contains_key(name), "dangling reference to {name}");
    }
    // The bearer scheme the operations name is defined.
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

#[tokio::test]
async fn every_documented_operation_exists_and_guards_as_documented() {
    let server = Server::start().await;
    let doc = document(&server).await;
    let ops = operations(&doc);
    assert_eq!(ops.len(), ROUTES.len());
    for (method, path, operation) in ops {
        let url = with_ids(&path);
        let verb = Method::from_bytes(method.to_uppercase().as_bytes()).expect("an HTTP method");
        let reply = server
            .send(
                server
                    .request(verb, &url, None)
                    .json(&serde_json::json!({})),
            )
            .await;
        assert_ne!(reply.status.as_u16(), 405, "{method} {path} is not routed");
        if reply.status.as_u16() == 404 {
            assert_ne!(
                reply.error().code,
                "no_route",
                "{method} {path} is not routed"
            );
        }
        let public = PUBLIC.contains(&(method.as_str(), path.as_str()));
        assert_eq!(
            needs_token(&doc, &operation),
            !public,
            "{method} {path}: the document's security"
        );
        if public {
            assert_ne!(reply.status.as_u16(), 401, "{method} {path} needs no token");
        } else {
            reply.assert_error(401, "unauthorized");
        }
    }
}
