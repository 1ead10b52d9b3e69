//! Test harness: each test gets its own Postgres database (migrated), its own Redis
//! key prefix and an API server on port 0, talking to the real services.
#![allow(dead_code, unused_imports)] // each test binary uses a different part of the harness

use clap::Parser;
use shopfleet_api::{config::ApiSettings, http, state::ApiContext};
use std::net::SocketAddr;
use tokio::sync::oneshot;

pub mod shop;
pub mod worker;

pub use shopfleet_test_support::{
    database::create_database,
    services::{kafka_brokers, redis_url},
};

/// The payment webhook secret of every test API (tests sign webhooks with it).
pub const WEBHOOK_SECRET: &str = "test-webhook-secret-0123456789abcdef";

#[derive(Parser)]
struct SettingsParser {
    #[command(flatten)]
    settings: ApiSettings,
}

/// Settings as the binary would parse them from these flags (on top of the defaults).
pub fn settings(database_url: &str, extra: &[&str]) -> ApiSettings {
    let prefix = format!("test:{}", uuid::Uuid::new_v4().simple());
    let defaults = [
        format!("--database-url={database_url}"),
        format!("--redis-url={}", redis_url()),
        format!("--redis-key-prefix={prefix}"),
        "--database-max-connections=10".to_owned(),
        format!("--jwt-secret={}", uuid::Uuid::new_v4().simple().to_string().repeat(2)),
        format!("--payments-webhook-secrets={WEBHOOK_SECRET}"),
        // A low argon2 cost keeps tests fast; the benchmark uses the OWASP default.
        "--argon2-memory-kib=1024".to_owned(),
        "--argon2-iterations=1".to_owned(),
        // Each app owns its embedded vector index, as each API process does.
        format!(
            "--data-dir={}",
            std::env::temp_dir().join(format!("sf-{}", prefix.replace(':', "-"))).display()
        ),
    ];
    let overridden = |flag: &str| extra.iter().any(|e| e.split('=').next() == flag.split('=').next());
    let mut args = vec!["shopfleet-api".to_owned()];
    args.extend(defaults.into_iter().filter(|d| !overridden(d)));
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    SettingsParser::try_parse_from(args).expect("test settings parse").settings
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub ctx: ApiContext,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Sends the shutdown signal and waits for the server to stop.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        let _ = self.shutdown.take().expect("running").send(());
        self.server.take().expect("running").await?
    }
}

/// A migrated database plus an API on port 0 with default settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[], |router| router).await
}

/// Like [`spawn_app`], with extra flags and extra routes (added inside the middleware).
pub async fn spawn_app_with(
    extra_flags: &[&str],
    extra_routes: impl FnOnce(axum::Router) -> axum::Router,
) -> TestApp {
    let database_url = create_database().await;
    let settings = settings(&database_url, extra_flags);
    let ctx = ApiContext::new(settings).expect("context");
    shopfleet_commerce::db::migrate(&ctx.db).await.expect("migrations apply");
    start(ctx, extra_routes).await
}

/// An API with exactly these settings, on an already migrated database.
pub async fn spawn_with_settings(settings: ApiSettings) -> TestApp {
    start(ApiContext::new(settings).expect("context"), |r| r).await
}

async fn start(ctx: ApiContext, extra_routes: impl FnOnce(axum::Router) -> axum::Router) -> TestApp {
    let router = http::with_middleware(extra_routes(http::routes(ctx.clone())), &ctx.settings);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = oneshot::channel::<()>();
    let serve_options = ctx.settings.http.serve_options();
    let server = tokio::spawn(shopfleet_serve::serve(
        listener,
        router,
        async move {
            let _ = rx.await;
        },
        serve_options,
    ));
    TestApp { addr, client: reqwest::Client::new(), ctx, shutdown: Some(tx), server: Some(server) }
}

/// Asserts a problem+json response with `status` and `code`; returns the document.
pub async fn assert_problem(response: reqwest::Response, status: u16, code: &str) -> serde_json::Value {
    assert_eq!(response.status().as_u16(), status, "status");
    let content_type =
        response.headers().get("content-type").expect("content-type").to_str().unwrap().to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: serde_json::Value = response.json().await.expect("problem body is JSON");
    assert_eq!(body["status"], status, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert!(body["type"].as_str().unwrap().ends_with(code), "{body}");
    assert!(body["title"].is_string(), "{body}");
    body
}

/// A registered account and its tokens.
pub struct TestUser {
    pub id: String,
    pub email: String,
    pub password: String,
    pub access_token: String,
    pub refresh_token: String,
}

pub const PASSWORD: &str = "correct horse battery staple";

impl TestApp {
    /// Registers `email` with [`PASSWORD`] and logs in.
    pub async fn register_and_login(&self, email: &str) -> TestUser {
        let response = self
            .client
            .post(self.url("/api/v1/auth/register"))
            .json(&serde_json::json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "register {email}");
        let user: serde_json::Value = response.json().await.unwrap();
        let tokens = self.login(email, PASSWORD).await;
        TestUser {
            id: user["id"].as_str().unwrap().to_owned(),
            email: email.to_owned(),
            password: PASSWORD.to_owned(),
            access_token: tokens["access_token"].as_str().unwrap().to_owned(),
            refresh_token: tokens["refresh_token"].as_str().unwrap().to_owned(),
        }
    }

    /// The password grant, form-encoded; panics unless it succeeds.
    pub async fn login(&self, email: &str, password: &str) -> serde_json::Value {
        let response = self
            .token_request(&[("grant_type", "password"), ("username", email), ("password", password)])
            .await;
        assert_eq!(response.status(), 200, "login {email}");
        response.json().await.unwrap()
    }

    pub async fn token_request(&self, form: &[(&str, &str)]) -> reqwest::Response {
        self.client.post(self.url("/api/v1/auth/token")).form(form).send().await.unwrap()
    }

    /// Registers a user, gives it `role` directly in the database and logs in again.
    pub async fn user_with_role(&self, email: &str, role: &str) -> TestUser {
        let user = self.register_and_login(email).await;
        sqlx::query("UPDATE users SET role = $1 WHERE email = $2")
            .bind(role)
            .bind(email)
            .execute(&self.ctx.db)
            .await
            .unwrap();
        let tokens = self.login(email, PASSWORD).await;
        TestUser {
            access_token: tokens["access_token"].as_str().unwrap().to_owned(),
            refresh_token: tokens["refresh_token"].as_str().unwrap().to_owned(),
            ..user
        }
    }

    pub async fn admin(&self, email: &str) -> TestUser {
        self.user_with_role(email, "admin").await
    }

    /// POSTs `body` as JSON with a bearer token.
    pub async fn post_as(&self, path: &str, token: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client.post(self.url(path)).bearer_auth(token).json(body).send().await.unwrap()
    }

    /// PATCHes `body` as JSON with a bearer token.
    pub async fn patch_as(&self, path: &str, token: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client.patch(self.url(path)).bearer_auth(token).json(body).send().await.unwrap()
    }

    /// DELETEs with a bearer token.
    pub async fn delete_as(&self, path: &str, token: &str) -> reqwest::Response {
        self.client.delete(self.url(path)).bearer_auth(token).send().await.unwrap()
    }

    pub fn get_as(&self, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.client.get(self.url(path)).bearer_auth(token)
    }

    /// GETs `path` with a bearer token and reads the JSON answer, whatever its status.
    pub async fn get_json_as(&self, path: &str, token: &str) -> serde_json::Value {
        self.get_as(path, token).send().await.unwrap().json().await.unwrap()
    }
}
