//! Search on Postgres full text: words, prefixes, typos, SKUs (exact first), attribute and
//! description matches, filters, facets, safe highlights, freshness after writes, and
//! problems for bad input.

mod common;

use common::{assert_problem, spawn_app, TestApp, TestUser};
use serde_json::{json, Value};

async fn shop(app: &TestApp) -> TestUser {
    let admin = app.admin("admin@example.com").await;
    for (slug, parent) in [("electronics", None), ("headphones", Some("electronics")), ("clothing", None)] {
        let response = app
            .post_as(
                "/api/v1/categories",
                &admin.access_token,
                &json!({"slug": slug, "name": slug, "parent": parent}),
            )
            .await;
        assert_eq!(response.status(), 201);
    }
    let seller = app.user_with_role("seller@example.com", "merchant").await;
    let products = [
        (
            "Acme Wireless Headphones",
            "headphones",
            "HP-ACME-100",
            9900,
            "Acme",
            "plastic",
            "Closed-back <b>studio</b> sound.",
        ),
        (
            "Lumen Noise Cancelling Headphones",
            "headphones",
            "HP-LUM-200",
            24900,
            "Lumen",
            "aluminium",
            "Quiet flights.",
        ),
        ("Fjord Merino Socks", "clothing", "SOCK-FJ-1", 1500, "Fjord", "merino", "Warm feet on long hikes."),
        (
            "Atlas Rain Jacket",
            "clothing",
            "JKT-AT-9",
            12900,
            "Atlas",
            "nylon",
            "Keeps out the rain; pairs with wireless headphones.",
        ),
    ];
    for (title, category, sku, price, brand, material, description) in products {
        let body = json!({"title": title, "status": "published", "category": category, "description": description,
            "attributes": {"brand": brand, "material": material},
            "variants": [{"sku": sku, "price_minor": price, "currency": "EUR", "on_hand": 3}]});
        assert_eq!(app.post_as("/api/v1/products", &seller.access_token, &body).await.status(), 201);
    }
    let draft = json!({"title": "Secret Prototype Headphones", "variants": [{"sku": "HP-SECRET", "price_minor": 1, "currency": "EUR"}]});
    assert_eq!(app.post_as("/api/v1/products", &seller.access_token, &draft).await.status(), 201);
    seller
}

async fn search(app: &TestApp, query: &str) -> Value {
    let response = app.client.get(app.url(&format!("/api/v1/search?{query}"))).send().await.unwrap();
    assert_eq!(response.status(), 200, "{query}");
    response.json().await.unwrap()
}

fn titles(results: &Value) -> Vec<String> {
    results["items"].as_array().unwrap().iter().map(|p| p["title"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn words_prefixes_typos_and_skus_match() {
    let app = spawn_app().await;
    shop(&app).await;

    let words = search(&app, "q=headphones").await;
    assert_eq!(words["total"], 3, "two headphones and a jacket that mentions them; never the draft: {words}");
    assert_eq!(&titles(&words)[2], "Atlas Rain Jacket", "a title match outranks a description match");
    assert_eq!(search(&app, "q=headph").await["total"], 3, "the last word is a prefix");
    let typo = search(&app, "q=hedphones").await;
    assert!(titles(&typo).iter().any(|t| t.contains("Headphones")), "typos in titles are tolerated: {typo}");
    assert_eq!(titles(&search(&app, "q=merino").await), ["Fjord Merino Socks"]);
    assert_eq!(
        titles(&search(&app, "q=aluminium").await),
        ["Lumen Noise Cancelling Headphones"],
        "attribute values are searched"
    );

    let exact = search(&app, "q=HP-LUM-200").await;
    assert_eq!(titles(&exact)[0], "Lumen Noise Cancelling Headphones", "an exact SKU ranks first");
    let partial = search(&app, "q=ACME-1").await;
    assert_eq!(titles(&partial)[0], "Acme Wireless Headphones", "partial SKUs match");
}

#[tokio::test]
async fn filters_facets_and_highlights() {
    let app = spawn_app().await;
    shop(&app).await;

    let filtered = search(&app, "q=headphones&category=clothing").await;
    assert_eq!(titles(&filtered), ["Atlas Rain Jacket"]);
    let cheap = search(&app, "q=headphones&max_price_minor=10000").await;
    assert_eq!(titles(&cheap), ["Acme Wireless Headphones"]);
    let branded = search(&app, "q=headphones&attr.brand=Lumen").await;
    assert_eq!(branded["total"], 1);

    let all = search(&app, "q=headphones").await;
    let facets = &all["facets"];
    assert_eq!(
        facets["categories"],
        json!([{"category": "electronics", "count": 2}, {"category": "clothing", "count": 1}])
    );
    assert_eq!(facets["attributes"]["brand"], json!({"Acme": 1, "Lumen": 1, "Atlas": 1}));
    let prices: Vec<(i64, i64)> = facets["prices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["min"].as_i64().unwrap(), b["count"].as_i64().unwrap()))
        .collect();
    assert_eq!(prices, [(5000, 1), (10000, 2)], "9.90, 129.00 and 249.00 EUR in their buckets");
    assert_eq!(facets["merchants"].as_array().unwrap()[0]["count"], 3);

    let acme =
        all["items"].as_array().unwrap().iter().find(|p| p["title"] == "Acme Wireless Headphones").unwrap();
    assert_eq!(acme["highlights"]["title"], "Acme Wireless <mark>Headphones</mark>");
    let jacket = search(&app, "q=studio").await;
    let description = jacket["items"][0]["highlights"]["description"].as_str().unwrap();
    assert!(description.contains("<mark>studio</mark>"), "{description}");
    assert!(!description.contains("<b>"), "product HTML never reaches the highlight: {description}");
}

#[tokio::test]
async fn results_follow_writes_at_once() {
    let app = spawn_app().await;
    let seller = shop(&app).await;
    assert_eq!(search(&app, "q=parka").await["total"], 0);
    let jacket = search(&app, "q=JKT-AT-9").await;
    let id = jacket["items"][0]["id"].as_str().unwrap();
    let renamed = app
        .patch_as(
            &format!("/api/v1/products/{id}"),
            &seller.access_token,
            &json!({"title": "Atlas Rain Parka"}),
        )
        .await;
    assert_eq!(renamed.status(), 200);
    assert_eq!(titles(&search(&app, "q=parka").await), ["Atlas Rain Parka"]);
}

#[tokio::test]
async fn bad_search_input_is_a_problem_naming_the_parameter() {
    let app = spawn_app().await;
    for (query, field) in [
        ("", "q"),
        ("q=", "q"),
        ("q=!!!", "q"),
        (&format!("q={}", "a".repeat(201)) as &str, "q"),
        ("q=socks&page=0", "page"),
        ("q=socks&page=51", "page"),
        ("q=socks&sort=title", "sort"),
        ("q=socks&limit=500", "limit"),
        ("q=socks&attr.flavour=x", "attr.flavour"),
    ] {
        let response = app.client.get(app.url(&format!("/api/v1/search?{query}"))).send().await.unwrap();
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
    }
}
