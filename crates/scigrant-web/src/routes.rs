//! The route table: every route is added with its declared permission,
//! which a guard enforces before the handler runs. `table()` is also what
//! the permission test walks, so a route cannot exist without one.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};
use scigrant_domain::account::AccountKind;
use scigrant_domain::permission::{Caller, Decision, Permission, decide};

use crate::AppState;
use crate::context::{Ctx, login_path_for};
use crate::handlers::{account, api, apply, auth, calls, person, portal, register, staff, unit};
use crate::pages::{ErrorPage, render};

/// One declared route.
#[derive(Clone, Debug)]
pub struct Declared {
    pub method: &'static str,
    pub path: &'static str,
    pub permission: Permission,
}

pub struct Table {
    router: Router<AppState>,
    pub declared: Vec<Declared>,
}

/// Upload routes raise axum's 2 MB body limit to what the form accepts.
const MB: usize = 1024 * 1024;

impl Table {
    fn new() -> Table {
        Table {
            router: Router::new(),
            declared: Vec::new(),
        }
    }

    fn add(
        mut self,
        method: &'static str,
        path: &'static str,
        permission: Permission,
        route: MethodRouter<AppState>,
    ) -> Table {
        let guarded = route.route_layer(middleware::from_fn(move |req: Request, next: Next| {
            guard(permission, req, next)
        }));
        self.router = self.router.route(path, guarded);
        self.declared.push(Declared {
            method,
            path,
            permission,
        });
        self
    }

    fn get(self, path: &'static str, p: Permission, r: MethodRouter<AppState>) -> Table {
        self.add("GET", path, p, r)
    }

    fn post(self, path: &'static str, p: Permission, r: MethodRouter<AppState>) -> Table {
        self.add("POST", path, p, r)
    }
}

async fn guard(permission: Permission, req: Request, next: Next) -> Response {
    let ctx = req.extensions().get::<Ctx>().cloned();
    let caller = ctx
        .as_ref()
        .and_then(|c| c.session.as_ref())
        .map(|s| s.caller)
        .unwrap_or(Caller::Anonymous);
    match decide(permission, &caller) {
        Decision::Allow => next.run(req).await,
        Decision::ChangePassword => Redirect::to("/account/password").into_response(),
        Decision::SignIn => {
            let kind = match permission {
                Permission::Unit | Permission::UnitPlatform => AccountKind::Unit,
                Permission::Staff | Permission::StaffRole(_) => AccountKind::Staff,
                _ => AccountKind::Person,
            };
            Redirect::to(login_path_for(kind)).into_response()
        }
        Decision::Deny => {
            let message = if permission == Permission::UnitPlatform {
                "账号未开通，请联系我们。单位注册通过后台初审后即可进入科技项目申报。"
            } else {
                "您的账号无权访问此页面。"
            };
            let page = ErrorPage {
                title: "无权访问",
                message,
            };
            (axum::http::StatusCode::FORBIDDEN, render(&page)).into_response()
        }
    }
}

/// Every route of the product with its permission.
pub fn table() -> Table {
    use Permission::*;
    use scigrant_domain::account::StaffRole::*;
    Table::new()
        // 门户 portal
        .get("/", Public, get(portal::index))
        .get("/notices/{section}", Public, get(portal::section))
        .get("/static/{file}", Public, get(portal::asset))
        .get("/agreement", Public, get(portal::agreement))
        .get("/healthz", Public, get(portal::health))
        .get("/api/regions", Public, get(api::regions))
        .get("/api/regions/path", Public, get(api::region_path))
        .get("/calls/{id}", Public, get(apply::call))
        .get("/verify", Public, get(apply::verify))
        // 统一身份认证 login and registration
        .get("/login", Public, get(auth::login_page))
        .post("/login", Public, post(auth::login_submit))
        .get("/staff/login", Public, get(auth::staff_login_page))
        .post("/staff/login", Public, post(auth::staff_login_submit))
        .get("/captcha", Public, get(auth::captcha))
        .get("/register/unit", Public, get(register::unit_page))
        .post(
            "/register/unit",
            Public,
            post(register::unit_submit).layer(DefaultBodyLimit::max(6 * MB)),
        )
        .get("/register/person", Public, get(register::person_page))
        .post("/register/person", Public, post(register::person_submit))
        // any signed-in account
        .post("/logout", SignedIn, post(auth::logout))
        .get("/account/password", SignedIn, get(account::password_page))
        .post(
            "/account/password",
            SignedIn,
            post(account::password_submit),
        )
        .get("/files/{id}", SignedIn, get(account::download))
        // 个人 person
        .get("/person", Person, get(person::home))
        .get("/person/profile", Person, get(person::profile_page))
        .post(
            "/person/profile",
            Person,
            post(person::profile_submit).layer(DefaultBodyLimit::max(13 * MB)),
        )
        // 项目申报 applications
        .post("/calls/{id}/apply", Person, post(apply::start))
        .get("/applications/{id}/edit", Person, get(apply::edit))
        .post(
            "/applications/{id}/save",
            Person,
            post(apply::save).layer(DefaultBodyLimit::max(4 * MB)),
        )
        .post(
            "/applications/{id}/autosave",
            Person,
            post(apply::autosave).layer(DefaultBodyLimit::max(4 * MB)),
        )
        .post(
            "/applications/{id}/submit",
            Person,
            post(apply::submit).layer(DefaultBodyLimit::max(4 * MB)),
        )
        .get("/applications/{id}", SignedIn, get(apply::show))
        .get("/applications/{id}/pdf", SignedIn, get(apply::pdf))
        // 单位 unit
        .get("/unit", Unit, get(unit::home))
        .get("/unit/correct", Unit, get(unit::correct_page))
        .post(
            "/unit/correct",
            Unit,
            post(unit::correct_submit).layer(DefaultBodyLimit::max(6 * MB)),
        )
        .get("/unit/platform", UnitPlatform, get(unit::platform))
        .get("/unit/org-cert", UnitPlatform, get(unit::org_cert_page))
        .post(
            "/unit/org-cert",
            UnitPlatform,
            post(unit::org_cert_submit).layer(DefaultBodyLimit::max(301 * MB)),
        )
        .get("/unit/members", UnitPlatform, get(unit::members))
        .get(
            "/unit/members/export",
            UnitPlatform,
            get(unit::members_export),
        )
        .get("/unit/members/{id}", UnitPlatform, get(unit::member))
        .post(
            "/unit/members/{id}/decide",
            UnitPlatform,
            post(unit::member_decide),
        )
        .post(
            "/unit/members/{id}/lock",
            UnitPlatform,
            post(unit::member_lock),
        )
        .get("/unit/applications", UnitPlatform, get(apply::unit_list))
        .post(
            "/unit/applications/{id}/decide",
            UnitPlatform,
            post(apply::unit_decide),
        )
        // 后台 staff
        .get("/staff", Staff, get(staff::home))
        .get("/staff/outbox", Staff, get(staff::outbox))
        .get(
            "/staff/units",
            StaffRole(AccountReviewer),
            get(staff::units),
        )
        .get(
            "/staff/units/{id}",
            StaffRole(AccountReviewer),
            get(staff::unit),
        )
        .post(
            "/staff/units/{id}/review",
            StaffRole(AccountReviewer),
            post(staff::unit_review),
        )
        .get(
            "/staff/accounts",
            StaffRole(SystemAdmin),
            get(staff::accounts),
        )
        .post(
            "/staff/accounts",
            StaffRole(SystemAdmin),
            post(staff::account_add),
        )
        .post(
            "/staff/accounts/{id}",
            StaffRole(SystemAdmin),
            post(staff::account_update),
        )
        .get(
            "/staff/security",
            StaffRole(SecurityAdmin),
            get(staff::security),
        )
        .post(
            "/staff/security",
            StaffRole(SecurityAdmin),
            post(staff::security_submit),
        )
        .post(
            "/staff/security/unlock",
            StaffRole(SecurityAdmin),
            post(staff::unlock),
        )
        .get(
            "/staff/online",
            StaffRole(SecurityAdmin),
            get(staff::online),
        )
        .post(
            "/staff/online/end",
            StaffRole(SecurityAdmin),
            post(staff::end_session),
        )
        .get("/staff/logs", StaffRole(AuditAdmin), get(staff::logs))
        .get(
            "/staff/logs/verify",
            StaffRole(AuditAdmin),
            get(staff::logs_verify),
        )
        .get(
            "/staff/programs",
            StaffRole(ProgramManager),
            get(calls::list),
        )
        .post(
            "/staff/programs",
            StaffRole(ProgramManager),
            post(calls::add_program),
        )
        .get(
            "/staff/programs/{id}/calls/new",
            StaffRole(ProgramManager),
            get(calls::new_call),
        )
        .post(
            "/staff/programs/{id}/calls",
            StaffRole(ProgramManager),
            post(calls::add_call),
        )
        .get(
            "/staff/calls/{id}",
            StaffRole(ProgramManager),
            get(calls::call),
        )
        .get(
            "/staff/calls/{id}/form.json",
            StaffRole(ProgramManager),
            get(calls::form_json),
        )
        .post(
            "/staff/calls/{id}/state",
            StaffRole(ProgramManager),
            post(calls::call_state),
        )
        .post(
            "/staff/calls/{id}/extension",
            StaffRole(ProgramManager),
            post(calls::extension),
        )
        .post(
            "/staff/calls/{id}/export",
            StaffRole(ProgramManager),
            post(calls::export),
        )
        .post(
            "/staff/applications/{id}/decide",
            StaffRole(ProgramManager),
            post(calls::decide),
        )
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let table = table();
    table
        .router
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::context::middleware,
        ))
        .with_state(state)
}

async fn not_found() -> Response {
    let page = ErrorPage {
        title: "未找到",
        message: "您访问的页面不存在。",
    };
    (axum::http::StatusCode::NOT_FOUND, render(&page)).into_response()
}
