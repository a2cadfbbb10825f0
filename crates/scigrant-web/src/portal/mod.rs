//! 门户: the public pages anyone may read — the portal and its sections,
//! their articles and attachments, 站内搜索,
//! the agreement, a call's guide and its 通知附件, the /verify page for paper copies, the
//! region picker's JSON, static assets, and the
//! 公示公告 with their objection form, and 征求意见 on draft guides with
//! the comment form.

pub mod articles;
pub mod calls;
pub mod consultations;
pub mod notices;
pub mod pages;
pub mod regions;
pub mod solicitations;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use scigrant_domain::permission::Permission::Public;

use crate::routes::Table;

pub fn routes(t: Table) -> Table {
    t.get("/", Public, get(pages::index))
        .get("/notices/{section}", Public, get(pages::section))
        .get("/articles/{id}", Public, get(articles::article))
        .get(
            "/articles/{id}/files/{file}",
            Public,
            get(articles::attachment),
        )
        .get("/search", Public, get(articles::search))
        .get("/static/{file}", Public, get(crate::http::assets::serve))
        .get("/agreement", Public, get(pages::agreement))
        .get("/api/regions", Public, get(regions::regions))
        .get("/api/regions/path", Public, get(regions::region_path))
        .get("/calls/{id}", Public, get(calls::call))
        .get(
            "/calls/{id}/documents/{file}",
            Public,
            get(calls::call_document),
        )
        .get("/verify", Public, get(calls::verify))
        .get("/consultations", Public, get(consultations::list))
        .get("/consultations/{id}", Public, get(consultations::show))
        .post(
            "/consultations/{id}/comments",
            Public,
            post(consultations::post_comment),
        )
        .get("/solicitations", Public, get(solicitations::list))
        .get("/solicitations/{id}", Public, get(solicitations::show))
        .get("/gongshi", Public, get(notices::list))
        .get("/gongshi/{id}", Public, get(notices::show))
        .post(
            "/gongshi/{id}/objection",
            Public,
            post(notices::object).layer(DefaultBodyLimit::max(11 * crate::routes::MB)),
        )
        .post(
            crate::http::layers::CSP_REPORT_PATH,
            Public,
            post(pages::csp_report).layer(DefaultBodyLimit::max(16 * 1024)),
        )
}
