//! 单位: the unit's home and corrections, 我的信息, 修改法人信息 and 上传法人信息
//! (实名认证), the 科技项目申报 platform with
//! the 组织机构代码证 upload, 单位从属用户管理, and the unit's 推荐 / 退回
//! of its members' applications.

pub mod applications;
pub mod home;
pub mod info;
pub mod members;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use scigrant_domain::permission::Permission::{Unit, UnitPlatform};

use crate::routes::{MB, Table};

pub fn routes(t: Table) -> Table {
    t.get("/unit", Unit, get(home::home))
        .get("/unit/correct", Unit, get(home::correct_page))
        .post(
            "/unit/correct",
            Unit,
            post(home::correct_submit).layer(DefaultBodyLimit::max(6 * MB)),
        )
        .get("/unit/info", Unit, get(info::info))
        .get("/unit/info/edit", Unit, get(info::edit))
        .post("/unit/info/edit", Unit, post(info::save))
        .get("/unit/info/upload", Unit, get(info::upload))
        .post(
            "/unit/info/upload",
            Unit,
            post(info::upload_submit).layer(DefaultBodyLimit::max(3 * MB)),
        )
        .get("/unit/platform", UnitPlatform, get(home::platform))
        .get("/unit/org-cert", UnitPlatform, get(home::org_cert_page))
        .post(
            "/unit/org-cert",
            UnitPlatform,
            post(home::org_cert_submit).layer(DefaultBodyLimit::max(301 * MB)),
        )
        .get("/unit/members", UnitPlatform, get(members::members))
        .get(
            "/unit/members/export",
            UnitPlatform,
            get(members::members_export),
        )
        .get("/unit/members/{id}", UnitPlatform, get(members::member))
        .post(
            "/unit/members/{id}/decide",
            UnitPlatform,
            post(members::member_decide),
        )
        .post(
            "/unit/members/{id}/lock",
            UnitPlatform,
            post(members::member_lock),
        )
        .get(
            "/unit/applications",
            UnitPlatform,
            get(applications::unit_list),
        )
        .post(
            "/unit/applications/{id}/decide",
            UnitPlatform,
            post(applications::unit_decide),
        )
        .get(
            "/unit/similarity/{a}/{b}",
            UnitPlatform,
            get(applications::unit_pair),
        )
}
