//! Fulfilment against real Postgres: each merchant sees and fulfils only their own lines
//! of paid orders; the order follows its lines through the state machine with one
//! history row and event per step; illegal steps are 409s.

mod common;

use common::{
    assert_problem,
    shop::{big_app, checkout_as, scalar, shopper, variant},
    TestApp,
};
use serde_json::{json, Value};

async fn fulfil(app: &TestApp, token: &str, order: &str, body: Value) -> reqwest::Response {
    app.post_as(&format!("/api/v1/orders/{order}/fulfilment"), token, &body).await
}

async fn pay(app: &TestApp, token: &str, order: &str) {
    let response = app
        .client
        .post(app.url(&format!("/api/v1/orders/{order}/payment/confirm")))
        .bearer_auth(token)
        .header("Idempotency-Key", "pay")
        .json(
            &json!({"card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2040, "cvc": "123"}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn merchants_fulfil_their_own_lines_and_the_order_follows() {
    let app = big_app().await;
    let tea = variant(&app, "TEA-F", 500, 10).await;
    let cup = variant(&app, "CUP-F", 800, 10).await;
    let tea_merchant = app.login("tea-f@merchants.example.com", common::PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let cup_merchant = app.login("cup-f@merchants.example.com", common::PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let outsider = app.user_with_role("other@merchants.example.com", "merchant").await.access_token;
    let (token, address) = shopper(&app, "fan@example.com", &[(&tea, 2), (&cup, 1)]).await;
    let order: Value = checkout_as(&app, &token, "f-1", &address).await.json().await.unwrap();
    let order = order["id"].as_str().unwrap().to_owned();

    let early = fulfil(&app, &tea_merchant, &order, json!({"action": "start"})).await;
    assert_problem(early, 409, "illegal_transition").await;
    pay(&app, &token, &order).await;

    // Each merchant sees the order with only their own line.
    let listed: Value = app.get_json_as("/api/v1/merchant/orders", &tea_merchant).await;
    let lines = listed[0]["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["sku"], "TEA-F");
    let tea_line = lines[0]["line_no"].as_i64().unwrap();
    let nothing: Value = app.get_json_as("/api/v1/merchant/orders", &outsider).await;
    assert_eq!(nothing, json!([]));
    assert_problem(fulfil(&app, &outsider, &order, json!({"action": "start"})).await, 404, "not_found").await;
    let foreign =
        fulfil(&app, &cup_merchant, &order, json!({"action": "start", "line_nos": [tea_line]})).await;
    let problem = assert_problem(foreign, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "line_nos[0]");
    let untracked = fulfil(&app, &tea_merchant, &order, json!({"action": "ship", "carrier": "DHL"})).await;
    let problem = assert_problem(untracked, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "tracking_number");
    assert_problem(
        fulfil(&app, &tea_merchant, &order, json!({"action": "deliver"})).await,
        409,
        "illegal_transition",
    )
    .await;

    let started: Value =
        fulfil(&app, &tea_merchant, &order, json!({"action": "start"})).await.json().await.unwrap();
    assert_eq!(started["status"], "fulfilling");
    let skus: Vec<&str> =
        started["lines"].as_array().unwrap().iter().map(|l| l["sku"].as_str().unwrap()).collect();
    assert_eq!(skus, ["TEA-F"], "the answer shows the merchant only their own lines, as the listing does");
    let shipped: Value = fulfil(
        &app,
        &tea_merchant,
        &order,
        json!({"action": "ship", "carrier": "DHL", "tracking_number": "JD0001"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(shipped["status"], "fulfilling", "the cup has not shipped yet");
    let both: Value = fulfil(
        &app,
        &cup_merchant,
        &order,
        json!({"action": "ship", "carrier": "UPS", "tracking_number": "1Z999"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(both["status"], "shipped");
    assert!(both["lines"].as_array().unwrap().iter().all(|l| l["fulfilment_status"] == "shipped"));
    let event: Value = sqlx::query_scalar("SELECT data FROM outbox WHERE event_type = 'order.shipped'")
        .fetch_one(&app.ctx.db)
        .await
        .unwrap();
    let tracking: Vec<&str> = event["shipments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["tracking_number"].as_str().unwrap())
        .collect();
    assert_eq!(tracking.len(), 2);
    assert!(tracking.contains(&"JD0001") && tracking.contains(&"1Z999"), "{event}");
    // The shopper sees the tracking numbers on the order.
    let seen: Value = app.get_json_as(&format!("/api/v1/orders/{order}"), &token).await;
    assert!(seen["lines"].as_array().unwrap().iter().all(|l| l["tracking_number"].is_string()));

    fulfil(&app, &tea_merchant, &order, json!({"action": "deliver"})).await;
    let delivered: Value =
        fulfil(&app, &cup_merchant, &order, json!({"action": "deliver"})).await.json().await.unwrap();
    assert_eq!(delivered["status"], "delivered");
    assert_problem(
        fulfil(&app, &cup_merchant, &order, json!({"action": "deliver"})).await,
        409,
        "illegal_transition",
    )
    .await;
    let history: Vec<String> = sqlx::query_scalar("SELECT to_status FROM order_status_history ORDER BY id")
        .fetch_all(&app.ctx.db)
        .await
        .unwrap();
    assert_eq!(history, ["pending_payment", "paid", "fulfilling", "shipped", "delivered"]);
    for event in ["order.paid", "order.fulfilling", "order.shipped", "order.delivered"] {
        let count = scalar(&app, &format!("SELECT count(*) FROM outbox WHERE event_type = '{event}'")).await;
        assert_eq!(count, 1, "{event}");
    }
    let shopper_try = fulfil(&app, &token, &order, json!({"action": "start"})).await;
    assert_problem(shopper_try, 403, "forbidden").await;

    // Admins see every order, by status.
    let admin = app.admin("ops@example.com").await.access_token;
    let delivered: Value = app.get_json_as("/api/v1/admin/orders?status=delivered", &admin).await;
    assert_eq!(delivered.as_array().unwrap().len(), 1);
    assert_eq!(delivered[0]["lines"].as_array().unwrap().len(), 2, "admins see every line");
    let unpaid: Value = app.get_json_as("/api/v1/admin/orders?status=pending_payment", &admin).await;
    assert_eq!(unpaid, json!([]));
    for (query, field) in [("status=lost", "status"), ("limit=0", "limit"), ("before=yesterday", "before")] {
        let response = app.get_as(&format!("/api/v1/admin/orders?{query}"), &admin).send().await.unwrap();
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
}
