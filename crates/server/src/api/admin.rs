//! The moderators' API: the report queue, a report's full detail, and
//! moderation actions. The store refuses anyone without the moderator role
//! (403 `forbidden`) inside each operation, so a role taken away takes effect
//! at the next request. The same operations are available on the server's
//! machine as `candor-server admin`.

use axum::extract::State;
use axum::Json;
use candor_proto::admin::{AdminReport, ReportDetail};
use candor_proto::{ErrorBody, ModerationRequest, ReportStatus};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{now_ms, ApiJson, ApiPath, ApiQuery, ApiResult, App, Authed, PathId};
use crate::store::Moderator;

pub(super) fn register(router: OpenApiRouter<App>) -> OpenApiRouter<App> {
    router
        .routes(routes!(list_reports))
        .routes(routes!(get_report))
        .routes(routes!(act))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
struct ReportsQuery {
    /// Only reports with this status (`received`, `under_review`,
    /// `action_taken`, `dismissed`); all without it.
    #[param(value_type = Option<ReportStatus>)]
    status: Option<ReportStatus>,
}

/// Reports, oldest first, with who filed them and about whom. Moderators only.
#[utoipa::path(get, path = "/v1/admin/reports", tag = "moderation", security(("bearer" = [])),
    params(ReportsQuery),
    responses(
        (status = 200, body = Vec<AdminReport>),
        (status = 403, description = "`forbidden`: not a moderator", body = ErrorBody)))]
async fn list_reports(
    State(app): State<App>,
    auth: Authed,
    ApiQuery(query): ApiQuery<ReportsQuery>,
) -> ApiResult<Json<Vec<AdminReport>>> {
    Ok(Json(
        app.store(move |s| s.admin_reports(&Moderator::User(auth.user), query.status))
            .await?,
    ))
}

/// One report with its evidence (each message as recorded, whether it
/// re-verified, and the messages around it), the other reports about the
/// same account and every moderation action on it. Moderators only.
#[utoipa::path(get, path = "/v1/admin/reports/{id}", tag = "moderation", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Report id")),
    responses(
        (status = 200, body = ReportDetail),
        (status = 403, description = "`forbidden`: not a moderator", body = ErrorBody),
        (status = 404, description = "`report_not_found`", body = ErrorBody)))]
async fn get_report(
    State(app): State<App>,
    auth: Authed,
    ApiPath(PathId(id)): ApiPath<PathId>,
) -> ApiResult<Json<ReportDetail>> {
    Ok(Json(
        app.store(move |s| s.admin_report(&Moderator::User(auth.user), id))
            .await?,
    ))
}

/// Acts on a report: `review` (under review), `dismiss`, `warn` (a notice to
/// the account), `restrict` for some days (no new conversations or
/// invitations), `suspend` for some days (no sign-in; every session ends
/// at once). The reporter is told the outcome, never the reported person who
/// reported them. Every action is kept in an append-only record.
/// Moderators only.
#[utoipa::path(post, path = "/v1/admin/reports/{id}/actions", tag = "moderation", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Report id")),
    request_body = ModerationRequest,
    responses(
        (status = 200, description = "The report after the action", body = ReportDetail),
        (status = 403, description = "`forbidden`: not a moderator, or a report about yourself", body = ErrorBody),
        (status = 404, description = "`report_not_found`", body = ErrorBody),
        (status = 409, description = "`report_resolved`: review or dismiss on a resolved report", body = ErrorBody),
        (status = 422, description = "`invalid_days`, `invalid_field`", body = ErrorBody)))]
async fn act(
    State(app): State<App>,
    auth: Authed,
    ApiPath(PathId(id)): ApiPath<PathId>,
    ApiJson(req): ApiJson<ModerationRequest>,
) -> ApiResult<Json<ReportDetail>> {
    let now = now_ms();
    let moderated = app
        .store(move |s| s.moderate(&Moderator::User(auth.user), id, req, now))
        .await?;
    app.hub.publish(moderated.deliveries);
    for session in moderated.revoked {
        app.hub.close_session(session);
    }
    Ok(Json(moderated.detail))
}
