//! The HTTP baseline every route relies on: probes, metrics, request ids, CORS,
//! problem+json for every kind of bad request, panics, timeouts and graceful shutdown.

mod common;

use axum::routing::{get, post};
use common::{assert_problem, kafka_brokers, spawn_app, spawn_app_with};
use shopfleet_api::http::json::ApiJson;
use std::time::Duration;

#[derive(serde::Deserialize)]
struct Order {
    #[allow(dead_code)]
    quantity: u32,
}

/// Routes that exist only in tests, to exercise the middleware with real handlers.
fn test_routes(router: axum::Router) -> axum::Router {
    router
        .route("/test/echo", post(|ApiJson(order): ApiJson<Order>| async move { order.quantity.to_string() }))
        .route("/test/panic", get(panics))
        .route(
            "/test/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(1500)).await;
                "done"
            }),
        )
}

async fn panics() -> &'static str {
    panic!("boom: secret internals")
}

#[tokio::test]
async fn health_answers_without_dependencies_and_carries_a_request_id() {
    let app = spawn_app_with(&["--redis-url=redis://127.0.0.1:1/0"], |r| r).await;
    let response = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let request_id = response.headers().get("x-request-id").expect("request id").to_str().unwrap().to_owned();
    assert_eq!(uuid::Uuid::parse_str(&request_id).unwrap().get_version_num(), 4);
    assert_eq!(response.json::<serde_json::Value>().await.unwrap()["status"], "ok");

    let response = app.client.get(app.url("/health")).header("x-request-id", "abc-123").send().await.unwrap();
    assert_eq!(response.headers()["x-request-id"], "abc-123", "a client's request id is kept");
}

#[tokio::test]
async fn ready_checks_postgres_redis_and_kafka() {
    let brokers = format!("--kafka-brokers={}", kafka_brokers());
    // The first Kafka check opens a new client; on a loaded CI machine that has taken
    // longer than the 2 s default, and this test is about what is checked, not how fast.
    let app = spawn_app_with(&[&brokers, "--ready-timeout-ms=15000"], |r| r).await;
    let response = app.client.get(app.url("/ready")).send().await.unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], 200, "{body}");
    let names: Vec<&str> =
        body["checks"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["postgres", "redis", "kafka"]);
    assert!(body["checks"].as_array().unwrap().iter().all(|c| c["ok"] == true), "{body}");
}

#[tokio::test]
async fn ready_is_503_naming_each_failed_dependency() {
    let app = spawn_app_with(
        &["--redis-url=redis://127.0.0.1:1/0", "--kafka-brokers=127.0.0.1:1", "--ready-timeout-ms=1500"],
        |r| r,
    )
    .await;
    let response = app.client.get(app.url("/ready")).send().await.unwrap();
    let body = assert_problem(response, 503, "not_ready").await;
    assert_eq!(body["detail"], "not ready: redis, kafka unavailable", "{body}");
    let postgres = &body["checks"][0];
    assert_eq!((postgres["name"].as_str(), postgres["ok"].as_bool()), (Some("postgres"), Some(true)));
}

#[tokio::test]
async fn metrics_count_requests_by_route_method_and_status() {
    let app = spawn_app().await;
    for _ in 0..3 {
        app.client.get(app.url("/health")).send().await.unwrap();
    }
    app.client.get(app.url("/nope/123")).send().await.unwrap();
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(
        text.lines().any(|l| l.starts_with("http_requests_total{")
            && l.contains(r#"route="/health""#)
            && l.contains(r#"method="GET""#)
            && l.contains(r#"status="200""#)
            && l.ends_with(" 3")),
        "{text}"
    );
    assert!(text.contains(r#"route="unmatched""#), "unknown paths share one label: {text}");
    assert!(!text.contains("/nope/123"), "raw paths never become labels");
    assert!(text.contains("http_request_duration_seconds_bucket{"), "{text}");
    assert!(text.contains(r#"db_pool_connections{state="idle"}"#), "{text}");
    assert!(text.contains("db_pool_max_connections 10"), "{text}");
}

#[tokio::test]
async fn unknown_route_and_wrong_method_are_problems() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/api/v1/does-not-exist")).send().await.unwrap();
    assert_problem(response, 404, "not_found").await;

    let response = app.client.delete(app.url("/health")).send().await.unwrap();
    assert!(response.headers()["allow"].to_str().unwrap().contains("GET"));
    assert_problem(response, 405, "method_not_allowed").await;
}

#[tokio::test]
async fn bad_bodies_get_the_right_problem() {
    let app = spawn_app_with(&[], test_routes).await;
    let post = |body: Vec<u8>, content_type: &'static str| {
        app.client.post(app.url("/test/echo")).header("content-type", content_type).body(body).send()
    };

    let ok = post(br#"{"quantity": 3}"#.to_vec(), "application/json").await.unwrap();
    assert_eq!(ok.text().await.unwrap(), "3");

    let malformed = post(br#"{"quantity": "#.to_vec(), "application/json").await.unwrap();
    assert_problem(malformed, 400, "malformed_json").await;

    let wrong_type = post(br#"{"quantity": 3}"#.to_vec(), "text/plain").await.unwrap();
    assert_problem(wrong_type, 415, "unsupported_media_type").await;

    let invalid = post(br#"{"quantity": -1}"#.to_vec(), "application/json").await.unwrap();
    let body = assert_problem(invalid, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "quantity", "{body}");

    let mut big = br#"{"quantity": 3, "padding": ""#.to_vec();
    big.extend(std::iter::repeat_n(b'x', 2 * 1024 * 1024));
    big.extend(br#""}"#);
    let too_large = post(big, "application/json").await.unwrap();
    assert_problem(too_large, 413, "payload_too_large").await;
}

#[tokio::test]
async fn a_panic_is_a_500_and_the_server_keeps_serving() {
    let app = spawn_app_with(&[], test_routes).await;
    let response = app.client.get(app.url("/test/panic")).send().await.unwrap();
    let body = assert_problem(response, 500, "internal_error").await;
    assert!(!body.to_string().contains("secret internals"), "panic text is not sent: {body}");
    let response = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn slow_requests_time_out_with_408() {
    let app = spawn_app_with(&["--request-timeout-secs=1"], test_routes).await;
    let response = app.client.get(app.url("/test/slow")).send().await.unwrap();
    assert_problem(response, 408, "request_timeout").await;
}

#[tokio::test]
async fn shutdown_lets_in_flight_requests_finish() {
    let app = spawn_app_with(&[], test_routes).await;
    let in_flight = tokio::spawn(app.client.get(app.url("/test/slow")).send());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let addr = app.addr;
    app.shutdown().await.expect("clean shutdown");
    let response = in_flight.await.unwrap().expect("in-flight request completed");
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "done");
    assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "listener closed");
}

#[tokio::test]
async fn cors_allows_only_configured_origins() {
    let app =
        spawn_app_with(&["--cors-origins=https://shop.example.com,https://admin.example.com"], |r| r).await;
    let allowed = app
        .client
        .get(app.url("/health"))
        .header("origin", "https://admin.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.headers()["access-control-allow-origin"], "https://admin.example.com");
    let other =
        app.client.get(app.url("/health")).header("origin", "https://evil.example").send().await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn docs_are_served_from_local_assets_only_when_enabled() {
    let assets = std::env::temp_dir().join(format!("swagger-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&assets).unwrap();
    std::fs::write(assets.join("swagger-ui-bundle.js"), "/* bundle */").unwrap();
    let dir_flag = format!("--docs-assets-dir={}", assets.display());

    let enabled = spawn_app_with(&["--docs-enabled=true", &dir_flag], |r| r).await;
    let page = enabled.client.get(enabled.url("/docs")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("/docs/assets/swagger-ui-bundle.js") && !page.contains("http"), "{page}");
    let bundle = enabled.client.get(enabled.url("/docs/assets/swagger-ui-bundle.js")).send().await.unwrap();
    assert_eq!(bundle.text().await.unwrap(), "/* bundle */");

    let disabled = spawn_app().await;
    let response = disabled.client.get(disabled.url("/docs")).send().await.unwrap();
    assert_problem(response, 404, "not_found").await;
    let spec = disabled.client.get(disabled.url("/openapi.json")).send().await.unwrap();
    assert_eq!(spec.status(), 200, "the spec itself is always served");
}
