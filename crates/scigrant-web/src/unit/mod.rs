//! 单位: the unit's home and corrections, 我的信息, 修改法人信息 and 上传法人信息
//! (实名认证), the 科技项目申报 platform with
//! the 组织机构代码证 upload, 单位从属用户管理, and the unit's 推荐 / 退回
//! of its members' applications, and 用户授权管理 (代办): a delegate reaches
//! the members and applications routes by the service granted.

pub mod applications;
pub mod delegations;
pub mod home;
pub mod info;
pub mod members;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use scigrant_domain::identity::delegation::Service;
use scigrant_domain::permission::Permission::{Unit, UnitPlatform, UnitService};

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
        .get(
            "/unit/members",
            UnitService(Service::Members),
            get(members::members),
        )
        .get(
            "/unit/members/export",
            UnitService(Service::Members),
            get(members::members_export),
        )
        .get(
            "/unit/members/{id}",
            UnitService(Service::Members),
            get(members::member),
        )
        .post(
            "/unit/members/{id}/decide",
            UnitService(Service::Members),
            post(members::member_decide),
        )
        .post(
            "/unit/members/{id}/lock",
            UnitService(Service::Members),
            post(members::member_lock),
        )
        .post(
            "/unit/members/add",
            UnitService(Service::Members),
            post(members::member_add),
        )
        .post(
            "/unit/members/{id}/remove",
            UnitService(Service::Members),
            post(members::member_remove),
        )
        .get(
            "/unit/applications",
            UnitService(Service::Projects),
            get(applications::unit_list),
        )
        .post(
            "/unit/applications/{id}/decide",
            UnitService(Service::Projects),
            post(applications::unit_decide),
        )
        .post(
            "/unit/applications/{id}/handler",
            UnitService(Service::Projects),
            post(applications::unit_handler),
        )
        .get(
            "/unit/similarity/{a}/{b}",
            UnitService(Service::Projects),
            get(applications::unit_pair),
        )
        .get("/unit/delegations", Unit, get(delegations::list))
        .post("/unit/delegations", Unit, post(delegations::grant_submit))
        .get("/unit/delegations/log", Unit, get(delegations::log))
        .post(
            "/unit/delegations/{id}",
            Unit,
            post(delegations::change_submit),
        )
        .post(
            "/unit/delegations/{id}/revoke",
            Unit,
            post(delegations::revoke_submit),
        )
}
