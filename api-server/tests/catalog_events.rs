//! Catalog changes write their events to the outbox in the same transaction: product
//! lifecycle events, a stock event for every stock movement, a low-stock alert when
//! availability crosses the variant's threshold, and no event for a refused change.

mod common;

use common::{assert_problem, spawn_app, TestApp};
use serde_json::{json, Value};
use shopfleet_commerce::{catalog::reservations, events::Change};
use std::time::Duration;
use uuid::Uuid;

/// (type, aggregate_id, data) of every outbox event, in order.
async fn events(app: &TestApp) -> Vec<(String, String, Value)> {
    sqlx::query_as("SELECT event_type, aggregate_id, data FROM outbox WHERE aggregate <> 'user' ORDER BY seq")
        .fetch_all(&app.ctx.db)
        .await
        .unwrap()
}

fn types(events: &[(String, String, Value)]) -> Vec<&str> {
    events.iter().map(|(t, _, _)| t.as_str()).collect()
}

#[tokio::test]
async fn product_lifecycle_writes_product_events() {
    let app = spawn_app().await;
    let merchant = app.user_with_role("seller@example.com", "merchant").await;
    let token = &merchant.access_token;
    let body = json!({"title": "Lamp", "status": "draft",
        "variants": [{"sku": "LAMP-1", "price_minor": 3000, "currency": "EUR", "on_hand": 4}]});
    let created: Value = app.post_as("/api/v1/products", token, &body).await.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    app.patch_as(&format!("/api/v1/products/{id}"), token, &json!({"title": "Desk lamp"})).await;
    app.patch_as(&format!("/api/v1/products/{id}"), token, &json!({"status": "archived"})).await;
    let deleted = app
        .client
        .delete(app.url(&format!("/api/v1/products/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert!(deleted.status().is_success(), "{}", deleted.status());

    let events = events(&app).await;
    assert_eq!(types(&events), ["product.created", "product.updated", "product.archived", "product.deleted"]);
    for (_, aggregate, data) in &events {
        assert_eq!(aggregate, &id, "keyed by the product");
        assert_eq!(data["product_id"], id.as_str());
        assert_eq!(data["merchant_id"], merchant.id.as_str());
    }
    assert_eq!(events[0].2["status"], "draft");
}

#[tokio::test]
async fn stock_movements_write_stock_events_and_one_low_stock_alert_per_crossing() {
    let app = spawn_app().await;
    let merchant = app.user_with_role("stock@example.com", "merchant").await;
    let token = &merchant.access_token;
    let body = json!({"title": "Mug", "status": "published", "variants": [
        {"sku": "MUG-1", "price_minor": 900, "currency": "EUR", "on_hand": 10, "low_stock_threshold": 3}]});
    let created: Value = app.post_as("/api/v1/products", token, &body).await.json().await.unwrap();
    let variant: Uuid = created["variants"][0]["id"].as_str().unwrap().parse().unwrap();
    let app = &app;
    let adjust = |quantity: i32| {
        let path = format!("/api/v1/variants/{variant}/inventory-adjustments");
        let body = json!({"kind": "correction", "quantity": quantity, "reason": "count"});
        async move { app.post_as(&path, token, &body).await }
    };

    assert!(adjust(5).await.status().is_success()); // 10 → 5: above the threshold
    let mut change = Change::begin(&app.ctx.db).await.unwrap();
    let reservation =
        reservations::reserve(&mut change, variant, 2, Duration::from_secs(60), None).await.unwrap();
    change.commit().await.unwrap(); // available 5 → 3: crosses the threshold
    assert!(adjust(4).await.status().is_success()); // available 3 → 2: still below, no second alert
    let mut change = Change::begin(&app.ctx.db).await.unwrap();
    reservations::finish(&mut change, reservation.id, reservations::ReservationStatus::Released)
        .await
        .unwrap();
    change.commit().await.unwrap(); // available 2 → 4
    assert!(adjust(0).await.status().is_success()); // available 4 → 0: sold out, and a crossing
    assert!(adjust(2).await.status().is_success()); // available 0 → 2: back in stock

    // Refused: on-hand may not go below the reserved units (none now), nor be negative.
    assert_problem(adjust(-1).await, 422, "validation_failed").await;

    let events = events(app).await;
    assert_eq!(
        types(&events),
        [
            "product.created",
            "inventory.stock_changed",
            "inventory.stock_changed",
            "inventory.stock_low",
            "inventory.stock_changed",
            "inventory.stock_changed",
            "inventory.stock_changed",
            "inventory.stock_low",
            "inventory.stock_changed"
        ],
        "{events:#?}"
    );
    let stock: Vec<(i64, bool)> = events
        .iter()
        .filter(|(t, _, _)| t == "inventory.stock_changed")
        .map(|(_, _, d)| (d["available"].as_i64().unwrap(), d["in_stock_changed"].as_bool().unwrap()))
        .collect();
    // Only going out of stock and coming back tell the indexes the product's listing changed.
    assert_eq!(stock, [(5, false), (3, false), (2, false), (4, false), (0, true), (2, true)]);
    let low = &events[3].2;
    assert_eq!(low["sku"], "MUG-1");
    assert_eq!(low["available"], 3);
    assert_eq!(low["threshold"], 3);
    assert_eq!(low["merchant_id"], merchant.id.as_str());
}

#[tokio::test]
async fn deleting_a_sold_product_archives_it_and_keeps_its_history() {
    let app = spawn_app().await;
    let merchant = app.user_with_role("sold@example.com", "merchant").await;
    let token = &merchant.access_token;
    let body = json!({"title": "Kettle", "status": "published",
        "variants": [{"sku": "KETTLE-1", "price_minor": 4000, "currency": "EUR", "on_hand": 3}]});
    let product: Value = app.post_as("/api/v1/products", token, &body).await.json().await.unwrap();
    let variant: Uuid = product["variants"][0]["id"].as_str().unwrap().parse().unwrap();
    let mut change = Change::begin(&app.ctx.db).await.unwrap();
    let sale = reservations::reserve(&mut change, variant, 1, Duration::from_secs(60), None).await.unwrap();
    reservations::finish(&mut change, sale.id, reservations::ReservationStatus::Committed).await.unwrap();
    change.commit().await.unwrap();

    let path = format!("/api/v1/products/{}", product["id"].as_str().unwrap());
    let response = app.delete_as(&path, token).await;
    assert_eq!(response.status(), 200, "archived instead of deleted");
    let archived: Value = response.json().await.unwrap();
    assert_eq!(archived["status"], "archived");
    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM stock_reservations WHERE variant_id = $1")
        .bind(variant)
        .fetch_one(&app.ctx.db)
        .await
        .unwrap();
    assert_eq!(kept, 1, "the sale's record survives");
    let shopper_view = app.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(shopper_view.status(), 404, "shoppers no longer see it");
    assert_eq!(types(&events(&app).await).last(), Some(&"product.archived"));
}
