//! 个人: a natural person's home, 完善个人信息 (choosing one's unit), 我的信息
//! (实名认证),
//! 科技项目专家申请, switching to acting for a unit that authorised one
//! (代办), and 项目申报 — starting, drafting (autosaved) and
//! submitting applications.

pub mod applications;
pub mod delegations;
pub mod expert;
pub mod home;
pub mod info;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use scigrant_domain::permission::Permission::Person;

use crate::routes::{MB, Table};

pub fn routes(t: Table) -> Table {
    t.get("/person", Person, get(home::home))
        .get("/person/profile", Person, get(home::profile_page))
        .post(
            "/person/profile",
            Person,
            post(home::profile_submit).layer(DefaultBodyLimit::max(13 * MB)),
        )
        .get("/person/info", Person, get(info::info))
        .get("/person/info/edit", Person, get(info::edit))
        .post("/person/info/edit", Person, post(info::save))
        .get("/person/info/upload", Person, get(info::upload))
        .post(
            "/person/info/upload",
            Person,
            post(info::upload_submit).layer(DefaultBodyLimit::max(3 * MB)),
        )
        .post(
            "/person/delegations/{id}/act",
            Person,
            post(delegations::act),
        )
        .post("/person/delegations/stop", Person, post(delegations::stop))
        .get("/person/expert", Person, get(expert::expert_page))
        .post("/person/expert", Person, post(expert::expert_submit))
        .post("/calls/{id}/apply", Person, post(applications::start))
        .post(
            "/applications/{id}/withdraw",
            Person,
            post(applications::withdraw),
        )
        .get("/applications/{id}/edit", Person, get(applications::edit))
        .post(
            "/applications/{id}/save",
            Person,
            post(applications::save).layer(DefaultBodyLimit::max(4 * MB)),
        )
        .post(
            "/applications/{id}/autosave",
            Person,
            post(applications::autosave).layer(DefaultBodyLimit::max(4 * MB)),
        )
        .post(
            "/applications/{id}/submit",
            Person,
            post(applications::submit).layer(DefaultBodyLimit::max(4 * MB)),
        )
}
