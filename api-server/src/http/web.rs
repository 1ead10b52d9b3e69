//! The web app (storefront, merchant and admin consoles) from `WEB_DIR`. Hashed build assets
//! under `/assets/` are cached for a year; every other GET that is not an API route gets
//! `index.html` with `no-cache`, so the app's router handles deep links. Every response
//! carries a strict Content-Security-Policy: scripts, styles and connections from this origin
//! only, no inline code, no framing.

use axum::{
    body::Body,
    extract::Request,
    http::{header, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
};
use std::{convert::Infallible, path::Path};
use tower::{service_fn, util::BoxCloneSyncService, ServiceExt};
use tower_http::services::{ServeDir, ServeFile};

/// The policy of every web-app response. Product images may come from any HTTPS host.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: https:; font-src 'self'; connect-src 'self'; object-src 'none'; \
     base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");

/// Paths that belong to the API even when no route matches: they keep the problem+json 404.
fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/") || path.starts_with("/docs/")
}

/// A service answering the requests no API route matched: the app's files, else its
/// `index.html`; API paths and methods other than GET/HEAD get a bare 404 (turned into a
/// problem document by the middleware).
pub fn service(dir: &Path) -> BoxCloneSyncService<Request, Response, Infallible> {
    let index = dir.join("index.html");
    let files = ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(ServeFile::new(&index).precompressed_br().precompressed_gzip());
    BoxCloneSyncService::new(service_fn(move |request: Request| {
        let files = files.clone();
        async move {
            let path = request.uri().path().to_owned();
            if is_api_path(&path) || !matches!(*request.method(), Method::GET | Method::HEAD) {
                return Ok(StatusCode::NOT_FOUND.into_response());
            }
            let response = files.oneshot(request).await.map(|r| r.map(Body::new))?;
            Ok(with_headers(&path, response))
        }
    }))
}

fn with_headers(path: &str, mut response: Response) -> Response {
    let hashed_asset = path.starts_with("/assets/") && response.status() == StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, if hashed_asset { IMMUTABLE } else { REVALIDATE });
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    response
}
