//! Checkout against real Postgres: one transaction from cart to order with reserved
//! stock, no oversell under heavy concurrency, Stripe-style idempotency keys, refusals
//! that change nothing, and expiry of unpaid orders that releases their stock.

mod common;

use common::{
    assert_problem,
    shop::{big_app, checkout_as, scalar, shopper, stock, variant},
};
use serde_json::{json, Value};
use shopfleet_commerce::payments::PaymentStatus;
use std::time::Duration;
use uuid::Uuid;

#[tokio::test]
async fn checkout_turns_the_cart_into_an_order_with_reserved_stock() {
    let app = big_app().await;
    let tea = variant(&app, "TEA-9", 450, 10).await;
    let pot = variant(&app, "POT-9", 2500, 1).await;
    let (token, address) = shopper(&app, "sam@example.com", &[(&tea, 3), (&pot, 1)]).await;

    let response = checkout_as(&app, &token, "first-try", &address).await;
    assert_eq!(response.status(), 201);
    let order: Value = response.json().await.unwrap();
    assert_eq!(order["status"], "pending_payment");
    assert_eq!(order["total_minor"], 3 * 450 + 2500);
    assert_eq!(order["shipping_address"]["city"], "Berlin");
    let lines = order["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().any(|l| l["sku"] == "TEA-9" && l["unit_price_minor"] == 450 && l["quantity"] == 3));
    assert!(order["expires_at"].is_string());

    assert_eq!(stock(&app, "TEA-9").await, (10, 3), "reserved, not yet sold");
    assert_eq!(stock(&app, "POT-9").await, (1, 1));
    let cart: Value = app.get_as("/api/v1/cart", &token).send().await.unwrap().json().await.unwrap();
    assert_eq!(cart["lines"], json!([]), "the cart is emptied");
    assert_eq!(scalar(&app, "SELECT count(*) FROM outbox WHERE event_type = 'order.placed'").await, 1);
    assert_eq!(scalar(&app, "SELECT count(*) FROM order_status_history").await, 1);

    // The price snapshot survives later price changes.
    sqlx::query("UPDATE variants SET price_minor = 999 WHERE sku = 'TEA-9'")
        .execute(&app.ctx.db)
        .await
        .unwrap();
    let path = format!("/api/v1/orders/{}", order["id"].as_str().unwrap());
    let again: Value = app.get_as(&path, &token).send().await.unwrap().json().await.unwrap();
    assert_eq!(again["lines"], order["lines"]);
    let listed: Value = app.get_as("/api/v1/orders", &token).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let stranger = app.register_and_login("nosy@example.com").await.access_token;
    assert_problem(app.get_as(&path, &stranger).send().await.unwrap(), 404, "not_found").await;
}

#[tokio::test]
async fn a_hundred_concurrent_checkouts_for_the_last_unit_make_one_order() {
    let app = big_app().await;
    let last = variant(&app, "LAST-1", 1000, 1).await;
    let mut shoppers = Vec::new();
    for i in 0..100 {
        shoppers.push(shopper(&app, &format!("rush{i}@example.com"), &[(&last, 1)]).await);
    }
    let attempts = shoppers.iter().map(|(token, address)| checkout_as(&app, token, "rush", address));
    let responses = futures_util::future::join_all(attempts).await;
    let created = responses.iter().filter(|r| r.status() == 201).count();
    assert_eq!(created, 1, "exactly one order");
    for response in responses.into_iter().filter(|r| r.status() != 201) {
        assert_problem(response, 409, "insufficient_stock").await;
    }
    assert_eq!(scalar(&app, "SELECT count(*) FROM orders").await, 1);
    assert_eq!(stock(&app, "LAST-1").await, (1, 1), "never more reserved than on hand");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_checkouts_over_three_variants_take_exactly_thirty_units() {
    let app = big_app().await;
    let db = app.ctx.db.clone();
    let variants = [
        variant(&app, "A-10", 100, 10).await,
        variant(&app, "B-10", 100, 10).await,
        variant(&app, "C-10", 100, 10).await,
    ];
    // 1,000 shoppers written straight to Postgres (registering them over HTTP would only
    // measure password hashing); each has an address and one unit of one variant in the cart.
    let mut shoppers = Vec::new();
    for i in 0..1000 {
        let (user, address) = (Uuid::now_v7(), Uuid::now_v7());
        let variant: Uuid = variants[i % 3].parse().unwrap();
        sqlx::query("INSERT INTO users (id, email, password_hash) VALUES ($1, $2, 'x')")
            .bind(user)
            .bind(format!("crowd{i}@example.com"))
            .execute(&db)
            .await
            .unwrap();
        sqlx::query("INSERT INTO addresses (id, user_id, full_name, line1, city, postal_code, country) VALUES ($1, $2, 'C', '1 St', 'Oslo', '0150', 'NO')")
            .bind(address)
            .bind(user)
            .execute(&db)
            .await
            .unwrap();
        sqlx::query("INSERT INTO carts (user_id) VALUES ($1)").bind(user).execute(&db).await.unwrap();
        sqlx::query("INSERT INTO cart_lines (user_id, variant_id, quantity, seen_price_minor) VALUES ($1, $2, 1, 100)")
            .bind(user)
            .bind(variant)
            .execute(&db)
            .await
            .unwrap();
        shoppers.push((user, address));
    }
    let attempts = shoppers.into_iter().map(|(user, address)| {
        let workflows = app.ctx.workflows.clone();
        tokio::spawn(async move {
            workflows.place_order(user, address, None, Duration::from_secs(900), None).await.is_ok()
        })
    });
    let placed =
        futures_util::future::join_all(attempts).await.into_iter().filter(|ok| *ok.as_ref().unwrap()).count();
    assert_eq!(placed, 30, "exactly the 30 units in stock were ordered");
    for sku in ["A-10", "B-10", "C-10"] {
        assert_eq!(stock(&app, sku).await, (10, 10), "{sku}: all reserved, none twice");
    }
    assert_eq!(scalar(&app, "SELECT coalesce(sum(quantity), 0) FROM order_lines").await, 30);

    // Paying every order sells exactly the 30 units and leaves nothing reserved.
    let orders: Vec<(Uuid, Uuid)> =
        sqlx::query_as("SELECT id, user_id FROM orders").fetch_all(&db).await.unwrap();
    let payments = orders.into_iter().map(|(order, user)| {
        let workflows = app.ctx.workflows.clone();
        tokio::spawn(async move {
            let card = common::shop::test_card("4242424242424242");
            workflows.confirm_payment(order, user, &card, "pay").await.unwrap().status
        })
    });
    for status in futures_util::future::join_all(payments).await {
        assert_eq!(status.unwrap(), PaymentStatus::Succeeded);
    }
    for sku in ["A-10", "B-10", "C-10"] {
        assert_eq!(stock(&app, sku).await, (0, 0), "{sku}: all ten sold, nothing reserved");
    }
    assert_eq!(scalar(&app, "SELECT count(*) FROM orders WHERE status = 'paid'").await, 30);
    assert_eq!(scalar(&app, "SELECT count(*) FROM sim_psp_charges").await, 30, "one charge per order");
    assert_eq!(app.ctx.workflows.expire_unpaid(500).await.unwrap(), 0, "paid orders never expire");
}

#[tokio::test]
async fn fifty_concurrent_requests_with_one_key_make_one_order_and_one_answer() {
    let app = big_app().await;
    let mug = variant(&app, "MUG-50", 900, 100).await;
    let (token, address) = shopper(&app, "double@example.com", &[(&mug, 2)]).await;
    let attempts = (0..50).map(|_| checkout_as(&app, &token, "same-key", &address));
    let mut created = Vec::new();
    for response in futures_util::future::join_all(attempts).await {
        match response.status().as_u16() {
            201 => created.push(response.bytes().await.unwrap()),
            409 => {
                assert_problem(response, 409, "idempotency_request_in_flight").await;
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert!(!created.is_empty());
    assert!(created.windows(2).all(|pair| pair[0] == pair[1]), "every success carries the same bytes");
    assert_eq!(scalar(&app, "SELECT count(*) FROM orders").await, 1, "one order");
    assert_eq!(stock(&app, "MUG-50").await, (100, 2), "one reservation");

    let replay = checkout_as(&app, &token, "same-key", &address).await;
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.bytes().await.unwrap(), created[0], "a later retry is answered byte for byte");
    let other_body = app
        .client
        .post(app.url("/api/v1/checkout"))
        .bearer_auth(&token)
        .header("Idempotency-Key", "same-key")
        .json(&json!({"address_id": Uuid::now_v7()}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(other_body, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "Idempotency-Key", "{problem}");
    let no_key = app.post_as("/api/v1/checkout", &token, &json!({"address_id": address})).await;
    let problem = assert_problem(no_key, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "Idempotency-Key", "{problem}");
}

#[tokio::test]
async fn refused_checkouts_change_nothing() {
    let app = big_app().await;
    let lamp = variant(&app, "LAMP-2", 3000, 5).await;
    let (token, address) = shopper(&app, "picky@example.com", &[(&lamp, 2)]).await;

    sqlx::query("UPDATE variants SET price_minor = 3500 WHERE sku = 'LAMP-2'")
        .execute(&app.ctx.db)
        .await
        .unwrap();
    let problem = assert_problem(checkout_as(&app, &token, "k1", &address).await, 409, "cart_changed").await;
    assert!(problem["detail"].as_str().unwrap().contains("LAMP-2"), "{problem}");
    // The refusal is the stored answer for that key.
    assert_problem(checkout_as(&app, &token, "k1", &address).await, 409, "cart_changed").await;

    let problem = assert_problem(
        checkout_as(&app, &token, "k2", &Uuid::now_v7().to_string()).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "address_id", "{problem}");
    assert_eq!(stock(&app, "LAMP-2").await, (5, 0), "nothing reserved");
    assert_eq!(scalar(&app, "SELECT count(*) FROM orders").await, 0);
    let cart: Value = app.get_as("/api/v1/cart", &token).send().await.unwrap().json().await.unwrap();
    assert_eq!(cart["lines"].as_array().unwrap().len(), 1, "the cart is untouched");

    let (empty, address) = shopper(&app, "empty@example.com", &[]).await;
    let problem =
        assert_problem(checkout_as(&app, &empty, "k3", &address).await, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "cart", "{problem}");
}

#[tokio::test]
async fn shoppers_and_admins_cancel_unpaid_orders_and_stock_comes_back() {
    let app = big_app().await;
    let kite = variant(&app, "KITE-1", 2000, 4).await;
    let (token, address) = shopper(&app, "flyer@example.com", &[(&kite, 3)]).await;
    let order: Value = checkout_as(&app, &token, "kite", &address).await.json().await.unwrap();
    let cancel = format!("/api/v1/orders/{}/cancel", order["id"].as_str().unwrap());

    let stranger = app.register_and_login("meddler@example.com").await.access_token;
    assert_problem(app.post_as(&cancel, &stranger, &json!({})).await, 404, "not_found").await;
    assert_eq!(stock(&app, "KITE-1").await, (4, 3));

    let cancelled: Value = app.post_as(&cancel, &token, &json!({})).await.json().await.unwrap();
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(stock(&app, "KITE-1").await, (4, 0), "the stock is released");
    assert_problem(app.post_as(&cancel, &token, &json!({})).await, 409, "illegal_transition").await;
    assert_eq!(scalar(&app, "SELECT count(*) FROM order_status_history").await, 2);
    assert_eq!(scalar(&app, "SELECT count(*) FROM outbox WHERE event_type = 'order.cancelled'").await, 1);

    let (other, address) = shopper(&app, "second@example.com", &[(&kite, 1)]).await;
    let order: Value = checkout_as(&app, &other, "kite-2", &address).await.json().await.unwrap();
    let admin = app.admin("boss@example.com").await.access_token;
    let path = format!("/api/v1/orders/{}/cancel", order["id"].as_str().unwrap());
    let by_admin: Value = app.post_as(&path, &admin, &json!({})).await.json().await.unwrap();
    assert_eq!(by_admin["status"], "cancelled");
    let reason: String = sqlx::query_scalar(
        "SELECT reason FROM order_status_history WHERE order_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(Uuid::parse_str(order["id"].as_str().unwrap()).unwrap())
    .fetch_one(&app.ctx.db)
    .await
    .unwrap();
    assert_eq!(reason, "cancelled_by_admin");
}
