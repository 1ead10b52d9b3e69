//! Carts: server-side totals, per-line issues when price, stock or availability change,
//! no lost update under concurrent adds, and clear problems for bad input.

mod common;

use common::{assert_problem, spawn_app, TestApp};
use serde_json::{json, Value};

/// A published product with one variant; returns the variant id.
async fn variant(app: &TestApp, token: &str, sku: &str, price: i64, currency: &str, on_hand: i32) -> String {
    let body = json!({"title": format!("Product {sku}"), "status": "published",
        "variants": [{"sku": sku, "price_minor": price, "currency": currency, "on_hand": on_hand}]});
    let product: Value = app.post_as("/api/v1/products", token, &body).await.json().await.unwrap();
    product["variants"][0]["id"].as_str().unwrap().to_owned()
}

async fn cart(app: &TestApp, token: &str) -> Value {
    app.get_as("/api/v1/cart", token).send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn lines_add_up_on_the_server_and_report_what_changed() {
    let app = spawn_app().await;
    let merchant = app.user_with_role("shopkeeper@example.com", "merchant").await.access_token;
    let shopper = app.register_and_login("buyer@example.com").await.access_token;
    let tea = variant(&app, &merchant, "TEA-1", 450, "EUR", 10).await;
    let pot = variant(&app, &merchant, "POT-1", 2500, "EUR", 2).await;

    assert_eq!(cart(&app, &shopper).await["item_count"], 0);
    app.post_as("/api/v1/cart/lines", &shopper, &json!({"variant_id": tea, "quantity": 2})).await;
    app.post_as("/api/v1/cart/lines", &shopper, &json!({"variant_id": tea, "quantity": 1})).await;
    let added: Value = app
        .post_as("/api/v1/cart/lines", &shopper, &json!({"variant_id": pot, "quantity": 1}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(added["lines"][0]["quantity"], 3, "adding the same variant sums: {added}");
    assert_eq!(added["subtotal_minor"], 3 * 450 + 2500);
    assert_eq!(added["item_count"], 4);
    assert_eq!(added["currency"], "EUR");
    assert_eq!(added["ready_for_checkout"], true);

    // The merchant raises the tea's price, stock of the pot drops, the pot is archived.
    sqlx::query("UPDATE variants SET price_minor = 500 WHERE sku = 'TEA-1'")
        .execute(&app.ctx.db)
        .await
        .unwrap();
    sqlx::query("UPDATE variants SET on_hand = 0 WHERE sku = 'POT-1'").execute(&app.ctx.db).await.unwrap();
    let changed = cart(&app, &shopper).await;
    assert_eq!(changed["subtotal_minor"], 3 * 500 + 2500, "totals use current prices");
    assert_eq!(changed["ready_for_checkout"], false);
    assert_eq!(
        changed["lines"][0]["issues"],
        json!([{"code": "price_changed", "was_minor": 450, "now_minor": 500}])
    );
    assert_eq!(changed["lines"][1]["issues"], json!([{"code": "insufficient_stock", "available": 0}]));
    sqlx::query("UPDATE products SET status = 'archived' WHERE title = 'Product POT-1'")
        .execute(&app.ctx.db)
        .await
        .unwrap();
    let archived = cart(&app, &shopper).await;
    assert_eq!(archived["lines"][1]["issues"][0]["code"], "unavailable");

    // Setting the quantity accepts the new price; removing the pot clears the last issue.
    let path = format!("/api/v1/cart/lines/{tea}");
    let set = app
        .client
        .put(app.url(&path))
        .bearer_auth(&shopper)
        .json(&json!({"quantity": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 200);
    let removed: Value =
        app.delete_as(&format!("/api/v1/cart/lines/{pot}"), &shopper).await.json().await.unwrap();
    assert_eq!(removed["lines"].as_array().unwrap().len(), 1);
    assert_eq!(removed["subtotal_minor"], 500);
    assert_eq!(removed["ready_for_checkout"], true);

    let other = app.register_and_login("other@example.com").await.access_token;
    assert_eq!(cart(&app, &other).await["item_count"], 0, "carts are per user");
    let cleared = app.delete_as("/api/v1/cart", &shopper).await;
    assert_eq!(cleared.status(), 204);
    assert_eq!(cart(&app, &shopper).await["lines"], json!([]));
}

#[tokio::test]
async fn concurrent_adds_are_all_counted() {
    let app = spawn_app().await;
    let merchant = app.user_with_role("busy@example.com", "merchant").await.access_token;
    let shopper = app.register_and_login("clicker@example.com").await.access_token;
    let pen = variant(&app, &merchant, "PEN-1", 100, "EUR", 100).await;
    let body = json!({"variant_id": pen, "quantity": 1});
    let adds = (0..25).map(|_| app.post_as("/api/v1/cart/lines", &shopper, &body));
    for response in futures_util::future::join_all(adds).await {
        assert_eq!(response.status(), 200);
    }
    assert_eq!(cart(&app, &shopper).await["lines"][0]["quantity"], 25, "no add was lost");
}

#[tokio::test]
async fn bad_cart_input_gets_problems_naming_the_field() {
    let app = spawn_app().await;
    let merchant = app.user_with_role("strict@example.com", "merchant").await.access_token;
    let shopper = app.register_and_login("careless@example.com").await.access_token;
    let euro = variant(&app, &merchant, "EURO-1", 100, "EUR", 5).await;
    let dollar = variant(&app, &merchant, "USD-1", 100, "USD", 5).await;
    let (app, shopper) = (&app, &shopper);
    let add = |body: Value| async move { app.post_as("/api/v1/cart/lines", shopper, &body).await };

    for quantity in [0, -3, 1001] {
        let problem = assert_problem(
            add(json!({"variant_id": euro, "quantity": quantity})).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], "quantity", "{problem}");
    }
    let unknown = json!({"variant_id": uuid::Uuid::now_v7(), "quantity": 1});
    let problem = assert_problem(add(unknown).await, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "variant_id", "{problem}");
    assert_eq!(add(json!({"variant_id": euro, "quantity": 600})).await.status(), 200);
    let problem =
        assert_problem(add(json!({"variant_id": euro, "quantity": 600})).await, 422, "validation_failed")
            .await;
    assert_eq!(problem["errors"][0]["field"], "quantity", "a line is capped at 1000 units: {problem}");
    assert_problem(add(json!({"variant_id": dollar, "quantity": 1})).await, 409, "currency_mismatch").await;
    let missing = app
        .client
        .put(app.url(&format!("/api/v1/cart/lines/{dollar}")))
        .bearer_auth(shopper)
        .json(&json!({"quantity": 1}))
        .send()
        .await
        .unwrap();
    assert_problem(missing, 404, "not_found").await;
    assert_eq!(cart(app, shopper).await["lines"][0]["quantity"], 600, "refused changes left the cart alone");
}
