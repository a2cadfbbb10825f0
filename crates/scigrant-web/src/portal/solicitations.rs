//! 指南征集 on the portal: the open and past solicitations, and one with
//! its period and the form's contents; a signed-in person or unit starts
//! a suggestion from here (the form itself is on the account's pages).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use scigrant_app::grants::solicitation::{
    SolicitationLineView, SolicitationView, public_solicitation, public_solicitations,
};
use scigrant_domain::grants::form::Item;

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::pages::{PageCtx, render};

#[derive(Template)]
#[template(path = "portal/solicitations.html")]
pub struct ListPage {
    pub ctx: PageCtx,
    pub items: Vec<SolicitationLineView>,
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    Ok(render(&ListPage {
        ctx: PageCtx::new(&state, &ctx),
        items: public_solicitations(&state.app).await?,
    })
    .into_response())
}

#[derive(Template)]
#[template(path = "portal/solicitation.html")]
pub struct ShowPage {
    pub ctx: PageCtx,
    pub s: SolicitationView,
    /// (section title, the labels of its fields) of the form.
    pub outline: Vec<(String, Vec<String>)>,
}

impl ShowPage {
    /// Whether the visitor is signed in as someone who may suggest.
    pub fn may_suggest(&self) -> bool {
        self.ctx.nav.as_ref().is_some_and(|n| {
            matches!(
                n.kind,
                scigrant_domain::identity::account::AccountKind::Person
                    | scigrant_domain::identity::account::AccountKind::Unit
            )
        })
    }
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let s = public_solicitation(&state.app, id).await?;
    let outline = s
        .spec
        .sections
        .iter()
        .map(|sec| {
            let labels = sec
                .items
                .iter()
                .filter_map(|i| match i {
                    Item::Field(f) => Some(f.label.clone()),
                    _ => None,
                })
                .collect();
            (sec.title.clone(), labels)
        })
        .collect();
    Ok(render(&ShowPage {
        ctx: PageCtx::new(&state, &ctx),
        s,
        outline,
    })
    .into_response())
}
