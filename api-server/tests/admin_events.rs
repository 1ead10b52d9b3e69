//! The admin view of the event backbone: lag, failures, dead letters and replay requests.

mod common;

use common::{assert_problem, spawn_app};
use serde_json::json;

#[tokio::test]
async fn admins_see_lag_failures_and_dead_letters_and_request_replays() {
    let app = spawn_app().await;
    let admin = app.admin("ops@example.com").await;
    let db = &app.ctx.db;
    let event_id = uuid::Uuid::now_v7();
    sqlx::query(
        "INSERT INTO consumer_lag (consumer, topic, partition, lag) VALUES ('outbox', 'outbox', 0, 7)",
    )
    .execute(db)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO handler_failures (handler, event_id, event_type, attempt, error)
         VALUES ('email', $1, 'user.registered', 1, 'smtp down')",
    )
    .bind(event_id)
    .execute(db)
    .await
    .unwrap();
    let letter = uuid::Uuid::now_v7();
    sqlx::query(
        "INSERT INTO dead_letters (id, handler, event_id, event, error, attempts) VALUES ($1, 'email', $2, $3, 'boom', 5)",
    )
    .bind(letter)
    .bind(event_id)
    .bind(json!({"id": event_id, "type": "user.registered"}))
    .execute(db)
    .await
    .unwrap();

    let get = |path: &'static str| app.client.get(app.url(path)).bearer_auth(&admin.access_token).send();
    let lag: serde_json::Value = get("/api/v1/admin/events/lag").await.unwrap().json().await.unwrap();
    assert_eq!(lag[0]["lag"], 7, "{lag}");
    let failures: serde_json::Value =
        get("/api/v1/admin/events/failures").await.unwrap().json().await.unwrap();
    assert_eq!(failures[0]["error"], "smtp down", "{failures}");
    let letters: serde_json::Value =
        get("/api/v1/admin/events/dead-letters").await.unwrap().json().await.unwrap();
    assert_eq!(letters.as_array().unwrap().len(), 1);
    assert_eq!(letters[0]["event"]["type"], "user.registered");

    let replay = format!("/api/v1/admin/events/dead-letters/{letter}/replay");
    let response = app.post_as(&replay, &admin.access_token, &json!({})).await;
    assert_eq!(response.status(), 202);
    let requested: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT replay_requested_at FROM dead_letters WHERE id = $1")
            .bind(letter)
            .fetch_one(db)
            .await
            .unwrap();
    assert!(requested.is_some(), "the replay request is recorded for the workers");

    sqlx::query("UPDATE dead_letters SET replayed_at = now()").execute(db).await.unwrap();
    assert_problem(app.post_as(&replay, &admin.access_token, &json!({})).await, 409, "already_replayed")
        .await;
    let pending: serde_json::Value =
        get("/api/v1/admin/events/dead-letters").await.unwrap().json().await.unwrap();
    assert_eq!(pending.as_array().unwrap().len(), 0, "replayed letters are hidden by default");

    let unknown = format!("/api/v1/admin/events/dead-letters/{}/replay", uuid::Uuid::now_v7());
    assert_problem(app.post_as(&unknown, &admin.access_token, &json!({})).await, 404, "not_found").await;
    let too_many = get("/api/v1/admin/events/failures?limit=1000").await.unwrap();
    let problem = assert_problem(too_many, 422, "validation_failed").await;
    assert!(problem.to_string().contains("limit"), "{problem}");
}
