//! Shop data for tests. Users are inserted directly (no password to hash: tests that
//! sign in register through the API); products are created by the catalog's own code,
//! so they are what a merchant would have made.

use shopfleet_commerce::catalog::products::{self, NewProduct, Product};
use shopfleet_domain::{Caller, Role};
use sqlx::PgPool;
use uuid::Uuid;

/// Inserts a user with `role` that cannot sign in, and returns them as a caller.
pub async fn user(db: &PgPool, email: &str, display_name: &str, role: Role) -> Caller {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO users (id, email, password_hash, role, display_name) VALUES ($1, $2, 'x', $3, $4)",
    )
    .bind(id)
    .bind(email)
    .bind(role)
    .bind(display_name)
    .execute(db)
    .await
    .unwrap();
    Caller { user_id: id, role }
}

/// A merchant with a unique e-mail address.
pub async fn merchant(db: &PgPool) -> Caller {
    let email = format!("merchant-{}@example.com", Uuid::now_v7().simple());
    user(db, &email, "Merchant", Role::Merchant).await
}

/// A published product of `merchant` with one variant `sku` (15.00 EUR, two in stock).
pub async fn product(db: &PgPool, merchant: &Caller, title: &str, sku: &str) -> Product {
    let input: NewProduct = serde_json::from_value(serde_json::json!({
        "title": title, "status": "published", "attributes": {"brand": "Fjord"},
        "variants": [{"sku": sku, "price_minor": 1500, "currency": "EUR", "on_hand": 2}]
    }))
    .unwrap();
    products::create(db, merchant.user_id, &input).await.unwrap()
}
