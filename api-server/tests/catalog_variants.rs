//! Products with many variants stay small: the detail carries the first 50 and a count,
//! the variants endpoint pages through all of them in display order.

mod common;

use common::{assert_problem, spawn_app};
use serde_json::{json, Value};

#[tokio::test]
async fn variants_page_through_a_large_product_in_order() {
    let app = spawn_app().await;
    let merchant = app.user_with_role("big@example.com", "merchant").await;
    let variants: Vec<Value> = (0..120)
        .map(|i| json!({"sku": format!("SOCK-{i:03}"), "options": {"size": i}, "price_minor": 500, "currency": "EUR", "on_hand": 1}))
        .collect();
    let body = json!({"title": "Socks", "status": "published", "variants": variants});
    let created = app.post_as("/api/v1/products", &merchant.access_token, &body).await;
    assert_eq!(created.status(), 201);
    let product: Value = created.json().await.unwrap();
    assert_eq!(product["variant_count"], 120);
    assert_eq!(product["variants"].as_array().unwrap().len(), 50, "the detail stays small");
    let id = product["id"].as_str().unwrap();

    let mut skus = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut path = format!("/api/v1/products/{id}/variants?limit=50");
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let page: Value = app.client.get(app.url(&path)).send().await.unwrap().json().await.unwrap();
        pages += 1;
        skus.extend(page["items"].as_array().unwrap().iter().map(|v| v["sku"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = (0..120).map(|i| format!("SOCK-{i:03}")).collect();
    assert_eq!(skus, expected, "every variant once, in display order");

    let by_slug = app.client.get(app.url("/api/v1/products/socks/variants?limit=1")).send().await.unwrap();
    assert_eq!(by_slug.status(), 200);

    let bad_limit =
        app.client.get(app.url(&format!("/api/v1/products/{id}/variants?limit=500"))).send().await.unwrap();
    let problem = assert_problem(bad_limit, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "limit", "{problem}");
    let stranger = uuid::Uuid::now_v7();
    let bad_cursor = app
        .client
        .get(app.url(&format!("/api/v1/products/{id}/variants?cursor={stranger}")))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(bad_cursor, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "cursor", "{problem}");
    let malformed =
        app.client.get(app.url(&format!("/api/v1/products/{id}/variants?cursor=nope"))).send().await.unwrap();
    assert!(malformed.status().is_client_error(), "{}", malformed.status());
}

#[tokio::test]
async fn a_draft_products_variants_are_hidden_from_shoppers() {
    let app = spawn_app().await;
    let merchant = app.user_with_role("drafty@example.com", "merchant").await;
    let body = json!({"title": "Secret", "status": "draft",
        "variants": [{"sku": "SECRET-1", "price_minor": 500, "currency": "EUR", "on_hand": 1}]});
    let product: Value =
        app.post_as("/api/v1/products", &merchant.access_token, &body).await.json().await.unwrap();
    let path = format!("/api/v1/products/{}/variants", product["id"].as_str().unwrap());
    assert_problem(app.client.get(app.url(&path)).send().await.unwrap(), 404, "not_found").await;
    let own = app.get_as(&path, &merchant.access_token).send().await.unwrap();
    assert_eq!(own.status(), 200, "its merchant sees them");
}
