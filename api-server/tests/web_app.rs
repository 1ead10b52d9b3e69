//! The web app served from `WEB_DIR`: hashed assets cached for good, `index.html` for deep
//! links with `no-cache`, a strict CSP on every page, precompressed files when the client
//! accepts them, and API paths still answered by the API (problem+json 404, never the app).

mod common;

use common::{assert_problem, spawn_app_with};
use shopfleet_api::http::web::CONTENT_SECURITY_POLICY;
use std::path::PathBuf;

const INDEX: &str = "<!doctype html><html><head><script type=\"module\" src=\"/assets/app-1a2b3c.js\"></script></head><body><div id=\"root\"></div></body></html>";
const SCRIPT: &str = "console.log('storefront');";

/// A web build as Vite writes it: index.html, hashed assets (one with a gzip twin), public files.
fn web_build() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sf-web-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("index.html"), INDEX).unwrap();
    std::fs::write(dir.join("assets/app-1a2b3c.js"), SCRIPT).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, SCRIPT.as_bytes()).unwrap();
    std::fs::write(dir.join("assets/app-1a2b3c.js.gz"), gz.finish().unwrap()).unwrap();
    std::fs::write(dir.join("favicon.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>").unwrap();
    dir
}

#[tokio::test]
async fn serves_the_app_its_assets_and_deep_links_with_cache_rules_and_csp() {
    let dir = web_build();
    let app = spawn_app_with(&[&format!("--web-dir={}", dir.display())], |r| r).await;

    for path in ["/", "/products/7f1c2e9a-0000-4000-8000-000000000000", "/admin/events", "/orders"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["content-type"], "text/html", "{path}");
        assert_eq!(response.headers()["cache-control"], "no-cache", "{path}: index.html is revalidated");
        assert_eq!(response.headers()["content-security-policy"], CONTENT_SECURITY_POLICY, "{path}");
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        assert_eq!(response.text().await.unwrap(), INDEX, "{path}");
    }
    assert!(CONTENT_SECURITY_POLICY.contains("script-src 'self';"), "no inline or remote scripts");
    assert!(CONTENT_SECURITY_POLICY.contains("frame-ancestors 'none'"));

    let asset = app.client.get(app.url("/assets/app-1a2b3c.js")).send().await.unwrap();
    assert_eq!(asset.status(), 200);
    assert_eq!(asset.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert!(asset.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
    assert_eq!(asset.text().await.unwrap(), SCRIPT);

    let favicon = app.client.get(app.url("/favicon.svg")).send().await.unwrap();
    assert_eq!(favicon.headers()["content-type"], "image/svg+xml");
    assert_eq!(favicon.headers()["cache-control"], "no-cache", "unhashed public files are revalidated");

    // A client that accepts gzip gets the precompressed twin.
    let raw = reqwest::Client::builder().no_gzip().build().unwrap();
    let compressed =
        raw.get(app.url("/assets/app-1a2b3c.js")).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(compressed.headers()["content-encoding"], "gzip");
    let bytes = compressed.bytes().await.unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text).unwrap();
    assert_eq!(text, SCRIPT);

    app.shutdown().await.unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn api_paths_and_writes_never_fall_through_to_the_app() {
    let dir = web_build();
    let app = spawn_app_with(&[&format!("--web-dir={}", dir.display())], |r| r).await;

    assert_problem(app.client.get(app.url("/api/v1/no-such-route")).send().await.unwrap(), 404, "not_found")
        .await;
    assert_problem(app.client.get(app.url("/api")).send().await.unwrap(), 404, "not_found").await;
    assert_problem(app.client.post(app.url("/checkout")).send().await.unwrap(), 404, "not_found").await;
    // API routes still answer as the API.
    let products = app.client.get(app.url("/api/v1/products")).send().await.unwrap();
    assert_eq!(products.status(), 200);
    assert!(products.headers().get("content-security-policy").is_none(), "the CSP is the web app's");
    let health = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(health.headers()["content-type"], "application/json");

    app.shutdown().await.unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn without_web_dir_unknown_paths_are_problems() {
    let app = spawn_app_with(&[], |r| r).await;
    assert_problem(app.client.get(app.url("/")).send().await.unwrap(), 404, "not_found").await;
    app.shutdown().await.unwrap();
}

#[test]
fn a_web_dir_without_index_html_is_refused_naming_the_setting() {
    use shopfleet_platform::config::Validate;
    let empty = std::env::temp_dir().join(format!("sf-web-empty-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&empty).unwrap();
    let settings = common::settings("postgres://127.0.0.1/x", &[&format!("--web-dir={}", empty.display())]);
    let error = settings.http.validate().unwrap_err();
    assert!(error.to_string().contains("WEB_DIR"), "{error}");
    std::fs::remove_dir_all(empty).unwrap();
}
