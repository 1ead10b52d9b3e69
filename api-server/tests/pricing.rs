//! Checkout totals on real Postgres: the cart priced with shipping, tax and a code is what
//! checkout charges and what the order keeps; codes are refused with their reason naming
//! the field; a code's limits hold under concurrent checkouts (no double redemption), and
//! a cancelled order gives its use back; a code on a category reaches its descendants' products.

mod common;

use common::{
    assert_problem,
    shop::{big_app, checkout_as, scalar, shopper},
    TestApp, TestUser,
};
use serde_json::{json, Value};

async fn put_as(app: &TestApp, path: &str, token: &str, body: &Value) -> reqwest::Response {
    app.client.put(app.url(path)).bearer_auth(token).json(body).send().await.unwrap()
}

async fn json_201(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body
}

/// Germany (19 % standard, 7 % reduced) with Standard (4.95 EUR) and Express (12.90 EUR).
async fn german_shipping(app: &TestApp, admin: &TestUser) -> (String, String) {
    let zone =
        json!({"name": "Germany", "countries": ["DE"], "standard_rate_bp": 1900, "reduced_rate_bp": 700});
    let zone = json_201(app.post_as("/api/v1/admin/shipping-zones", &admin.access_token, &zone).await).await;
    let method = |name: &str, amount: i64| {
        json!({"zone_id": zone["id"], "name": name, "delivery_time": "2-3 days", "currency": "EUR",
               "rate": {"kind": "flat", "amount_minor": amount}})
    };
    let standard = json_201(
        app.post_as("/api/v1/admin/shipping-methods", &admin.access_token, &method("Standard", 495)).await,
    )
    .await;
    let express = json_201(
        app.post_as("/api/v1/admin/shipping-methods", &admin.access_token, &method("Express", 1290)).await,
    )
    .await;
    (standard["id"].as_str().unwrap().to_owned(), express["id"].as_str().unwrap().to_owned())
}

/// A published product of a new merchant with one variant; returns the variant id.
async fn product(app: &TestApp, sku: &str, price: i64, on_hand: i32, tax_class: &str) -> String {
    let merchant =
        app.user_with_role(&format!("{}@merchants.example.com", sku.to_lowercase()), "merchant").await;
    let product = product_of(app, &merchant, sku, price, on_hand, tax_class).await;
    product["variants"][0]["id"].as_str().unwrap().to_owned()
}

/// A published product of `merchant` with one variant.
async fn product_of(
    app: &TestApp,
    merchant: &TestUser,
    sku: &str,
    price: i64,
    on_hand: i32,
    tax_class: &str,
) -> Value {
    let body = json!({"title": format!("Product {sku}"), "status": "published", "tax_class": tax_class,
        "variants": [{"sku": sku, "price_minor": price, "currency": "EUR", "on_hand": on_hand}]});
    let product = json_201(app.post_as("/api/v1/products", &merchant.access_token, &body).await).await;
    assert_eq!(product["tax_class"], tax_class);
    product
}

async fn promotion(app: &TestApp, admin: &TestUser, body: Value) -> Value {
    json_201(app.post_as("/api/v1/promotions", &admin.access_token, &body).await).await
}

async fn cart(app: &TestApp, token: &str) -> Value {
    app.get_json_as("/api/v1/cart", token).await
}

#[tokio::test]
async fn the_priced_cart_is_what_checkout_charges_and_the_order_keeps() {
    let app = big_app().await;
    let admin = app.admin("admin@example.com").await;
    let (standard, express) = german_shipping(&app, &admin).await;
    let tea = product(&app, "TEA-1", 450, 10, "reduced").await;
    let pot = product(&app, "POT-1", 2500, 10, "standard").await;
    promotion(
        &app,
        &admin,
        json!({"code": "WELCOME10", "name": "Welcome", "currency": "EUR",
        "benefit": {"kind": "percent_off", "percent_bp": 1000, "target": {"scope": "order"}}}),
    )
    .await;
    let (token, address) = shopper(&app, "sam@example.com", &[(&tea, 3), (&pot, 1)]).await;

    let chosen = put_as(
        &app,
        "/api/v1/cart/delivery",
        &token,
        &json!({"address_id": address, "shipping_method_id": standard}),
    )
    .await;
    assert_eq!(chosen.status(), 200);
    let priced = cart(&app, &token).await;
    let pricing = &priced["pricing"];
    let offered: Vec<(&str, i64)> = pricing["shipping_methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["name"].as_str().unwrap(), m["price_minor"].as_i64().unwrap()))
        .collect();
    assert_eq!(offered, [("Express", 1290), ("Standard", 495)]);
    assert_eq!(pricing["shipping_method_id"], standard.as_str());
    assert_eq!(pricing["breakdown"]["total_minor"], 3 * 450 + 2500 + 495, "tax is inside EU-style prices");

    let applied = app.post_as("/api/v1/cart/code", &token, &json!({"code": "welcome10"})).await;
    assert_eq!(applied.status(), 200);
    let priced: Value = applied.json().await.unwrap();
    assert_eq!(priced["code"]["code"], "WELCOME10");
    let breakdown = priced["pricing"]["breakdown"].clone();
    assert_eq!(breakdown["discount_minor"], 385, "10 % of 38.50");
    assert_eq!(breakdown["total_minor"], 3850 - 385 + 495);
    // Tax per line after the discount, half-even: tea 1350-135=1215 at 7 % contains 79.49→79;
    // pot 2500-250=2250 at 19 % contains 359.24→359; shipping 495 at 19 % contains 79.03→79.
    let taxes: Vec<(String, i64, i64)> = breakdown["taxes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["tax_class"].as_str().unwrap().to_owned(),
                t["rate_bp"].as_i64().unwrap(),
                t["tax_minor"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(taxes, [("standard".to_owned(), 1900, 359 + 79), ("reduced".to_owned(), 700, 79)]);
    assert_eq!(breakdown["tax_minor"], 359 + 79 + 79);

    let response = checkout_as(&app, &token, "priced", &address).await;
    assert_eq!(response.status(), 201);
    let order: Value = response.json().await.unwrap();
    assert_eq!(order["pricing"], breakdown, "the order keeps exactly what the cart showed");
    assert_eq!(
        (
            &order["subtotal_minor"],
            &order["discount_minor"],
            &order["shipping_minor"],
            &order["tax_minor"],
            &order["total_minor"]
        ),
        (&json!(3850), &json!(385), &json!(495), &breakdown["tax_minor"], &breakdown["total_minor"])
    );
    assert_eq!(order["shipping_method"]["name"], "Standard");
    let order_id = order["id"].as_str().unwrap();
    let charged: i64 =
        sqlx::query_scalar("SELECT amount_minor FROM payment_intents WHERE order_id = $1::uuid")
            .bind(order_id)
            .fetch_one(&app.ctx.db)
            .await
            .unwrap();
    assert_eq!(charged, breakdown["total_minor"].as_i64().unwrap(), "the payment is for the priced total");
    let placed: Value = sqlx::query_scalar("SELECT data FROM outbox WHERE event_type = 'order.placed'")
        .fetch_one(&app.ctx.db)
        .await
        .unwrap();
    assert_eq!(placed["pricing"], breakdown);
    let redeemed: Value =
        sqlx::query_scalar("SELECT data FROM outbox WHERE event_type = 'promotion.redeemed'")
            .fetch_one(&app.ctx.db)
            .await
            .unwrap();
    assert_eq!((&redeemed["code"], &redeemed["amount_minor"]), (&json!("WELCOME10"), &json!(385)));
    assert_eq!(scalar(&app, "SELECT count(*) FROM promotion_redemptions WHERE released_at IS NULL").await, 1);
    let emptied = cart(&app, &token).await;
    assert!(emptied["code"].is_null(), "the code went with the order");
    assert_eq!(emptied["pricing"], Value::Null, "an empty cart is not priced");

    // Express is dearer; choosing it on the cart changes the total by the difference.
    app.post_as("/api/v1/cart/lines", &token, &json!({"variant_id": tea, "quantity": 1})).await;
    let express_cart: Value = put_as(
        &app,
        "/api/v1/cart/delivery",
        &token,
        &json!({"address_id": address, "shipping_method_id": express}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(express_cart["pricing"]["breakdown"]["total_minor"], 450 + 1290);

    // Cancelling gives the use back.
    let cancelled = app.post_as(&format!("/api/v1/orders/{order_id}/cancel"), &token, &json!({})).await;
    assert_eq!(cancelled.status(), 200);
    assert_eq!(scalar(&app, "SELECT count(*) FROM promotion_redemptions WHERE released_at IS NULL").await, 0);
    assert_eq!(
        scalar(&app, "SELECT count(*) FROM promotion_redemptions WHERE released_at IS NOT NULL").await,
        1
    );
}

/// A category under `parent` (a slug); returns its id.
async fn category(app: &TestApp, admin: &TestUser, slug: &str, parent: Option<&str>) -> String {
    let body = json!({"slug": slug, "name": slug, "parent": parent});
    let created = json_201(app.post_as("/api/v1/categories", &admin.access_token, &body).await).await;
    created["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_code_on_a_category_discounts_its_descendants_products_and_no_others() {
    let app = big_app().await;
    let admin = app.admin("admin@example.com").await;
    let (standard, _) = german_shipping(&app, &admin).await;
    let kitchen = category(&app, &admin, "kitchen", None).await;
    let teaware = category(&app, &admin, "teaware", Some("kitchen")).await;
    let kettles = category(&app, &admin, "kettles", Some("teaware")).await;
    let lineage: Vec<uuid::Uuid> =
        sqlx::query_scalar("SELECT lineage FROM categories WHERE slug = 'kettles'")
            .fetch_one(&app.ctx.db)
            .await
            .unwrap();
    let ids: Vec<String> = lineage.iter().map(ToString::to_string).collect();
    assert_eq!(ids, [kitchen.clone(), teaware, kettles], "the ids from the root down to the category itself");

    let merchant = app.user_with_role("kitchen@merchants.example.com", "merchant").await;
    let in_category = |sku: &str, price: i64, category: Option<&str>| {
        json!({"title": format!("Product {sku}"), "status": "published", "category": category,
            "variants": [{"sku": sku, "price_minor": price, "currency": "EUR", "on_hand": 10}]})
    };
    let mut variants = Vec::new();
    for (sku, price, category) in
        [("KETTLE-1", 1000, Some("kettles")), ("MUG-1", 300, Some("kitchen")), ("BOOK-1", 500, None)]
    {
        let body = in_category(sku, price, category);
        let product = json_201(app.post_as("/api/v1/products", &merchant.access_token, &body).await).await;
        variants.push(product["variants"][0]["id"].as_str().unwrap().to_owned());
    }
    promotion(
        &app,
        &admin,
        json!({"code": "KITCHEN20", "name": "Kitchen", "currency": "EUR",
        "benefit": {"kind": "percent_off", "percent_bp": 2000,
                    "target": {"scope": "categories", "category_ids": [kitchen]}}}),
    )
    .await;
    let lines: Vec<(&str, i32)> = variants.iter().map(|v| (v.as_str(), 1)).collect();
    let (token, address) = shopper(&app, "kim@example.com", &lines).await;
    let delivery = json!({"address_id": address, "shipping_method_id": standard});
    assert_eq!(put_as(&app, "/api/v1/cart/delivery", &token, &delivery).await.status(), 200);
    let applied = app.post_as("/api/v1/cart/code", &token, &json!({"code": "KITCHEN20"})).await;
    assert_eq!(applied.status(), 200);
    let priced: Value = applied.json().await.unwrap();
    let breakdown = priced["pricing"]["breakdown"].clone();
    assert_eq!(
        breakdown["discount_minor"], 260,
        "20 % of the kettle (two levels down) and the mug, not the book"
    );

    let response = checkout_as(&app, &token, "kitchen", &address).await;
    assert_eq!(response.status(), 201);
    let order: Value = response.json().await.unwrap();
    assert_eq!(order["pricing"], breakdown, "checkout prices the categories as the cart did");
    assert_eq!(order["discount_minor"], 260);
}

#[tokio::test]
async fn checkout_needs_a_shipping_method_that_serves_the_address() {
    let app = big_app().await;
    let admin = app.admin("admin@example.com").await;
    let (standard, _) = german_shipping(&app, &admin).await;
    let lamp = product(&app, "LAMP-1", 3000, 10, "standard").await;
    let (token, berlin) = shopper(&app, "sam@example.com", &[(&lamp, 1)]).await;
    let paris = json!({"full_name": "Sam", "line1": "1 Rue", "city": "Paris", "postal_code": "75001", "country": "FR"});
    let paris: Value = app.post_as("/api/v1/users/me/addresses", &token, &paris).await.json().await.unwrap();
    let paris = paris["id"].as_str().unwrap();

    let missing = checkout_as(&app, &token, "no-method", &berlin).await;
    let problem = assert_problem(missing, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "shipping_method_id");

    let to_paris: Value = put_as(
        &app,
        "/api/v1/cart/delivery",
        &token,
        &json!({"address_id": paris, "shipping_method_id": standard}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(to_paris["pricing"]["shipping_methods"], json!([]), "nothing ships to France");
    assert_eq!(to_paris["pricing"]["shipping_method_id"], Value::Null);
    assert_eq!(to_paris["pricing"]["shipping_required"], true);
    assert_eq!(to_paris["pricing"]["breakdown"]["tax_minor"], 0, "no zone, no tax");
    let wrong_zone = app
        .client
        .post(app.url("/api/v1/checkout"))
        .bearer_auth(&token)
        .header("Idempotency-Key", "paris")
        .json(&json!({"address_id": paris, "shipping_method_id": standard}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(wrong_zone, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "shipping_method_id");
    let bad_choice = put_as(
        &app,
        "/api/v1/cart/delivery",
        &token,
        &json!({"address_id": uuid::Uuid::now_v7(), "shipping_method_id": null}),
    )
    .await;
    assert_eq!(
        assert_problem(bad_choice, 422, "validation_failed").await["errors"][0]["field"],
        "address_id"
    );
    assert_eq!(scalar(&app, "SELECT count(*) FROM orders").await, 0, "nothing was placed");
}

#[tokio::test]
async fn codes_are_refused_with_their_reason_naming_the_field() {
    let app = big_app().await;
    let admin = app.admin("admin@example.com").await;
    let cheap = product(&app, "PEN-1", 200, 10, "standard").await;
    let (token, _) = shopper(&app, "sam@example.com", &[(&cheap, 1)]).await;
    let percent = json!({"kind": "percent_off", "percent_bp": 1000, "target": {"scope": "order"}});
    let base = |code: &str| json!({"code": code, "name": code, "currency": "EUR", "benefit": percent});
    let with = |code: &str, extra: Value| {
        let mut body = base(code);
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    promotion(
        &app,
        &admin,
        with("OLD", json!({"starts_at": "2020-01-01T00:00:00Z", "ends_at": "2020-02-01T00:00:00Z"})),
    )
    .await;
    promotion(&app, &admin, with("SOON", json!({"starts_at": "2999-01-01T00:00:00Z"}))).await;
    promotion(&app, &admin, with("BIG", json!({"min_subtotal_minor": 10000}))).await;
    promotion(&app, &admin, with("ONCE", json!({"usage_limit": 1}))).await;
    promotion(&app, &admin, json!({"code": "DOLLARS", "name": "US", "currency": "USD", "benefit": percent}))
        .await;
    sqlx::query("UPDATE promotions SET redemptions = 1 WHERE code = 'ONCE'")
        .execute(&app.ctx.db)
        .await
        .unwrap();

    for (code, problem) in [
        ("NOPE", "code_unknown"),
        ("old", "code_expired"),
        ("SOON", "code_not_started"),
        ("BIG", "minimum_not_met"),
        ("ONCE", "usage_limit_reached"),
        ("DOLLARS", "code_not_applicable"),
    ] {
        let refused = app.post_as("/api/v1/cart/code", &token, &json!({"code": code})).await;
        let body = assert_problem(refused, 422, problem).await;
        assert_eq!(body["errors"][0]["field"], "code", "{code}");
    }
    assert!(cart(&app, &token).await["code"].is_null(), "no refused code sticks to the cart");

    // Admin input the pricing function would refuse never gets stored.
    let too_much = with(
        "HUGE",
        json!({"benefit": {"kind": "percent_off", "percent_bp": 20000, "target": {"scope": "order"}}}),
    );
    let refused = assert_problem(
        app.post_as("/api/v1/promotions", &admin.access_token, &too_much).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(refused["errors"][0]["field"], "benefit.percent_bp");
    let taken = app.post_as("/api/v1/promotions", &admin.access_token, &base("ONCE")).await;
    assert_problem(taken, 409, "promotion_code_taken").await;
    let bands = json!({"name": "Heavy", "countries": ["de"]});
    let refused = assert_problem(
        app.post_as("/api/v1/admin/shipping-zones", &admin.access_token, &bands).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(refused["errors"][0]["field"], "countries[0]");

    // Merchants promote only their own products, and never shipping; shoppers not at all.
    let merchant = app.user_with_role("pens@merchants.example.com", "merchant").await;
    let rival = app.user_with_role("rival@merchants.example.com", "merchant").await;
    let pen_product = product_of(&app, &merchant, "PEN-2", 300, 5, "zero").await["id"].clone();
    let theirs = json!({"name": "Pens", "currency": "EUR",
        "benefit": {"kind": "amount_off", "amount_minor": 50, "target": {"scope": "products", "product_ids": [pen_product]}}});
    json_201(app.post_as("/api/v1/promotions", &merchant.access_token, &theirs).await).await;
    let refused = assert_problem(
        app.post_as("/api/v1/promotions", &rival.access_token, &theirs).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(refused["errors"][0]["field"], "benefit.target.product_ids");
    let shipping = json!({"name": "Free", "currency": "EUR", "benefit": {"kind": "free_shipping"}});
    assert_problem(
        app.post_as("/api/v1/promotions", &merchant.access_token, &shipping).await,
        422,
        "validation_failed",
    )
    .await;
    let rivals: Value = app.get_json_as("/api/v1/promotions", &rival.access_token).await;
    assert_eq!(rivals, json!([]), "merchants see only their own promotions");
    assert_problem(app.post_as("/api/v1/promotions", &token, &base("MINE")).await, 403, "forbidden").await;
}

/// Registers `count` shoppers, each with `variant` in the cart and `code` applied.
async fn shoppers_with_code(app: &TestApp, count: usize, variant: &str, code: &str) -> Vec<(String, String)> {
    let mut shoppers = Vec::new();
    for i in 0..count {
        let (token, address) = shopper(app, &format!("rush{i}@example.com"), &[(variant, 1)]).await;
        let applied = app.post_as("/api/v1/cart/code", &token, &json!({"code": code})).await;
        assert_eq!(applied.status(), 200);
        shoppers.push((token, address));
    }
    shoppers
}

#[tokio::test]
async fn a_code_with_ten_uses_is_redeemed_exactly_ten_times_by_a_hundred_concurrent_checkouts() {
    let app = big_app().await;
    let admin = app.admin("admin@example.com").await;
    let mug = product(&app, "MUG-1", 1000, 1000, "standard").await;
    let ten = json!({"code": "TEN", "name": "Ten", "currency": "EUR", "usage_limit": 10,
        "benefit": {"kind": "amount_off", "amount_minor": 300, "target": {"scope": "order"}}});
    let created = promotion(&app, &admin, ten.clone()).await;
    let shoppers = shoppers_with_code(&app, 100, &mug, "TEN").await;

    let attempts = shoppers.iter().map(|(token, address)| checkout_as(&app, token, "rush", address));
    let responses = futures_util::future::join_all(attempts).await;
    let placed = responses.iter().filter(|r| r.status() == 201).count();
    assert_eq!(placed, 10, "exactly the code's ten uses were placed");
    let mut winner = None;
    for (response, shopper) in responses.into_iter().zip(&shoppers) {
        if response.status() == 201 {
            let order: Value = response.json().await.unwrap();
            winner = Some((shopper.0.clone(), order["id"].as_str().unwrap().to_owned()));
            continue;
        }
        let body = assert_problem(response, 422, "usage_limit_reached").await;
        assert_eq!(body["errors"][0]["field"], "code");
    }
    assert_eq!(scalar(&app, "SELECT redemptions::bigint FROM promotions").await, 10);
    assert_eq!(scalar(&app, "SELECT count(*) FROM promotion_redemptions").await, 10);
    assert_eq!(
        scalar(&app, "SELECT count(*) FROM orders WHERE discount_minor = 300 AND total_minor = 700").await,
        10
    );
    assert_eq!(scalar(&app, "SELECT count(*) FROM outbox WHERE event_type = 'promotion.redeemed'").await, 10);
    assert_eq!(
        scalar(&app, "SELECT reserved::bigint FROM variants WHERE sku = 'MUG-1'").await,
        10,
        "refused checkouts reserved nothing"
    );

    // A limit below the uses orders hold is refused, naming the field.
    let mut lowered = ten.clone();
    lowered["usage_limit"] = json!(5);
    let path = format!("/api/v1/promotions/{}", created["id"].as_str().unwrap());
    let refused = put_as(&app, &path, &admin.access_token, &lowered).await;
    let body = assert_problem(refused, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "usage_limit", "{body}");
    let listed: Value = app.get_json_as("/api/v1/promotions", &admin.access_token).await;
    assert_eq!(listed[0]["redemptions"], 10, "admins see the uses counted");

    // A cancelled order gives its use back, and the next shopper gets it.
    let (token, order) = winner.expect("a placed order");
    let cancelled = app.post_as(&format!("/api/v1/orders/{order}/cancel"), &token, &json!({})).await;
    assert_eq!(cancelled.status(), 200);
    assert_eq!(scalar(&app, "SELECT redemptions::bigint FROM promotions").await, 9);
    let (late_token, late_address) = shopper(&app, "late@example.com", &[(&mug, 1)]).await;
    let applied = app.post_as("/api/v1/cart/code", &late_token, &json!({"code": "TEN"})).await;
    assert_eq!(applied.status(), 200, "the use given back makes the code valid again");
    let late = checkout_as(&app, &late_token, "late", &late_address).await;
    assert_eq!(late.status(), 201);
    assert_eq!(scalar(&app, "SELECT redemptions::bigint FROM promotions").await, 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_customers_parallel_checkouts_redeem_a_once_per_customer_code_once() {
    let app = big_app().await;
    let admin = app.admin("admin@example.com").await;
    let mug = product(&app, "MUG-2", 1000, 1000, "standard").await;
    promotion(
        &app,
        &admin,
        json!({"code": "FIRST", "name": "First order", "currency": "EUR", "per_customer_limit": 1,
        "benefit": {"kind": "percent_off", "percent_bp": 2000, "target": {"scope": "order"}}}),
    )
    .await;
    let (token, address) = shopper(&app, "eager@example.com", &[]).await;

    // Twenty attempts at once, each filling the one cart, applying the code and checking out.
    let attempt = |n: usize| {
        let (app, token, address, mug) = (&app, token.clone(), address.clone(), mug.clone());
        async move {
            app.post_as("/api/v1/cart/lines", &token, &json!({"variant_id": mug, "quantity": 1})).await;
            app.post_as("/api/v1/cart/code", &token, &json!({"code": "FIRST"})).await;
            checkout_as(app, &token, &format!("attempt-{n}"), &address).await.status().as_u16()
        }
    };
    let statuses = futures_util::future::join_all((0..20).map(attempt)).await;
    assert!(statuses.iter().all(|s| [201, 409, 422].contains(s)), "{statuses:?}");
    assert_eq!(scalar(&app, "SELECT count(*) FROM promotion_redemptions").await, 1, "{statuses:?}");
    assert_eq!(scalar(&app, "SELECT count(*) FROM orders WHERE discount_minor > 0").await, 1);
    assert_eq!(
        scalar(
            &app,
            "SELECT count(*) FROM orders WHERE discount_minor = 0 AND total_minor <> subtotal_minor"
        )
        .await,
        0,
        "every other order is at full price"
    );
}
