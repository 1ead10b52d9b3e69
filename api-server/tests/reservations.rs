//! Stock reservations against real Postgres: no oversell under heavy concurrency,
//! commit and release, and expiry that runs exactly once across concurrent sweepers.

mod common;

use common::{spawn_app, TestApp};
use serde_json::{json, Value};
use shopfleet_commerce::{
    catalog::reservations::{self, Reservation, ReservationStatus},
    events::Change,
};
use shopfleet_domain::DomainError;
use std::time::Duration;
use uuid::Uuid;

/// Reserves `quantity` units of `variant` for `ttl` in a change of its own, committed.
async fn reserve(
    app: &TestApp,
    variant: Uuid,
    quantity: i32,
    ttl: Duration,
) -> Result<Reservation, DomainError> {
    let mut change = Change::begin(&app.ctx.db).await.unwrap();
    let reserved = reservations::reserve(&mut change, variant, quantity, ttl, None).await;
    change.commit().await.unwrap();
    reserved
}

/// Ends reservation `id` as `outcome` in a change of its own, committed.
async fn finish(app: &TestApp, id: Uuid, outcome: ReservationStatus) -> Result<Reservation, DomainError> {
    let mut change = Change::begin(&app.ctx.db).await.unwrap();
    let finished = reservations::finish(&mut change, id, outcome).await;
    change.commit().await.unwrap();
    finished
}

/// A published product with one variant holding `on_hand` units; returns the variant id.
async fn variant_with_stock(app: &TestApp, on_hand: i32) -> Uuid {
    let email = format!("m-{}@example.com", Uuid::new_v4().simple());
    let token = app.user_with_role(&email, "merchant").await.access_token;
    let body = json!({"title": format!("Limited {}", Uuid::new_v4().simple()), "status": "published",
        "variants": [{"sku": format!("L-{}", Uuid::new_v4().simple()), "price_minor": 5000, "currency": "EUR", "on_hand": on_hand}]});
    let created: Value = app
        .client
        .post(app.url("/api/v1/products"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    created["variants"][0]["id"].as_str().unwrap().parse().unwrap()
}

async fn stock(app: &TestApp, variant: Uuid) -> (i32, i32) {
    sqlx::query_as("SELECT on_hand, reserved FROM variants WHERE id = $1")
        .bind(variant)
        .fetch_one(&app.ctx.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn two_hundred_concurrent_reservations_for_fifty_units_give_exactly_fifty() {
    let app = spawn_app_with_big_pool().await;
    let variant = variant_with_stock(&app, 50).await;
    let attempts = (0..200).map(|_| {
        let db = app.ctx.db.clone();
        tokio::spawn(async move {
            let mut change = Change::begin(&db).await.unwrap();
            let result = reservations::reserve(&mut change, variant, 1, Duration::from_secs(600), None).await;
            change.commit().await.unwrap();
            result
        })
    });
    let results = futures_util::future::join_all(attempts).await;
    let successes = results.iter().filter(|r| r.as_ref().unwrap().is_ok()).count();
    let refused = results
        .iter()
        .filter(|r| {
            matches!(r.as_ref().unwrap(), Err(DomainError::Conflict { code: "insufficient_stock", .. }))
        })
        .count();
    assert_eq!((successes, refused), (50, 150));
    assert_eq!(stock(&app, variant).await, (50, 50), "all 50 reserved, none oversold");
    assert!(!in_stock(&app, variant).await, "a fully reserved product is out of stock in listings");
}

async fn spawn_app_with_big_pool() -> TestApp {
    common::spawn_app_with(&["--database-max-connections=40"], |r| r).await
}

#[tokio::test]
async fn commit_sells_release_returns_and_nothing_finishes_twice() {
    let app = spawn_app().await;
    let variant = variant_with_stock(&app, 10).await;
    let sold = reserve(&app, variant, 3, Duration::from_secs(600)).await.unwrap();
    let returned = reserve(&app, variant, 4, Duration::from_secs(600)).await.unwrap();
    assert_eq!(stock(&app, variant).await, (10, 7));

    finish(&app, sold.id, ReservationStatus::Committed).await.unwrap();
    assert_eq!(stock(&app, variant).await, (7, 4), "committed units leave stock");
    finish(&app, returned.id, ReservationStatus::Released).await.unwrap();
    assert_eq!(stock(&app, variant).await, (7, 0), "released units become available again");

    let again = finish(&app, sold.id, ReservationStatus::Released).await;
    assert!(matches!(again, Err(DomainError::Conflict { code: "reservation_not_active", .. })), "{again:?}");
    assert_eq!(stock(&app, variant).await, (7, 0));
    let too_many = reserve(&app, variant, 8, Duration::from_secs(600)).await;
    assert!(matches!(too_many, Err(DomainError::Conflict { code: "insufficient_stock", .. })));
    let unknown = reserve(&app, Uuid::new_v4(), 1, Duration::from_secs(600)).await;
    assert!(matches!(unknown, Err(DomainError::NotFound("variant"))));
    let zero = reserve(&app, variant, 0, Duration::from_secs(600)).await;
    assert!(matches!(zero, Err(DomainError::Invalid { .. })));
}

async fn in_stock(app: &TestApp, variant: Uuid) -> bool {
    sqlx::query_scalar(
        "SELECT in_stock FROM products p JOIN variants v ON v.product_id = p.id WHERE v.id = $1",
    )
    .bind(variant)
    .fetch_one(&app.ctx.db)
    .await
    .unwrap()
}

/// A product's `in_stock` is recomputed only where availability can cross zero; it still
/// follows every crossing.
#[tokio::test]
async fn in_stock_follows_availability_through_reserve_commit_and_release() {
    let app = spawn_app().await;
    let variant = variant_with_stock(&app, 3).await;
    let ttl = Duration::from_secs(600);
    let first = reserve(&app, variant, 1, ttl).await.unwrap();
    assert!(in_stock(&app, variant).await, "two of three units are still available");
    let rest = reserve(&app, variant, 2, ttl).await.unwrap();
    assert!(!in_stock(&app, variant).await, "every unit is reserved");
    finish(&app, first.id, ReservationStatus::Committed).await.unwrap();
    assert!(!in_stock(&app, variant).await, "selling reserved units changes no availability");
    finish(&app, rest.id, ReservationStatus::Released).await.unwrap();
    assert!(in_stock(&app, variant).await, "released units are for sale again");
    assert_eq!(stock(&app, variant).await, (2, 0));
}

#[tokio::test]
async fn overdue_reservations_expire_once_across_concurrent_sweepers() {
    let app = spawn_app().await;
    let variant = variant_with_stock(&app, 100).await;
    for _ in 0..40 {
        reserve(&app, variant, 2, Duration::from_millis(1)).await.unwrap();
    }
    let live = reserve(&app, variant, 5, Duration::from_secs(600)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;

    let sweepers = (0..4).map(|_| reservations::expire_due(&app.ctx.db, 7));
    let mut expired: usize =
        futures_util::future::join_all(sweepers).await.into_iter().map(Result::unwrap).sum();
    while let n @ 1.. = reservations::expire_due(&app.ctx.db, 7).await.unwrap() {
        expired += n;
    }
    assert_eq!(expired, 40, "each overdue reservation expired exactly once");
    assert_eq!(stock(&app, variant).await, (100, 5), "only the live reservation still holds stock");
    let status: ReservationStatus = sqlx::query_scalar("SELECT status FROM stock_reservations WHERE id = $1")
        .bind(live.id)
        .fetch_one(&app.ctx.db)
        .await
        .unwrap();
    assert_eq!(status, ReservationStatus::Active);
}

#[tokio::test]
async fn the_worker_job_expires_overdue_reservations() {
    let app = spawn_app().await;
    let variant = variant_with_stock(&app, 5).await;
    reserve(&app, variant, 5, Duration::from_millis(200)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let summary = shopfleet_worker::jobs::expire_reservations(app.ctx.workflows.clone()).await.unwrap();
    assert_eq!(summary, "1 reservations expired");
    assert_eq!(stock(&app, variant).await, (5, 0), "the job released the expired reservation's stock");
}
