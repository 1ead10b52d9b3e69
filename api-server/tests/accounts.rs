//! Accounts against real Postgres and Redis: registration, the OAuth2 grants, refresh
//! rotation and reuse detection, logout, deactivation, roles, throttling, profile,
//! password change, addresses, admin listing and the create-admin command.

mod common;

use common::{assert_problem, spawn_app, spawn_app_with, TestApp, PASSWORD};
use serde_json::{json, Value};

async fn register(app: &TestApp, body: Value) -> reqwest::Response {
    app.client.post(app.url("/api/v1/auth/register")).json(&body).send().await.unwrap()
}

#[tokio::test]
async fn register_normalises_email_and_refuses_duplicates_and_weak_passwords() {
    let app = spawn_app().await;
    let response =
        register(&app, json!({"email": " Ada@Example.COM ", "password": PASSWORD, "display_name": "Ada"}))
            .await;
    assert_eq!(response.status(), 201);
    let user: Value = response.json().await.unwrap();
    assert_eq!((user["email"].as_str(), user["role"].as_str()), (Some("ada@example.com"), Some("user")));
    assert!(user.get("password_hash").is_none());
    let stored: String =
        sqlx::query_scalar("SELECT password_hash FROM users").fetch_one(&app.ctx.db).await.unwrap();
    assert!(stored.starts_with("$argon2id$"), "{stored}");

    let duplicate = register(&app, json!({"email": "ADA@example.com", "password": PASSWORD})).await;
    assert_problem(duplicate, 409, "email_taken").await;

    for (password, rule) in
        [("short", "at least 12"), ("qwerty123456", "too common"), ("Password2024!", "too common")]
    {
        let weak = register(&app, json!({"email": "bob@example.com", "password": password})).await;
        let body = assert_problem(weak, 422, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "password");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains(rule), "{body}");
    }
    let bad_email = register(&app, json!({"email": "not-an-email", "password": PASSWORD})).await;
    let body = assert_problem(bad_email, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "email");
}

#[tokio::test]
async fn password_grant_form_and_json_and_uniform_failures() {
    let app = spawn_app().await;
    let user = app.register_and_login("carol@example.com").await;
    assert_eq!(user.access_token.split('.').count(), 3);

    let json_login = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({"grant_type": "password", "username": "CAROL@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_login.headers()["cache-control"], "no-store");
    let tokens: Value = json_login.json().await.unwrap();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 900);

    let wrong_password = app
        .token_request(&[
            ("grant_type", "password"),
            ("username", "carol@example.com"),
            ("password", "not the password!"),
        ])
        .await;
    let unknown = app
        .token_request(&[
            ("grant_type", "password"),
            ("username", "nobody@example.com"),
            ("password", "not the password!"),
        ])
        .await;
    assert_eq!(
        (wrong_password.status(), unknown.status()),
        (reqwest::StatusCode::BAD_REQUEST, reqwest::StatusCode::BAD_REQUEST)
    );
    let (a, b): (Value, Value) = (wrong_password.json().await.unwrap(), unknown.json().await.unwrap());
    assert_eq!(a, b, "unknown e-mail and wrong password are indistinguishable");
    assert_eq!(a["error"], "invalid_grant");

    let unsupported = app.token_request(&[("grant_type", "client_credentials")]).await;
    assert_eq!(unsupported.json::<Value>().await.unwrap()["error"], "unsupported_grant_type");
    let missing = app.token_request(&[("grant_type", "password"), ("username", "carol@example.com")]).await;
    assert_eq!(missing.json::<Value>().await.unwrap()["error"], "invalid_request");
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_whole_family() {
    let app = spawn_app().await;
    let user = app.register_and_login("dave@example.com").await;

    let first =
        app.token_request(&[("grant_type", "refresh_token"), ("refresh_token", &user.refresh_token)]).await;
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.unwrap();
    let rotated_refresh = first["refresh_token"].as_str().unwrap();
    assert_ne!(rotated_refresh, user.refresh_token);
    let new_access = first["access_token"].as_str().unwrap();
    assert_eq!(app.get_as("/api/v1/users/me", new_access).send().await.unwrap().status(), 200);

    // The old refresh token is presented again: reuse. The whole family dies.
    let reuse =
        app.token_request(&[("grant_type", "refresh_token"), ("refresh_token", &user.refresh_token)]).await;
    assert_eq!(reuse.json::<Value>().await.unwrap()["error"], "invalid_grant");
    let after =
        app.token_request(&[("grant_type", "refresh_token"), ("refresh_token", rotated_refresh)]).await;
    assert_eq!(
        after.json::<Value>().await.unwrap()["error"],
        "invalid_grant",
        "the rotated token is revoked too"
    );
    let me = app.get_as("/api/v1/users/me", new_access).send().await.unwrap();
    assert_problem(me, 401, "unauthorized").await;

    // An access token is not a refresh token.
    let user2 = app.register_and_login("erin@example.com").await;
    let wrong_kind =
        app.token_request(&[("grant_type", "refresh_token"), ("refresh_token", &user2.access_token)]).await;
    assert_eq!(wrong_kind.json::<Value>().await.unwrap()["error"], "invalid_grant");
}

#[tokio::test]
async fn logout_and_logout_all_revoke_at_once() {
    let app = spawn_app().await;
    let user = app.register_and_login("frank@example.com").await;
    let second = app.login("frank@example.com", PASSWORD).await;
    let third = app.login("frank@example.com", PASSWORD).await;

    let logout =
        app.client.post(app.url("/api/v1/auth/logout")).bearer_auth(&user.access_token).send().await.unwrap();
    assert_eq!(logout.status(), 204);
    assert_eq!(app.get_as("/api/v1/users/me", &user.access_token).send().await.unwrap().status(), 401);
    let refresh =
        app.token_request(&[("grant_type", "refresh_token"), ("refresh_token", &user.refresh_token)]).await;
    assert_eq!(refresh.status(), 400);
    let second_access = second["access_token"].as_str().unwrap();
    assert_eq!(
        app.get_as("/api/v1/users/me", second_access).send().await.unwrap().status(),
        200,
        "other sessions live on"
    );

    let all =
        app.client.post(app.url("/api/v1/auth/logout-all")).bearer_auth(second_access).send().await.unwrap();
    assert_eq!(all.status(), 204);
    for tokens in [&second, &third] {
        let access = tokens["access_token"].as_str().unwrap();
        assert_eq!(app.get_as("/api/v1/users/me", access).send().await.unwrap().status(), 401);
        let refresh = tokens["refresh_token"].as_str().unwrap();
        let response =
            app.token_request(&[("grant_type", "refresh_token"), ("refresh_token", refresh)]).await;
        assert_eq!(response.status(), 400);
    }
}

#[tokio::test]
async fn deactivation_revokes_sessions_and_role_changes_apply_at_once() {
    let app = spawn_app().await;
    let admin = app.admin("root@example.com").await;
    let user = app.register_and_login("gina@example.com").await;
    let admin_post = |path: String| app.client.post(app.url(&path)).bearer_auth(&admin.access_token).send();

    let response = admin_post(format!("/api/v1/admin/users/{}/deactivate", user.id)).await.unwrap();
    assert_eq!(response.json::<Value>().await.unwrap()["is_active"], false);
    assert_eq!(app.get_as("/api/v1/users/me", &user.access_token).send().await.unwrap().status(), 401);
    let login = app
        .token_request(&[
            ("grant_type", "password"),
            ("username", "gina@example.com"),
            ("password", PASSWORD),
        ])
        .await;
    assert_eq!(login.status(), 400, "deactivated users cannot log in");

    admin_post(format!("/api/v1/admin/users/{}/reactivate", user.id)).await.unwrap();
    let tokens = app.login("gina@example.com", PASSWORD).await;
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.get_as("/api/v1/admin/users", &access).send().await.unwrap().status(), 403);

    let promoted = app
        .client
        .put(app.url(&format!("/api/v1/admin/users/{}/role", user.id)))
        .bearer_auth(&admin.access_token)
        .json(&json!({"role": "admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(promoted.json::<Value>().await.unwrap()["role"], "admin");
    assert_eq!(
        app.get_as("/api/v1/users/me", &access).send().await.unwrap().status(),
        401,
        "old role's token is revoked"
    );
    let tokens = app.login("gina@example.com", PASSWORD).await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(
        app.get_as("/api/v1/admin/users", access).send().await.unwrap().status(),
        200,
        "new role applies"
    );

    let bad_role = app
        .client
        .put(app.url(&format!("/api/v1/admin/users/{}/role", user.id)))
        .bearer_auth(&admin.access_token)
        .json(&json!({"role": "superuser"}))
        .send()
        .await
        .unwrap();
    let body = assert_problem(bad_role, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "role");

    // An admin cannot demote (or deactivate) themselves, so a slip never locks the shop out.
    let own = |path: String| app.client.put(app.url(&path)).bearer_auth(&admin.access_token);
    let demoted = own(format!("/api/v1/admin/users/{}/role", admin.id))
        .json(&json!({"role": "user"}))
        .send()
        .await
        .unwrap();
    assert_problem(demoted, 409, "cannot_change_own_role").await;
    let deactivated = admin_post(format!("/api/v1/admin/users/{}/deactivate", admin.id)).await.unwrap();
    assert_problem(deactivated, 409, "cannot_deactivate_self").await;
    assert_eq!(app.get_as("/api/v1/admin/users", &admin.access_token).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn login_is_throttled_per_account_and_per_ip() {
    let app =
        spawn_app_with(&["--login-max-failures-per-account=3", "--login-max-attempts-per-ip=8"], |r| r).await;
    app.register_and_login("hank@example.com").await; // 1 attempt from this IP
    for _ in 0..3 {
        let r = app
            .token_request(&[
                ("grant_type", "password"),
                ("username", "hank@example.com"),
                ("password", "wrong password!!"),
            ])
            .await;
        assert_eq!(r.status(), 400);
    }
    let throttled = app
        .token_request(&[
            ("grant_type", "password"),
            ("username", "hank@example.com"),
            ("password", PASSWORD),
        ])
        .await;
    let retry_after: u64 = throttled.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    assert_problem(throttled, 429, "too_many_requests").await;

    // Other accounts from the same IP still work until the IP limit (8 attempts).
    let ok = app
        .token_request(&[
            ("grant_type", "password"),
            ("username", "other@example.com"),
            ("password", "wrong password!!"),
        ])
        .await;
    assert_eq!(ok.status(), 400);
    let mut last = 0;
    for _ in 0..4 {
        last = app
            .token_request(&[("grant_type", "password"), ("username", "x@example.com"), ("password", "p")])
            .await
            .status()
            .as_u16();
    }
    assert_eq!(last, 429, "IP limit reached");
}

#[tokio::test]
async fn profile_password_change_and_addresses() {
    let app = spawn_app().await;
    let user = app.register_and_login("ivy@example.com").await;
    let other_session = app.login("ivy@example.com", PASSWORD).await;

    let patched = app
        .client
        .patch(app.url("/api/v1/users/me"))
        .bearer_auth(&user.access_token)
        .json(&json!({"display_name": "Ivy"}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.json::<Value>().await.unwrap()["display_name"], "Ivy");

    let change = |current: &str, new: &str| {
        app.client
            .post(app.url("/api/v1/users/me/password"))
            .bearer_auth(&user.access_token)
            .json(&json!({"current_password": current, "new_password": new}))
            .send()
    };
    let wrong = change("not my password!", "a brand new passphrase").await.unwrap();
    let body = assert_problem(wrong, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "current_password");
    assert_eq!(change(PASSWORD, "a brand new passphrase").await.unwrap().status(), 204);
    let other_access = other_session["access_token"].as_str().unwrap();
    assert_eq!(
        app.get_as("/api/v1/users/me", other_access).send().await.unwrap().status(),
        401,
        "other sessions revoked"
    );
    assert_eq!(
        app.get_as("/api/v1/users/me", &user.access_token).send().await.unwrap().status(),
        200,
        "this one kept"
    );
    app.login("ivy@example.com", "a brand new passphrase").await;

    let address = json!({"full_name": "Ivy Example", "line1": "1 Main St", "city": "Berlin", "postal_code": "10115", "country": "DE", "is_default": true});
    let created = app
        .client
        .post(app.url("/api/v1/users/me/addresses"))
        .bearer_auth(&user.access_token)
        .json(&address)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let first: Value = created.json().await.unwrap();
    let mut second = address.clone();
    second["city"] = json!("Hamburg");
    let second: Value = app
        .client
        .post(app.url("/api/v1/users/me/addresses"))
        .bearer_auth(&user.access_token)
        .json(&second)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list: Vec<Value> = app
        .get_as("/api/v1/users/me/addresses", &user.access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.len(), 2);
    let defaults: Vec<&Value> = list.iter().filter(|a| a["is_default"] == true).collect();
    assert_eq!((defaults.len(), &defaults[0]["id"]), (1, &second["id"]), "one default, the newest");

    let mut bad = address.clone();
    bad["country"] = json!("Germany");
    let invalid = app
        .client
        .post(app.url("/api/v1/users/me/addresses"))
        .bearer_auth(&user.access_token)
        .json(&bad)
        .send()
        .await
        .unwrap();
    let body = assert_problem(invalid, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "country");

    // Another user cannot touch Ivy's address.
    let mallory = app.register_and_login("mallory@example.com").await;
    let path = format!("/api/v1/users/me/addresses/{}", first["id"].as_str().unwrap());
    let stolen = app.client.delete(app.url(&path)).bearer_auth(&mallory.access_token).send().await.unwrap();
    assert_problem(stolen, 404, "not_found").await;
    assert_eq!(
        app.client.delete(app.url(&path)).bearer_auth(&user.access_token).send().await.unwrap().status(),
        204
    );
}

#[tokio::test]
async fn admins_list_and_search_users_with_cursor_pagination() {
    let app = spawn_app().await;
    let admin = app.admin("admin@example.com").await;
    for i in 0..5 {
        app.register_and_login(&format!("shopper{i}@example.com")).await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = "/api/v1/admin/users?limit=2&q=shopper".to_owned();
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page: Value = app.get_as(&path, &admin.access_token).send().await.unwrap().json().await.unwrap();
        seen.extend(
            page["items"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let expected: Vec<String> = (0..5).rev().map(|i| format!("shopper{i}@example.com")).collect();
    assert_eq!(seen, expected, "newest first, each exactly once");

    let admins: Value = app
        .get_as("/api/v1/admin/users?role=admin", &admin.access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(admins["items"].as_array().unwrap().len(), 1);
    let too_big = app.get_as("/api/v1/admin/users?limit=1000", &admin.access_token).send().await.unwrap();
    assert_eq!(assert_problem(too_big, 422, "validation_failed").await["errors"][0]["field"], "limit");
    let bad_cursor =
        app.get_as("/api/v1/admin/users?cursor=garbage", &admin.access_token).send().await.unwrap();
    assert_eq!(assert_problem(bad_cursor, 422, "validation_failed").await["errors"][0]["field"], "cursor");
}

#[tokio::test]
async fn create_admin_command_creates_an_admin_without_any_default_password() {
    let database_url = common::create_database().await;
    let pool = sqlx::PgPool::connect(&database_url).await.unwrap();
    shopfleet_commerce::db::migrate(&pool).await.unwrap();
    let secret = "0123456789abcdef0123456789abcdef";
    let run = |password: Option<&str>| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_shopfleet-api"));
        cmd.env_clear()
            .args(["create-admin", "--email", "Boss@Example.com"])
            .env("DATABASE_URL", &database_url)
            .env("REDIS_URL", common::redis_url())
            .env("JWT_SECRET", secret)
            .env("PAYMENTS_WEBHOOK_SECRETS", "whsec_0123456789abcdef0123456789abcdef")
            .stdin(std::process::Stdio::null());
        if let Some(password) = password {
            cmd.env("ADMIN_PASSWORD", password);
        }
        cmd.output().unwrap()
    };
    let no_password = run(None);
    assert!(!no_password.status.success(), "an empty password is refused");
    assert!(String::from_utf8_lossy(&no_password.stderr).contains("password"));
    let created = run(Some("a long admin passphrase"));
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let role: String = sqlx::query_scalar("SELECT role FROM users WHERE email = 'boss@example.com'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(role, "admin");
}

#[tokio::test]
async fn concurrent_registrations_and_refreshes_race_safely() {
    let app = spawn_app().await;
    let attempts = (0..20).map(|i| {
        let email = if i % 2 == 0 { "race@example.com" } else { "RACE@example.com" };
        register(&app, json!({"email": email, "password": PASSWORD}))
    });
    let statuses: Vec<u16> =
        futures_util::future::join_all(attempts).await.into_iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 19, "{statuses:?}");

    let tokens = app.login("race@example.com", PASSWORD).await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh)];
    let refreshes = (0..20).map(|_| app.token_request(&form));
    let results = futures_util::future::join_all(refreshes).await;
    let winners: Vec<Value> = futures_util::future::join_all(
        results.into_iter().filter(|r| r.status() == 200).map(|r| r.json::<Value>()),
    )
    .await
    .into_iter()
    .map(Result::unwrap)
    .collect();
    assert_eq!(winners.len(), 1, "one refresh token is exchanged once");
    let rows: i64 =
        sqlx::query_scalar("SELECT count(*) FROM refresh_tokens").fetch_one(&app.ctx.db).await.unwrap();
    assert_eq!(rows, 2, "exactly one rotation was recorded");
}
