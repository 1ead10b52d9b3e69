//! The OpenAPI document is generated from the code, served at /openapi.json and
//! snapshotted in `api-server/openapi.json` so API changes show up in review.
//! `make test` also validates that file against the OpenAPI 3.1 schema.
//! Regenerate with `UPDATE_OPENAPI=1 cargo nextest run -p shopfleet-api openapi`.

mod common;

#[tokio::test]
async fn served_document_matches_the_committed_snapshot() {
    let app = common::spawn_app().await;
    let served: serde_json::Value =
        app.client.get(app.url("/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(served["openapi"], "3.1.0");
    assert_eq!(served, serde_json::to_value(shopfleet_api::http::openapi()).unwrap());

    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    let rendered = serde_json::to_string_pretty(&served).unwrap() + "\n";
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &rendered).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == rendered,
        "api-server/openapi.json is stale: run UPDATE_OPENAPI=1 cargo nextest run -p shopfleet-api openapi and commit it"
    );
}
