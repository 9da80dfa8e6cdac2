//! The web page at `/`: plain HTML, CSS and JavaScript embedded in the binary, nothing fetched
//! from elsewhere. The page holds no DNS or DKIM logic: it posts what was pasted to the check
//! endpoints (whose input parsers are `dkim-rules`') and renders the report JSON they return.

use axum::response::Response;

use super::embedded;

pub(super) async fn index() -> Response {
    embedded("text/html; charset=utf-8", include_str!("page/index.html"))
}

pub(super) async fn script() -> Response {
    embedded(
        "text/javascript; charset=utf-8",
        include_str!("page/app.js"),
    )
}

pub(super) async fn style() -> Response {
    embedded("text/css; charset=utf-8", include_str!("page/style.css"))
}
