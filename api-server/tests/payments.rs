//! Payments against real Postgres and the simulated provider: test cards decide the
//! outcome (success, decline, 3-D Secure, late failure), webhooks are signed, applied
//! once and in any order, one idempotency key never charges twice, an expired order is
//! never paid (money taken late is refunded), and refunds never exceed what was captured.

mod common;

use common::{
    assert_problem,
    shop::{big_app, checkout_as, scalar, shopper, stock, test_card, variant},
    spawn_app_with, TestApp, WEBHOOK_SECRET,
};
use serde_json::{json, Value};
use shopfleet_commerce::payments::{card::CardInput, webhook};
use shopfleet_payment_simulator::{self as simulator, Delivery};
use shopfleet_platform::secret::Secret;
use uuid::Uuid;

/// An order of `quantity` units at 2500 each (stock 10), awaiting payment:
/// (shopper token, order id).
async fn unpaid_order(app: &TestApp, sku: &str, quantity: i32) -> (String, String) {
    let variant = variant(app, sku, 2500, 10).await;
    let email = format!("{}@shoppers.example.com", sku.to_lowercase());
    let (token, address) = shopper(app, &email, &[(&variant, quantity)]).await;
    let order: Value =
        checkout_as(app, &token, &format!("checkout-{sku}"), &address).await.json().await.unwrap();
    (token, order["id"].as_str().unwrap().to_owned())
}

async fn confirm_as(app: &TestApp, token: &str, order: &str, key: &str, number: &str) -> reqwest::Response {
    let card = card_json(number);
    app.client
        .post(app.url(&format!("/api/v1/orders/{order}/payment/confirm")))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&json!({ "card": card }))
        .send()
        .await
        .unwrap()
}

fn card_json(number: &str) -> Value {
    json!({"number": number, "exp_month": 12, "exp_year": 2040, "cvc": "123"})
}

async fn order_status(app: &TestApp, token: &str, order: &str) -> String {
    let order: Value = app.get_json_as(&format!("/api/v1/orders/{order}"), token).await;
    order["status"].as_str().unwrap().to_owned()
}

async fn payment(app: &TestApp, token: &str, order: &str) -> Value {
    app.get_json_as(&format!("/api/v1/orders/{order}/payment"), token).await
}

/// Delivers every due webhook of the simulated provider to the test API, as the worker's
/// `payments` job does.
async fn deliver_webhooks(app: &TestApp) -> usize {
    let delivery =
        Delivery::new(app.url("/api/v1/payments/webhook"), vec![Secret::new(WEBHOOK_SECRET)]).unwrap();
    simulator::deliver_due(&app.ctx.db, &delivery, 100).await.unwrap()
}

/// POSTs a webhook body signed with `secret` at `timestamp`.
async fn post_webhook(app: &TestApp, body: &[u8], secret: &str, timestamp: i64) -> reqwest::Response {
    let signature = webhook::sign(&[&Secret::new(secret)], timestamp, body);
    app.client
        .post(app.url("/api/v1/payments/webhook"))
        .header("content-type", "application/json")
        .header("Shopfleet-Signature", signature)
        .body(body.to_vec())
        .send()
        .await
        .unwrap()
}

/// The simulator's queued webhook bodies for the intent of `order`, oldest first.
async fn queued_webhooks(app: &TestApp, order: &str) -> Vec<Vec<u8>> {
    let bodies: Vec<Value> = sqlx::query_scalar(
        "SELECT w.body FROM sim_psp_webhooks w JOIN payment_intents i ON i.provider_ref = w.intent_ref
         WHERE i.order_id = $1 ORDER BY w.created_at",
    )
    .bind(Uuid::parse_str(order).unwrap())
    .fetch_all(&app.ctx.db)
    .await
    .unwrap();
    bodies.iter().map(|body| serde_json::to_vec(body).unwrap()).collect()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn count(app: &TestApp, sql: &str, order: &str) -> i64 {
    sqlx::query_scalar(sql).bind(Uuid::parse_str(order).unwrap()).fetch_one(&app.ctx.db).await.unwrap()
}

#[tokio::test]
async fn the_success_card_pays_the_order_and_sells_its_stock() {
    let app = big_app().await;
    let (token, order) = unpaid_order(&app, "PAY-1", 2).await;
    let before = payment(&app, &token, &order).await;
    assert_eq!(before["status"], "requires_payment_method");
    assert_eq!(before["amount_minor"], 5000);

    let response = confirm_as(&app, &token, &order, "pay-1", "4242 4242 4242 4242").await;
    assert_eq!(response.status(), 200);
    let paid: Value = response.json().await.unwrap();
    assert_eq!(paid["status"], "succeeded");
    assert_eq!(paid["captured_minor"], 5000);
    assert_eq!((paid["card_brand"].as_str(), paid["card_last4"].as_str()), (Some("visa"), Some("4242")));
    assert_eq!(order_status(&app, &token, &order).await, "paid");
    assert_eq!(stock(&app, "PAY-1").await, (8, 0), "the reserved units are sold");
    assert_eq!(scalar(&app, "SELECT count(*) FROM outbox WHERE event_type = 'payment.succeeded'").await, 1);
    assert_eq!(scalar(&app, "SELECT count(*) FROM outbox WHERE event_type = 'order.paid'").await, 1);
    let stored: Option<String> =
        sqlx::query_scalar("SELECT string_agg(card_last4, ',') FROM payment_intents")
            .fetch_one(&app.ctx.db)
            .await
            .unwrap();
    assert_eq!(stored.as_deref(), Some("4242"), "only the last four digits are kept");

    let again = confirm_as(&app, &token, &order, "pay-2", "4242424242424242").await;
    assert_problem(again, 409, "already_paid").await;
    assert_eq!(scalar(&app, "SELECT count(*) FROM sim_psp_charges").await, 1, "charged once");
    // The webhook of the same outcome arrives later and changes nothing.
    assert_eq!(deliver_webhooks(&app).await, 1);
    assert_eq!(scalar(&app, "SELECT count(*) FROM outbox WHERE event_type = 'payment.succeeded'").await, 1);

    let stranger = app.register_and_login("eve@example.com").await.access_token;
    assert_problem(confirm_as(&app, &stranger, &order, "steal", "4242424242424242").await, 404, "not_found")
        .await;
}

#[tokio::test]
async fn a_declined_card_is_a_402_and_another_card_may_follow() {
    let app = big_app().await;
    let (token, order) = unpaid_order(&app, "DECL-1", 1).await;
    let declined = assert_problem(
        confirm_as(&app, &token, &order, "try-1", "4000000000000002").await,
        402,
        "card_declined",
    )
    .await;
    assert!(declined["detail"].as_str().unwrap().contains("declined"), "{declined}");
    assert_eq!(payment(&app, &token, &order).await["status"], "failed");
    assert_eq!(order_status(&app, &token, &order).await, "pending_payment");
    assert_eq!(stock(&app, "DECL-1").await, (10, 1), "still reserved for the shopper");
    assert_eq!(scalar(&app, "SELECT count(*) FROM outbox WHERE event_type = 'payment.failed'").await, 1);
    // The stored answer for that key is the decline.
    assert_problem(confirm_as(&app, &token, &order, "try-1", "4000000000000002").await, 402, "card_declined")
        .await;

    let paid: Value =
        confirm_as(&app, &token, &order, "try-2", "4242424242424242").await.json().await.unwrap();
    assert_eq!(paid["status"], "succeeded");
    assert_eq!(paid["failure_code"], Value::Null);
    assert_eq!(order_status(&app, &token, &order).await, "paid");
}

#[tokio::test]
async fn bad_cards_are_refused_naming_the_field_before_anything_happens() {
    let app = big_app().await;
    let (token, order) = unpaid_order(&app, "BAD-1", 1).await;
    for (card, field) in [
        (
            json!({"number": "4242424242424241", "exp_month": 12, "exp_year": 2040, "cvc": "123"}),
            "card.number",
        ),
        (
            json!({"number": "5555555555554444", "exp_month": 12, "exp_year": 2040, "cvc": "123"}),
            "card.number",
        ),
        (
            json!({"number": "4242424242424242", "exp_month": 0, "exp_year": 2040, "cvc": "123"}),
            "card.exp_month",
        ),
        (
            json!({"number": "4242424242424242", "exp_month": 1, "exp_year": 2001, "cvc": "123"}),
            "card.exp_year",
        ),
        (json!({"number": "4242424242424242", "exp_month": 1, "exp_year": 2040, "cvc": "1"}), "card.cvc"),
        (
            json!({"number": "4242424242424242", "exp_month": "x", "exp_year": 2040, "cvc": "123"}),
            "card.exp_month",
        ),
    ] {
        let response = app
            .client
            .post(app.url(&format!("/api/v1/orders/{order}/payment/confirm")))
            .bearer_auth(&token)
            .header("Idempotency-Key", Uuid::now_v7().to_string())
            .json(&json!({ "card": card }))
            .send()
            .await
            .unwrap();
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    assert_eq!(
        scalar(&app, "SELECT count(*) FROM sim_psp_intents").await,
        0,
        "the provider was never called"
    );
}

#[tokio::test]
async fn three_d_secure_waits_for_the_shoppers_answer() {
    let app = big_app().await;
    let (token, order) = unpaid_order(&app, "3DS-1", 1).await;
    let pending: Value =
        confirm_as(&app, &token, &order, "3ds-1", "4000002760003184").await.json().await.unwrap();
    assert_eq!(pending["status"], "requires_action");
    assert_eq!(pending["next_action"]["type"], "three_d_secure");
    assert_eq!(order_status(&app, &token, &order).await, "pending_payment");
    let busy = confirm_as(&app, &token, &order, "3ds-busy", "4242424242424242").await;
    assert_problem(busy, 409, "payment_in_progress").await;

    let authenticate = format!("/api/v1/orders/{order}/payment/authenticate");
    let denied = app.post_as(&authenticate, &token, &json!({"approved": false})).await;
    assert_problem(denied, 402, "authentication_failed").await;
    let retry: Value =
        confirm_as(&app, &token, &order, "3ds-2", "4000002760003184").await.json().await.unwrap();
    assert_eq!(retry["status"], "requires_action");
    let approved: Value =
        app.post_as(&authenticate, &token, &json!({"approved": true})).await.json().await.unwrap();
    assert_eq!(approved["status"], "succeeded");
    assert_eq!(order_status(&app, &token, &order).await, "paid");
    assert_problem(app.post_as(&authenticate, &token, &json!({"approved": true})).await, 409, "already_paid")
        .await;
    assert_eq!(scalar(&app, "SELECT count(*) FROM sim_psp_charges").await, 1);
}

#[tokio::test]
async fn a_late_failure_reaches_the_shop_by_webhook() {
    let app = spawn_app_with(
        &[
            "--database-max-connections=40",
            "--login-max-attempts-per-ip=100000",
            "--payments-simulator-settle-ms=0",
        ],
        |r| r,
    )
    .await;
    let (token, order) = unpaid_order(&app, "LATE-1", 1).await;
    let processing: Value =
        confirm_as(&app, &token, &order, "late-1", "4000000000000341").await.json().await.unwrap();
    assert_eq!(processing["status"], "processing");
    assert_eq!(simulator::settle_due(&app.ctx.db, 100).await.unwrap(), 1);
    assert_eq!(deliver_webhooks(&app).await, 2, "processing, then payment_failed");
    let failed = payment(&app, &token, &order).await;
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["failure_code"], "processing_error");
    assert_eq!(order_status(&app, &token, &order).await, "pending_payment");
    assert_eq!(scalar(&app, "SELECT count(*) FROM outbox WHERE event_type = 'payment.failed'").await, 1);
    assert_eq!(deliver_webhooks(&app).await, 0, "delivered webhooks are not sent again");
}

/// The provider-side state of a confirmation the shop has not heard of yet: the intent is
/// opened and confirmed at the provider directly. Returns the provider's answer.
async fn confirm_at_provider(
    app: &TestApp,
    order: &str,
    number: &str,
) -> shopfleet_commerce::payments::provider::IntentSnapshot {
    let order_id = Uuid::parse_str(order).unwrap();
    let (intent, amount): (Uuid, i64) =
        sqlx::query_as("SELECT id, amount_minor FROM payment_intents WHERE order_id = $1")
            .bind(order_id)
            .fetch_one(&app.ctx.db)
            .await
            .unwrap();
    let opened = app.ctx.payments.create_intent(amount, "EUR", intent).await.unwrap();
    sqlx::query("UPDATE payment_intents SET provider_ref = $2, provider = 'simulated', provider_seq = $3 WHERE id = $1")
        .bind(intent)
        .bind(&opened.id)
        .bind(opened.seq)
        .execute(&app.ctx.db)
        .await
        .unwrap();
    let card: CardInput = test_card(number);
    app.ctx.payments.confirm(&opened.id, &card.parse("card").unwrap(), "direct").await.unwrap()
}

#[tokio::test]
async fn webhooks_before_after_twice_and_out_of_order_end_in_the_same_state() {
    let app = big_app().await;
    let db = app.ctx.db.clone();
    let provider = app.ctx.payments.clone();

    // Before: the webhook lands first, then the shop handles the provider's answer.
    let (token, before) = unpaid_order(&app, "WH-BEFORE", 1).await;
    let answer = confirm_at_provider(&app, &before, "4242424242424242").await;
    assert_eq!(deliver_webhooks(&app).await, 1);
    app.ctx.workflows.settle_payment(before.parse().unwrap(), &answer).await.unwrap();

    // After: the answer first, then the webhook.
    let (_, after) = unpaid_order(&app, "WH-AFTER", 1).await;
    let answer = confirm_at_provider(&app, &after, "4242424242424242").await;
    app.ctx.workflows.settle_payment(after.parse().unwrap(), &answer).await.unwrap();
    assert_eq!(deliver_webhooks(&app).await, 1);

    // Twice: the same event delivered again is acknowledged as a duplicate.
    let (_, twice) = unpaid_order(&app, "WH-TWICE", 1).await;
    confirm_at_provider(&app, &twice, "4242424242424242").await;
    let body = queued_webhooks(&app, &twice).await.pop().unwrap();
    let first: Value = post_webhook(&app, &body, WEBHOOK_SECRET, now()).await.json().await.unwrap();
    let second: Value = post_webhook(&app, &body, WEBHOOK_SECRET, now()).await.json().await.unwrap();
    assert_eq!((first["outcome"].as_str(), second["outcome"].as_str()), (Some("applied"), Some("duplicate")));

    // Out of order: a 3-D Secure payment's "succeeded" lands before its "requires_action".
    let (_, shuffled) = unpaid_order(&app, "WH-SHUFFLED", 1).await;
    let challenge = confirm_at_provider(&app, &shuffled, "4000002760003184").await;
    provider.authenticate(&challenge.id, true).await.unwrap();
    let mut bodies = queued_webhooks(&app, &shuffled).await;
    assert_eq!(bodies.len(), 2);
    bodies.reverse();
    let mut outcomes = Vec::new();
    for body in &bodies {
        let ack: Value = post_webhook(&app, body, WEBHOOK_SECRET, now()).await.json().await.unwrap();
        outcomes.push(ack["outcome"].as_str().unwrap().to_owned());
    }
    assert_eq!(outcomes, ["applied", "stale"], "the older requires_action is ignored");

    for order in [&before, &after, &twice, &shuffled] {
        let (order_state, payment_state): (String, String) = sqlx::query_as(
            "SELECT o.status, i.status FROM orders o JOIN payment_intents i ON i.order_id = o.id WHERE o.id = $1",
        )
        .bind(Uuid::parse_str(order).unwrap())
        .fetch_one(&db)
        .await
        .unwrap();
        assert_eq!((order_state.as_str(), payment_state.as_str()), ("paid", "succeeded"), "order {order}");
        let paid_events = count(
            &app,
            "SELECT count(*) FROM outbox WHERE event_type = 'order.paid' AND aggregate_id = $1::text",
            order,
        )
        .await;
        assert_eq!(paid_events, 1, "paid once: {order}");
        let history =
            count(&app, "SELECT count(*) FROM order_status_history WHERE order_id = $1", order).await;
        assert_eq!(history, 2, "placed and paid, nothing more: {order}");
    }
    assert_eq!(scalar(&app, "SELECT count(*) FROM sim_psp_charges").await, 4);
    assert_eq!(order_status(&app, &token, &before).await, "paid");
}

#[tokio::test]
async fn unsigned_tampered_stale_and_foreign_webhooks_are_refused() {
    let app = big_app().await;
    let (token, order) = unpaid_order(&app, "SIG-1", 1).await;
    confirm_at_provider(&app, &order, "4242424242424242").await;
    let body = queued_webhooks(&app, &order).await.pop().unwrap();
    let tampered =
        String::from_utf8(body.clone()).unwrap().replace("\"amount_minor\":2500", "\"amount_minor\":1");
    assert_ne!(tampered.as_bytes(), body.as_slice());

    let unsigned = app
        .client
        .post(app.url("/api/v1/payments/webhook"))
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_problem(unsigned, 401, "invalid_signature").await;
    let signature = webhook::sign(&[&Secret::new(WEBHOOK_SECRET)], now(), &body);
    let swapped = app
        .client
        .post(app.url("/api/v1/payments/webhook"))
        .header("Shopfleet-Signature", signature)
        .body(tampered)
        .send()
        .await
        .unwrap();
    assert_problem(swapped, 401, "invalid_signature").await;
    assert_problem(post_webhook(&app, &body, WEBHOOK_SECRET, now() - 301).await, 401, "invalid_signature")
        .await;
    assert_problem(post_webhook(&app, &body, WEBHOOK_SECRET, now() + 301).await, 401, "invalid_signature")
        .await;
    let foreign = "another-secret-that-is-long-enough-000";
    assert_problem(post_webhook(&app, &body, foreign, now()).await, 401, "invalid_signature").await;
    assert_eq!(order_status(&app, &token, &order).await, "pending_payment", "nothing refused was applied");
    assert_eq!(scalar(&app, "SELECT count(*) FROM payment_webhook_events").await, 0);

    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("payment_webhooks_total{outcome=\"stale\"}"), "refusals are counted");
    assert_eq!(post_webhook(&app, &body, WEBHOOK_SECRET, now()).await.status(), 200);
    assert_eq!(order_status(&app, &token, &order).await, "paid");
}

#[tokio::test]
async fn during_a_rotation_both_webhook_secrets_are_accepted() {
    let (new, old) = ("new-webhook-secret-0123456789abcdef", WEBHOOK_SECRET);
    let app = spawn_app_with(&[&format!("--payments-webhook-secrets={new},{old}")], |r| r).await;
    let (token, order) = unpaid_order(&app, "ROT-1", 1).await;
    confirm_at_provider(&app, &order, "4242424242424242").await;
    let body = queued_webhooks(&app, &order).await.pop().unwrap();
    let ack: Value = post_webhook(&app, &body, old, now()).await.json().await.unwrap();
    assert_eq!(ack["outcome"], "applied", "the old secret still verifies");
    let ack: Value = post_webhook(&app, &body, new, now()).await.json().await.unwrap();
    assert_eq!(ack["outcome"], "duplicate", "and so does the new one");
    assert_eq!(order_status(&app, &token, &order).await, "paid");
}

#[tokio::test]
async fn fifty_concurrent_confirms_with_one_key_charge_once_and_answer_alike() {
    let app = big_app().await;
    let (token, order) = unpaid_order(&app, "SAME-KEY", 1).await;
    let attempts = (0..50).map(|_| confirm_as(&app, &token, &order, "one-key", "4242424242424242"));
    let mut answers = Vec::new();
    for response in futures_util::future::join_all(attempts).await {
        match response.status().as_u16() {
            200 => answers.push(response.bytes().await.unwrap()),
            409 => {
                assert_problem(response, 409, "idempotency_request_in_flight").await;
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert!(!answers.is_empty());
    assert!(answers.windows(2).all(|pair| pair[0] == pair[1]), "every success carries the same bytes");
    assert_eq!(scalar(&app, "SELECT count(*) FROM sim_psp_charges").await, 1, "one charge");
    assert_eq!(scalar(&app, "SELECT count(*) FROM sim_psp_intents").await, 1, "one intent at the provider");
    let replay = confirm_as(&app, &token, &order, "one-key", "4242424242424242").await;
    assert_eq!(replay.bytes().await.unwrap(), answers[0], "a later retry is answered byte for byte");
    let other_card = confirm_as(&app, &token, &order, "one-key", "4000000000000002").await;
    let problem = assert_problem(other_card, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "Idempotency-Key");
}

#[tokio::test]
async fn an_expired_order_is_never_paid_and_money_taken_late_is_refunded() {
    let app = big_app().await;
    let db = app.ctx.db.clone();
    let (token, order) = unpaid_order(&app, "EXP-1", 3).await;
    sqlx::query("UPDATE orders SET expires_at = now() - interval '1 second'").execute(&db).await.unwrap();
    assert_problem(
        confirm_as(&app, &token, &order, "too-late", "4242424242424242").await,
        409,
        "order_expired",
    )
    .await;
    assert_eq!(scalar(&app, "SELECT count(*) FROM sim_psp_charges").await, 0, "nothing was charged");
    assert_eq!(app.ctx.workflows.expire_unpaid(100).await.unwrap(), 1);
    assert_eq!(order_status(&app, &token, &order).await, "cancelled");
    assert_eq!(stock(&app, "EXP-1").await, (10, 0), "the reservation is released");
    assert_eq!(payment(&app, &token, &order).await["status"], "canceled");

    // The provider took the money just before the deadline; the shop hears of it after.
    let (token, late) = unpaid_order(&app, "EXP-2", 2).await;
    confirm_at_provider(&app, &late, "4242424242424242").await;
    sqlx::query("UPDATE orders SET expires_at = now() - interval '1 second' WHERE id = $1")
        .bind(Uuid::parse_str(&late).unwrap())
        .execute(&db)
        .await
        .unwrap();
    assert_eq!(app.ctx.workflows.expire_unpaid(100).await.unwrap(), 1);
    assert_eq!(deliver_webhooks(&app).await, 1);
    assert_eq!(order_status(&app, &token, &late).await, "cancelled", "a cancelled order stays cancelled");
    let refunded = payment(&app, &token, &late).await;
    assert_eq!(
        (refunded["captured_minor"].as_i64(), refunded["refunded_minor"].as_i64()),
        (Some(5000), Some(5000))
    );
    assert_eq!(scalar(&app, "SELECT count(*) FROM refunds WHERE status = 'succeeded'").await, 1);
    assert_eq!(
        scalar(&app, "SELECT coalesce(sum(refunded_minor), 0)::bigint FROM sim_psp_intents").await,
        5000
    );
    assert_eq!(stock(&app, "EXP-2").await, (10, 0), "nothing was sold");
    assert_eq!(deliver_webhooks(&app).await, 1, "the refund's own webhook");
    assert_eq!(scalar(&app, "SELECT count(*) FROM refunds").await, 1, "refunded once");
}

async fn refund_as(app: &TestApp, token: &str, order: &str, key: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/orders/{order}/refunds")))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn refunds_are_full_or_partial_and_never_more_than_was_captured() {
    let app = big_app().await;
    let admin = app.admin("refunds@example.com").await.access_token;
    let (token, order) = unpaid_order(&app, "REF-1", 2).await;
    assert_problem(refund_as(&app, &admin, &order, "early", &json!({})).await, 409, "not_refundable").await;
    confirm_as(&app, &token, &order, "pay", "4242424242424242").await;

    let partial =
        refund_as(&app, &admin, &order, "r1", &json!({"amount_minor": 2000, "reason": "damaged box"})).await;
    assert_eq!(partial.status(), 201);
    let partial: Value = partial.json().await.unwrap();
    assert_eq!(
        (partial["status"].as_str(), partial["amount_minor"].as_i64()),
        (Some("succeeded"), Some(2000))
    );
    assert_eq!(order_status(&app, &token, &order).await, "partially_refunded");
    let replay: Value =
        refund_as(&app, &admin, &order, "r1", &json!({"amount_minor": 2000, "reason": "damaged box"}))
            .await
            .json()
            .await
            .unwrap();
    assert_eq!(replay, partial, "a retried refund is answered, not repeated");

    let too_much = refund_as(&app, &admin, &order, "r2", &json!({"amount_minor": 3001})).await;
    let problem = assert_problem(too_much, 409, "refund_exceeds_captured").await;
    assert!(problem["detail"].as_str().unwrap().contains("3000"), "{problem}");
    let zero = assert_problem(
        refund_as(&app, &admin, &order, "r3", &json!({"amount_minor": 0})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(zero["errors"][0]["field"], "amount_minor");
    let shopper = refund_as(&app, &token, &order, "mine", &json!({})).await;
    assert_problem(shopper, 403, "forbidden").await;

    // Twenty concurrent refunds of 1000 against the 3000 left: exactly three go through.
    let attempts = (0..20).map(|i| {
        let (app, admin, order) = (&app, &admin, &order);
        async move {
            refund_as(app, admin, order, &format!("burst-{i}"), &json!({"amount_minor": 1000}))
                .await
                .status()
                .as_u16()
        }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 3, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 201 || *s == 409), "{statuses:?}");
    let paid = payment(&app, &admin, &order).await;
    assert_eq!((paid["captured_minor"].as_i64(), paid["refunded_minor"].as_i64()), (Some(5000), Some(5000)));
    assert_eq!(
        scalar(&app, "SELECT coalesce(sum(refunded_minor), 0)::bigint FROM sim_psp_intents").await,
        5000
    );
    assert_eq!(order_status(&app, &token, &order).await, "refunded");
    assert_eq!(scalar(&app, "SELECT count(*) FROM outbox WHERE event_type = 'payment.refunded'").await, 4);
    assert_problem(refund_as(&app, &admin, &order, "r4", &json!({})).await, 409, "refund_exceeds_captured")
        .await;
}
