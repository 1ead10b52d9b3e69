//! Hostile input gets a 4xx problem naming what was wrong, never a 500: control characters
//! (NUL above all, which Postgres cannot store) in bodies, query strings and paths, malformed
//! path parameters, and values the database refuses.

mod common;

use common::{assert_problem, shop, spawn_app};
use serde_json::json;

/// Asserts a 422 whose first field error names `field`.
async fn assert_invalid(response: reqwest::Response, field: &str) {
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], field, "{problem}");
}

#[tokio::test]
async fn nul_in_anonymous_requests_is_a_422_naming_the_parameter() {
    let app = spawn_app().await;
    for (url, field) in [
        ("/api/v1/search?q=a%00b", "q"),
        ("/api/v1/products?category=%00", "category"),
        ("/api/v1/products/%00", "id"),
        ("/api/v1/products/%00/variants", "id"),
    ] {
        let response = app.client.get(app.url(url)).send().await.unwrap();
        assert_invalid(response, field).await;
    }
    for (url, field, body) in [
        ("/api/v1/assistant/recommend", "query", json!({"query": "a\u{0}b"})),
        ("/api/v1/assistant/ask", "question", json!({"question": "a\u{0}b"})),
        (
            "/api/v1/auth/register",
            "display_name",
            json!({"email": "nul@example.com", "password": common::PASSWORD, "display_name": "a\u{0}b"}),
        ),
    ] {
        let response = app.client.post(app.url(url)).json(&body).send().await.unwrap();
        assert_invalid(response, field).await;
    }
    // The OAuth2 token endpoint answers in its own format (RFC 6749 §5.2).
    let response = app
        .token_request(&[("grant_type", "password"), ("username", "a\u{0}@example.com"), ("password", "x")])
        .await;
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    assert!(body["error_description"].as_str().unwrap().contains("username"), "{body}");
}

#[tokio::test]
async fn control_characters_in_signed_in_requests_are_422s_naming_the_field() {
    let app = spawn_app().await;
    let variant = shop::variant(&app, "NUL-1", 1000, 5).await;
    let merchant = app.user_with_role("seller@example.com", "merchant").await;
    let admin = app.admin("admin@example.com").await;
    let shopper = app.register_and_login("shopper@example.com").await;

    let product = json!({"title": "Tea\u{0}", "status": "draft",
        "variants": [{"sku": "NUL-2", "price_minor": 100, "currency": "EUR", "on_hand": 1}]});
    assert_invalid(app.post_as("/api/v1/products", &merchant.access_token, &product).await, "title").await;
    let product = json!({"title": "Tea", "description": "line one\nline two\u{1b}[31m", "status": "draft",
        "variants": [{"sku": "NUL-3", "price_minor": 100, "currency": "EUR", "on_hand": 1}]});
    assert_invalid(app.post_as("/api/v1/products", &merchant.access_token, &product).await, "description")
        .await;
    let nested = json!({"title": "Tea", "status": "draft",
        "variants": [{"sku": "NUL\u{0}4", "price_minor": 100, "currency": "EUR", "on_hand": 1}]});
    assert_invalid(app.post_as("/api/v1/products", &merchant.access_token, &nested).await, "variants[0].sku")
        .await;

    let address = json!({"full_name": "\u{0}", "line1": "1 Main St", "city": "Berlin", "postal_code": "10115", "country": "DE"});
    assert_invalid(
        app.post_as("/api/v1/users/me/addresses", &shopper.access_token, &address).await,
        "full_name",
    )
    .await;

    let admin_of_variant = app.admin("stock@example.com").await;
    let adjustment = json!({"kind": "restock", "quantity": 1, "reason": "delivery\u{0}"});
    let path = format!("/api/v1/variants/{variant}/inventory-adjustments");
    assert_invalid(app.post_as(&path, &admin_of_variant.access_token, &adjustment).await, "reason").await;

    let response = app.get_as("/api/v1/admin/users?q=%00", &admin.access_token).send().await.unwrap();
    assert_invalid(response, "q").await;

    // Line breaks and tabs are text, not control characters to refuse.
    let product = json!({"title": "Tea", "description": "line one\n\tline two\r\n", "status": "draft",
        "variants": [{"sku": "NUL-5", "price_minor": 100, "currency": "EUR", "on_hand": 1}]});
    assert_eq!(app.post_as("/api/v1/products", &merchant.access_token, &product).await.status(), 201);
}

#[tokio::test]
async fn a_malformed_uuid_in_a_path_is_a_422_naming_the_parameter() {
    let app = spawn_app().await;
    let shopper = app.register_and_login("uuid@example.com").await;
    let response = app.get_as("/api/v1/orders/not-a-uuid", &shopper.access_token).send().await.unwrap();
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "id", "{problem}");
    let response = app.client.get(app.url("/api/v1/products/0000/similar")).send().await.unwrap();
    assert_invalid(response, "id").await;
}

#[tokio::test]
async fn a_value_the_database_refuses_is_a_422_not_a_500() {
    use axum::response::IntoResponse;
    use shopfleet_api::http::problem::ApiError;
    use shopfleet_domain::DomainError;
    let app = spawn_app().await;
    // A real refusal by Postgres (SQLSTATE 22021), as any input the parsers let through
    // would meet it: the catch-all answer is a 422, whichever way the error travelled.
    let refused =
        || async { sqlx::query("SELECT $1::text").bind("a\u{0}b").execute(&app.ctx.db).await.unwrap_err() };
    let through_domain = ApiError::from(DomainError::from(refused().await)).into_response();
    assert_eq!(through_domain.status(), 422);
    let through_anyhow =
        ApiError::Internal(anyhow::Error::from(refused().await).context("saving a product")).into_response();
    assert_eq!(through_anyhow.status(), 422);
    let body = axum::body::to_bytes(through_anyhow.into_body(), 1 << 16).await.unwrap();
    let problem: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(problem["code"], "validation_failed", "{problem}");
    assert_eq!(problem["errors"][0]["field"], "request", "{problem}");
}
