//! Per-caller rate limits: after the burst a caller gets 429 with a
//! `Retry-After`, and other callers are not affected.

mod common;

use candor_server::RateConfig;
use common::Server;
use reqwest::header::RETRY_AFTER;

#[tokio::test]
async fn a_caller_past_the_burst_is_told_to_retry_later() {
    let server = Server::start_with(|config| {
        config.rate = RateConfig {
            burst: 5.0,
            per_second: 1.0,
        };
    })
    .await;
    // Signing up spends a request of each caller's address bucket; from then
    // on each token has a bucket of its own.
    let alice = server.alice().await;
    let bob = server.bob().await;

    // The whole burst is served.
    for _ in 0..5 {
        server
            .get("/v1/profile", alice.token())
            .await
            .assert_status(200);
    }
    // Then, at once or after the odd refill, a refusal.
    let mut refused = None;
    for _ in 0..100 {
        let reply = server.get("/v1/profile", alice.token()).await;
        if reply.status.as_u16() == 429 {
            refused = Some(reply);
            break;
        }
        reply.assert_status(200);
    }
    let refused = refused.expect("a 429 after the burst");
    refused.assert_error(429, "rate_limited");
    let retry_after: u64 = refused
        .headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After header in whole seconds");
    assert!(retry_after >= 1);

    // Bob's token has a bucket of its own.
    server
        .get("/v1/profile", bob.token())
        .await
        .assert_status(200);
}

#[tokio::test]
async fn anonymous_callers_are_limited_by_address() {
    let server = Server::start_with(|config| {
        config.rate = RateConfig {
            burst: 5.0,
            per_second: 1.0,
        };
    })
    .await;
    // Without a token the caller is its address.
    let mut refused = false;
    for _ in 0..100 {
        let reply = server.get("/v1/server", None).await;
        if reply.status.as_u16() == 429 {
            reply.assert_error(429, "rate_limited");
            assert!(reply.headers.contains_key(RETRY_AFTER));
            refused = true;
            break;
        }
        reply.assert_status(200);
    }
    assert!(refused, "anonymous requests are limited too");
}

#[tokio::test]
async fn cycling_made_up_tokens_is_limited_by_address() {
    let server = Server::start_with(|config| {
        config.rate = RateConfig {
            burst: 5.0,
            per_second: 1.0,
        };
    })
    .await;
    // Every request brings a new token, so no token bucket ever empties;
    // the address bucket (ten times a caller's allowance) does.
    let mut refused = false;
    for i in 0..200 {
        let token = format!("cnd_guess_{i}");
        let reply = server.get("/v1/profile", Some(token.as_str())).await;
        if reply.status.as_u16() == 429 {
            reply.assert_error(429, "rate_limited");
            refused = true;
            break;
        }
        reply.assert_error(401, "unauthorized");
    }
    assert!(refused, "guessing tokens is throttled");
}
