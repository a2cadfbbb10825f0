//! The OpenAPI 3 document, generated from the handlers' annotations, and
//! a documentation page made from it on the server (no script, so it keeps
//! to the Content-Security-Policy; nothing is fetched from elsewhere).

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, PathItem};
use utoipa::{Modify, OpenApi};

use super::error::ErrorBody;
use super::models::{
    ApplicationList, ApplicationOut, CallList, CallOut, MemberList, MemberOut, PageInfo,
    ReceiptOut, VerificationOut,
};
use super::public::CallFormOut;
use crate::AppState;
use crate::http::context::Ctx;
use crate::http::pages::{PageCtx, render};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "SciGrant API",
        version = "1",
        description = "科技项目申报平台的集成接口。认证：在请求头 `Authorization: Bearer <个人访问令牌>` 中提供令牌（在“个人访问令牌”页面创建），或浏览器同源读取时使用已登录的会话。错误统一为 `{code, message, request_id}`；列表以 `page`、`per_page`（至多100）分页，顺序稳定。"
    ),
    paths(
        openapi_json,
        docs_page,
        super::public::calls,
        super::public::call_form,
        super::public::verify,
        super::applicant::my_applications,
        super::applicant::submit,
        super::unit::members,
        super::unit::applications,
        super::staff::call_applications,
        super::results::reviews,
        super::results::funding,
    ),
    components(schemas(
        ErrorBody, CallOut, CallList, CallFormOut, ApplicationOut, ApplicationList, ReceiptOut,
        MemberOut, MemberList, VerificationOut, PageInfo,
        super::results::ReviewResultsOut, super::results::CategoryOut, super::results::RankedOut,
        super::results::ReviewOut, super::results::FundingOut, super::results::CandidateOut,
        super::results::DecisionOut
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "calls", description = "申报指南与纸质材料核验（公开）"),
        (name = "applicant", description = "个人用户：我的申报书与提交"),
        (name = "unit", description = "单位用户：从属用户与本单位申报书"),
        (name = "staff", description = "后台：计划类别的申报书、评审结果与立项决定"),
        (name = "meta", description = "接口说明"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut Document) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
            );
        }
    }
}

/// The document, built once per process.
pub fn document() -> &'static Document {
    static DOC: std::sync::OnceLock<Document> = std::sync::OnceLock::new();
    DOC.get_or_init(ApiDoc::openapi)
}

/// This OpenAPI document.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "meta",
    responses(
        (status = 200, description = "The OpenAPI 3 document", content_type = "application/json", body = Object),
        (status = 429, description = "This access token's requests for the minute are spent; retry after `Retry-After` seconds", body = ErrorBody),
    )
)]
pub async fn openapi_json() -> impl IntoResponse {
    Json(document())
}

/// One operation as the documentation page lists it.
pub struct Operation {
    pub method: &'static str,
    pub path: String,
    pub summary: String,
    pub description: String,
    pub scopes: String,
    pub params: Vec<(String, String, bool)>,
    pub statuses: Vec<(String, String)>,
}

fn operations(doc: &Document) -> Vec<Operation> {
    let mut out = Vec::new();
    for (path, item) in &doc.paths.paths {
        for (method, op) in methods(item) {
            let Some(op) = op else { continue };
            let scopes = op
                .security
                .iter()
                .flatten()
                .filter_map(|s| serde_json::to_value(s).ok())
                .filter_map(|v| v.get("bearer").cloned())
                .filter_map(|v| serde_json::from_value::<Vec<String>>(v).ok())
                .flatten()
                .collect::<Vec<_>>()
                .join(", ");
            out.push(Operation {
                method,
                path: path.clone(),
                summary: op.summary.clone().unwrap_or_default(),
                description: op.description.clone().unwrap_or_default(),
                scopes,
                params: op
                    .parameters
                    .iter()
                    .flatten()
                    .filter_map(|p| match p {
                        utoipa::openapi::RefOr::T(p) => Some(p),
                        utoipa::openapi::RefOr::Ref(_) => None,
                    })
                    .map(|p| {
                        (
                            p.name.clone(),
                            p.description.clone().unwrap_or_default(),
                            matches!(p.required, utoipa::openapi::Required::True),
                        )
                    })
                    .collect(),
                statuses: op
                    .responses
                    .responses
                    .iter()
                    .map(|(code, r)| {
                        let text = match r {
                            utoipa::openapi::RefOr::T(r) => r.description.clone(),
                            utoipa::openapi::RefOr::Ref(r) => r.ref_location.clone(),
                        };
                        (code.clone(), text)
                    })
                    .collect(),
            });
        }
    }
    out
}

fn methods(item: &PathItem) -> [(&'static str, Option<&utoipa::openapi::path::Operation>); 2] {
    [("GET", item.get.as_ref()), ("POST", item.post.as_ref())]
}

/// Every (method, path) the document describes, for the test that it
/// matches the route table.
pub fn documented() -> Vec<(String, String)> {
    operations(document())
        .into_iter()
        .map(|o| (o.method.to_string(), o.path))
        .collect()
}

#[derive(Template)]
#[template(path = "api/docs.html")]
pub struct DocsPage {
    pub ctx: PageCtx,
    pub title: String,
    pub description: String,
    pub operations: Vec<Operation>,
}

/// This documentation page.
#[utoipa::path(
    get,
    path = "/api/v1/docs",
    tag = "meta",
    responses(
        (status = 200, description = "The API's documentation page", content_type = "text/html"),
        (status = 429, description = "This access token's requests for the minute are spent; retry after `Retry-After` seconds", body = ErrorBody),
    )
)]
pub async fn docs_page(State(state): State<AppState>, ctx: Ctx) -> impl IntoResponse {
    let doc = document();
    render(&DocsPage {
        ctx: PageCtx::new(&state, &ctx),
        title: doc.info.title.clone(),
        description: doc.info.description.clone().unwrap_or_default(),
        operations: operations(doc),
    })
}
