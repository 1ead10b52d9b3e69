//! API documentation: `/openapi.json` always, and the Swagger UI page at `/docs` when
//! `DOCS_ENABLED`, served from local swagger-ui-dist assets (works offline).

use axum::{response::Html, routing::get, Json, Router};
use std::path::Path;
use tower_http::services::ServeDir;

const DOCS_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Shopfleet API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
"#;

const INIT_SCRIPT: &str =
    "window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n";

/// `/openapi.json`, plus `/docs` when `assets` is given.
pub fn router<S: Clone + Send + Sync + 'static>(spec: serde_json::Value, assets: Option<&Path>) -> Router<S> {
    let router = Router::new().route("/openapi.json", get(move || async move { Json(spec) }));
    match assets {
        None => router,
        Some(dir) => router
            .route("/docs", get(|| async { Html(DOCS_PAGE) }))
            .route(
                "/docs/init.js",
                get(|| async { ([(axum::http::header::CONTENT_TYPE, "text/javascript")], INIT_SCRIPT) }),
            )
            .nest_service("/docs/assets", ServeDir::new(dir)),
    }
}
