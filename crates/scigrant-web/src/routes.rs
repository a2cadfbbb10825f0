//! The route table: every route is added with its declared permission,
//! which `context::middleware` enforces before the handler runs.
//! `table()` is also what the permission test walks, so a route cannot
//! exist without one.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::Router;
use axum::http::Method;
use axum::middleware;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::MethodRouter;
use scigrant_domain::identity::account::AccountKind;
use scigrant_domain::identity::token::Scope;
use scigrant_domain::permission::{Caller, Decision, Permission, decide};

use crate::AppState;
use crate::http::context::{Ctx, login_path_for};
use crate::http::error::failure;

/// One declared route.
#[derive(Clone, Debug)]
pub struct Declared {
    pub method: &'static str,
    pub path: &'static str,
    pub permission: Permission,
    /// The scope a personal access token needs (API routes only).
    pub scope: Option<Scope>,
}

pub struct Table {
    router: Router<AppState>,
    pub declared: Vec<Declared>,
}

/// Upload routes raise axum's 2 MB body limit to what the form accepts.
pub const MB: usize = 1024 * 1024;

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
        scope: Option<Scope>,
        route: MethodRouter<AppState>,
    ) -> Table {
        self.router = self.router.route(path, route);
        self.declared.push(Declared {
            method,
            path,
            permission,
            scope,
        });
        self
    }

    pub fn get(self, path: &'static str, p: Permission, r: MethodRouter<AppState>) -> Table {
        self.add("GET", path, p, None, r)
    }

    pub fn post(self, path: &'static str, p: Permission, r: MethodRouter<AppState>) -> Table {
        self.add("POST", path, p, None, r)
    }

    /// An API route: besides the account's permission, a token must
    /// carry `scope` (when there is one) to reach it.
    pub fn api(
        self,
        method: &'static str,
        path: &'static str,
        p: Permission,
        scope: Option<Scope>,
        r: MethodRouter<AppState>,
    ) -> Table {
        self.add(method, path, p, scope, r)
    }
}

/// The declarations by path: `context::middleware` looks up the matched
/// route's here and enforces it before the handler runs. One lookup per
/// request rather than a layer on each route: a layer is a
/// service cloned and a future boxed on every request.
type Index = HashMap<&'static str, Vec<Declared>>;

static INDEX: OnceLock<Index> = OnceLock::new();

fn index(declared: &[Declared]) -> Index {
    let mut by_path: Index = HashMap::new();
    for d in declared {
        by_path.entry(d.path).or_default().push(d.clone());
    }
    by_path
}

/// The declaration of `method` on the route `path` (the table's pattern,
/// axum's `MatchedPath`). HEAD is GET's (axum answers it with the GET
/// handler). None for a method the route does not have: axum answers
/// 405 without calling any handler (`every_route_answers_only_its_declared_methods`).
pub fn declared(path: &str, method: &Method) -> Option<&'static Declared> {
    let method = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    INDEX
        .get_or_init(|| index(&table().declared))
        .get(path)?
        .iter()
        .find(|d| d.method == method)
}

/// Whether the request's context may reach the declared route; else the
/// refusal to answer instead: the login page, the password change, or
/// 403 (the API's JSON error on /api/v1).
pub fn refusal(d: &Declared, ctx: &Ctx) -> Option<Response> {
    if d.path.starts_with(crate::api::PREFIX) {
        return crate::api::refusal(d.permission, d.scope, ctx);
    }
    let permission = d.permission;
    let caller = ctx.caller();
    Some(match decide(permission, &caller) {
        Decision::Allow => return None,
        Decision::ChangePassword => Redirect::to("/account/password").into_response(),
        Decision::SignIn => {
            let kind = match permission {
                Permission::Unit | Permission::UnitPlatform | Permission::UnitService(_) => {
                    AccountKind::Unit
                }
                Permission::Staff | Permission::StaffRole(_) | Permission::StaffRoles(_) => {
                    AccountKind::Staff
                }
                _ => AccountKind::Person,
            };
            Redirect::to(login_path_for(kind)).into_response()
        }
        Decision::Deny => {
            let message = match (permission, caller) {
                (Permission::UnitService(_), Caller::Person { .. }) => {
                    "您没有该单位此项业务的代办授权，或授权已撤销、已到期。"
                }
                (Permission::UnitPlatform | Permission::UnitService(_), _) => {
                    "账号未开通，请联系我们。单位注册通过后台初审后即可进入科技项目申报。"
                }
                _ => "您的账号无权访问此页面。",
            };
            failure(axum::http::StatusCode::FORBIDDEN, "无权访问", message)
        }
    })
}

/// The permission declared for `GET path` (a literal path of the table).
pub fn get_permission(path: &str) -> Option<Permission> {
    declared(path, &Method::GET).map(|d| d.permission)
}

/// Every route of the product with its permission, area by area.
pub fn table() -> Table {
    let t = Table::new();
    let t = crate::portal::routes(t);
    let t = crate::account::routes(t);
    let t = crate::person::routes(t);
    let t = crate::unit::routes(t);
    let t = crate::expert::routes(t);
    let t = crate::staff::content::routes(t);
    let t = crate::staff::consultations::routes(t);
    let t = crate::staff::solicitations::routes(t);
    let t = crate::api::routes(t);
    let t = crate::ops::routes(t);
    crate::staff::routes(t)
}

/// The whole application: the routes, SciGrant's own middleware (session,
/// CSRF), then the tower-http layers of `http::layers`.
pub fn router(state: AppState) -> Router {
    let https = state.app.config.https();
    let slow = std::time::Duration::from_millis(state.app.config.slow_request_ms);
    let Table { router, declared } = table();
    INDEX.get_or_init(|| index(&declared));
    let routes = router
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::http::context::middleware,
        ))
        .with_state(state);
    crate::http::layers::around(routes, https, slow)
}

async fn not_found() -> Response {
    failure(
        axum::http::StatusCode::NOT_FOUND,
        "未找到",
        "您访问的页面不存在。",
    )
}
