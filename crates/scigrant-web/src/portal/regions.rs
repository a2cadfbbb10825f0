//! JSON for the region picker (所在地区): the children of a division and
//! the path to a code, from the bundled GB/T 2260 table.

use axum::Json;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_domain::identity::region;
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
pub struct RegionItem {
    code: u32,
    name: &'static str,
    leaf: bool,
}

fn item(r: &'static region::Region) -> RegionItem {
    RegionItem {
        code: r.code,
        name: r.name,
        leaf: !region::has_children(r.code),
    }
}

#[derive(Deserialize)]
pub struct ParentQuery {
    #[serde(default)]
    parent: u32,
}

pub async fn regions(Query(q): Query<ParentQuery>) -> Json<Vec<RegionItem>> {
    Json(region::children(q.parent).iter().map(item).collect())
}

#[derive(Deserialize)]
pub struct CodeQuery {
    code: u32,
}

pub async fn region_path(Query(q): Query<CodeQuery>) -> Response {
    let path = region::path(q.code);
    if path.is_empty() {
        return (StatusCode::NOT_FOUND, Json(Vec::<RegionItem>::new())).into_response();
    }
    Json(path.into_iter().map(item).collect::<Vec<_>>()).into_response()
}
