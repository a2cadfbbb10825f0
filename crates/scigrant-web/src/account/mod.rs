//! 统一身份认证 in the browser: login and logout, the captcha, unit and
//! person registration, 忘记密码 (登录名重置密码, 申诉找回密码), （个人/企业）账号检索 of
//! accounts moved from a predecessor system, the 消息中心, the password
//! change every account shares, file downloads, the application page and
//! PDF that every signed-in party to an application reads, and the personal
//! access tokens of the API.

pub mod activate;
pub mod appeal;
pub mod applications;
pub mod login;
pub mod lookup;
pub mod messages;
pub mod password;
pub mod recover;
pub mod register;
pub mod suggestions;
pub mod supplier;
pub mod tokens;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use scigrant_domain::permission::Permission::{Public, SignedIn, Staff};

use crate::routes::{MB, Table};

pub fn routes(t: Table) -> Table {
    t.get("/login", Public, get(login::login_page))
        .post("/login", Public, post(login::login_submit))
        .get("/staff/login", Public, get(login::staff_login_page))
        .post("/staff/login", Public, post(login::staff_login_submit))
        .get("/staff/activate", Public, get(activate::activate_page))
        .post("/staff/activate", Public, post(activate::activate_submit))
        .get("/captcha", Public, get(login::captcha))
        .get("/password/forgot", Public, get(recover::forgot_page))
        .get("/password/reset", Public, get(recover::reset_page))
        .post("/password/reset", Public, post(recover::reset_find))
        .post(
            "/password/reset/verify",
            Public,
            post(recover::reset_submit),
        )
        .get("/password/appeal/person", Public, get(appeal::person_page))
        .post(
            "/password/appeal/person",
            Public,
            post(appeal::person_submit).layer(DefaultBodyLimit::max(3 * MB)),
        )
        .get("/password/appeal/unit", Public, get(appeal::unit_page))
        .post("/password/appeal/unit", Public, post(appeal::unit_find))
        .post(
            "/password/appeal/unit/submit",
            Public,
            post(appeal::unit_submit).layer(DefaultBodyLimit::max(3 * MB)),
        )
        .get("/password/appeal/status", Public, get(appeal::status_page))
        .post(
            "/password/appeal/status",
            Public,
            post(appeal::status_lookup),
        )
        .get("/account/lookup", Public, get(lookup::lookup_page))
        .post("/account/lookup", Public, post(lookup::lookup_submit))
        .get("/messages", SignedIn, get(messages::messages))
        .post("/messages/read", SignedIn, post(messages::read))
        .get("/register/unit", Public, get(register::unit_page))
        .post(
            "/register/unit",
            Public,
            post(register::unit_submit).layer(DefaultBodyLimit::max(6 * MB)),
        )
        .get("/register/person", Public, get(register::person_page))
        .post("/register/person", Public, post(register::person_submit))
        .get("/register/supplier", Public, get(supplier::supplier_page))
        .post(
            "/register/supplier",
            Public,
            post(supplier::supplier_search),
        )
        .get(
            "/register/supplier/normal",
            Public,
            get(supplier::normal_page),
        )
        .post(
            "/register/supplier/normal",
            Public,
            post(supplier::normal_submit),
        )
        .post("/logout", SignedIn, post(login::logout))
        .get("/account/password", SignedIn, get(password::password_page))
        .post(
            "/account/password",
            SignedIn,
            post(password::password_submit),
        )
        .get("/files/{id}", SignedIn, get(password::download))
        .get("/applications/{id}", SignedIn, get(applications::show))
        .get("/applications/{id}/pdf", SignedIn, get(applications::pdf))
        .post(
            "/solicitations/{id}/suggest",
            SignedIn,
            post(suggestions::start),
        )
        .get("/suggestions", SignedIn, get(suggestions::list))
        .get("/suggestions/{id}", SignedIn, get(suggestions::show))
        .get("/suggestions/{id}/edit", SignedIn, get(suggestions::edit))
        .post("/suggestions/{id}/save", SignedIn, post(suggestions::save))
        .post(
            "/suggestions/{id}/autosave",
            SignedIn,
            post(suggestions::autosave),
        )
        .post(
            "/suggestions/{id}/submit",
            SignedIn,
            post(suggestions::submit),
        )
        .get("/account/tokens", SignedIn, get(tokens::tokens_page))
        .post("/account/tokens", SignedIn, post(tokens::tokens_create))
        .post(
            "/account/tokens/{id}/revoke",
            SignedIn,
            post(tokens::tokens_revoke),
        )
        .get("/staff/tokens", Staff, get(tokens::tokens_page))
        .post("/staff/tokens", Staff, post(tokens::tokens_create))
        .post(
            "/staff/tokens/{id}/revoke",
            Staff,
            post(tokens::tokens_revoke),
        )
}
