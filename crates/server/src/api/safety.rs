//! Blocking and reporting. The rules (who may do what, what a block
//! prevents, what counts as evidence) live in the store; these handlers
//! parse, call it, publish the feed events and answer.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use candor_proto::{BlockChange, BlockRequest, ErrorBody, ReportRequest, ReportView, UserId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{now_ms, ApiJson, ApiPath, ApiResult, App, Authed, PathId};

pub(super) fn register(router: OpenApiRouter<App>) -> OpenApiRouter<App> {
    router
        .routes(routes!(list_blocks, block))
        .routes(routes!(unblock))
        .routes(routes!(list_reports, report))
}

/// The people you block, most recent first.
#[utoipa::path(get, path = "/v1/blocks", tag = "safety", security(("bearer" = [])),
    responses((status = 200, body = Vec<BlockChange>)))]
async fn list_blocks(State(app): State<App>, auth: Authed) -> ApiResult<Json<Vec<BlockChange>>> {
    Ok(Json(app.store(move |s| s.blocks(auth.user)).await?))
}

/// Blocks a person. The connection between you ends (`removed` on both
/// sides); neither of you can write in your direct conversation, invite the
/// other, open a conversation or a group with the other, or see the other's
/// profile, from any device; each disappears from the other's directory
/// search. Group messages still flow. The history stays. Only your own
/// devices hear of the block. Blocking again is harmless.
#[utoipa::path(post, path = "/v1/blocks", tag = "safety", security(("bearer" = [])),
    request_body = BlockRequest,
    responses(
        (status = 200, body = BlockChange),
        (status = 400, description = "`cannot_block_self`", body = ErrorBody),
        (status = 404, description = "`user_not_found`", body = ErrorBody)))]
async fn block(
    State(app): State<App>,
    auth: Authed,
    ApiJson(req): ApiJson<BlockRequest>,
) -> ApiResult<Json<BlockChange>> {
    let now = now_ms();
    let (change, deliveries) = app
        .store(move |s| s.block(auth.user, req.user_id, now))
        .await?;
    app.hub.publish(deliveries);
    Ok(Json(change))
}

/// Unblocks a person. It restores the ability to connect (a new
/// invitation), not the old connection.
#[utoipa::path(delete, path = "/v1/blocks/{user_id}", tag = "safety", security(("bearer" = [])),
    params(("user_id" = i64, Path, description = "Who to unblock")),
    responses(
        (status = 200, body = BlockChange),
        (status = 400, description = "`cannot_block_self`", body = ErrorBody),
        (status = 404, description = "`user_not_found`", body = ErrorBody)))]
async fn unblock(
    State(app): State<App>,
    auth: Authed,
    ApiPath(PathId(id)): ApiPath<PathId>,
) -> ApiResult<Json<BlockChange>> {
    let now = now_ms();
    let (change, deliveries) = app
        .store(move |s| s.unblock(auth.user, UserId(id), now))
        .await?;
    app.hub.publish(deliveries);
    Ok(Json(change))
}

/// The reports you filed, newest first, with their status.
#[utoipa::path(get, path = "/v1/reports", tag = "safety", security(("bearer" = [])),
    responses((status = 200, body = Vec<ReportView>)))]
async fn list_reports(State(app): State<App>, auth: Authed) -> ApiResult<Json<Vec<ReportView>>> {
    Ok(Json(app.store(move |s| s.reports(auth.user)).await?))
}

/// Reports a person to the moderators, with messages as evidence. Each
/// evidence item must be a message of a conversation you are in (of the
/// reported conversation, when one is given; then at least one is needed)
/// and carry the chain hash and signature the server recorded, so evidence
/// altered on a device is refused. The reported person is never told.
/// Re-sending the same `client_id` returns the stored report (200).
#[utoipa::path(post, path = "/v1/reports", tag = "safety", security(("bearer" = [])),
    request_body = ReportRequest,
    responses(
        (status = 201, body = ReportView), (status = 200, body = ReportView),
        (status = 400, description = "`cannot_report_self`", body = ErrorBody),
        (status = 404, description = "`user_not_found`, `conversation_not_found`, `evidence_not_found`", body = ErrorBody),
        (status = 409, description = "`client_id_reused`", body = ErrorBody),
        (status = 422, description = "`evidence_required`, `evidence_mismatch`, `evidence_not_in_conversation`, `too_much_evidence`, `invalid_field`", body = ErrorBody),
        (status = 429, description = "`report_limit` (10 a day); see `Retry-After`", body = ErrorBody)))]
async fn report(
    State(app): State<App>,
    auth: Authed,
    ApiJson(req): ApiJson<ReportRequest>,
) -> ApiResult<(StatusCode, Json<ReportView>)> {
    let now = now_ms();
    let (view, created, deliveries) = app
        .store(move |s| s.create_report(auth.user, req, now))
        .await?;
    app.hub.publish(deliveries);
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(view)))
}
