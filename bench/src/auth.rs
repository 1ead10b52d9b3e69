//! Authentication load scenarios for goose, one per run, chosen by `BENCH_SCENARIO`:
//!
//! - `login`: `POST /api/v1/auth/token` with `grant_type=password` (one argon2id
//!   verification per request).
//! - `refresh`: each goose user logs in once on start, then repeatedly rotates its refresh
//!   token (`grant_type=refresh_token`), keeping the newest one in its session data —
//!   refresh tokens are single-use, so a user must never present one twice.
//! - `me`: each goose user logs in once on start, then repeatedly `GET /api/v1/users/me`
//!   with `Authorization: Bearer <access_token>`.
//!
//! Accounts `bench-<n>@bench.shopfleet.test` (n in 0..BENCH_ACCOUNTS) with password
//! `BENCH_PASSWORD` must exist already (`bench/auth.sh` registers them). Goose options
//! (`--host`, `--users`, `--hatch-rate`, `--run-time`, ...) come from the command line.
//! After the run a one-line JSON summary of the measured request is written to
//! `BENCH_RESULT` (req/s over goose's measured duration, p50/p99 in microseconds).

#[path = "summary.rs"]
mod summary;

use goose::prelude::*;
use serde::Deserialize;

const TOKEN_PATH: &str = "/api/v1/auth/token";
const ME_PATH: &str = "/api/v1/users/me";

#[derive(Deserialize)]
struct TokenPair {
    access_token: String,
    refresh_token: String,
}

/// Per-goose-user tokens (None after a failed login or refresh); refresh tokens rotate
/// on every use.
#[derive(Clone)]
struct Session(Option<Tokens>);

#[derive(Clone)]
struct Tokens {
    access_token: String,
    refresh_token: String,
}

impl From<TokenPair> for Session {
    fn from(pair: TokenPair) -> Self {
        Session(Some(Tokens { access_token: pair.access_token, refresh_token: pair.refresh_token }))
    }
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} must be set"))
}

fn account_of(user: &GooseUser) -> (String, String) {
    let accounts: usize = env("BENCH_ACCOUNTS").parse().expect("BENCH_ACCOUNTS is a number");
    let n = user.weighted_users_index % accounts;
    (format!("bench-{n}@bench.shopfleet.test"), env("BENCH_PASSWORD"))
}

/// Posts a token request under `name`; on a 200 returns the parsed pair, otherwise marks
/// the request failed (goose already counts non-2xx as failures) and returns None.
async fn token_request(
    user: &mut GooseUser,
    name: &str,
    form: &[(&str, &str)],
) -> Result<Option<TokenPair>, Box<TransactionError>> {
    let builder = user.get_request_builder(&GooseMethod::Post, TOKEN_PATH)?.form(form);
    let request = GooseRequest::builder()
        .method(GooseMethod::Post)
        .path(TOKEN_PATH)
        .name(name)
        .set_request_builder(builder)
        .build();
    let mut goose = user.request(request).await?;
    let response = match goose.response {
        Ok(response) if response.status().is_success() => response,
        _ => return Ok(None),
    };
    match response.json::<TokenPair>().await {
        Ok(pair) => Ok(Some(pair)),
        Err(err) => {
            user.set_failure(&format!("token response: {err}"), &mut goose.request, None, None)?;
            Ok(None)
        }
    }
}

async fn password_login(
    user: &mut GooseUser,
    name: &str,
) -> Result<Option<TokenPair>, Box<TransactionError>> {
    let (email, password) = account_of(user);
    token_request(user, name, &[("grant_type", "password"), ("username", &email), ("password", &password)])
        .await
}

/// `login` scenario: every iteration is a full password login.
async fn login(user: &mut GooseUser) -> TransactionResult {
    password_login(user, "login").await?;
    Ok(())
}

/// On start of `refresh` and `me`: log in once and keep the tokens.
async fn start_session(user: &mut GooseUser) -> TransactionResult {
    let session = password_login(user, "setup-login").await?.map_or(Session(None), Session::from);
    user.set_session_data(session);
    Ok(())
}

/// `refresh` scenario: rotate the refresh token and keep the new one.
async fn refresh(user: &mut GooseUser) -> TransactionResult {
    let current =
        user.get_session_data::<Session>().and_then(|s| s.0.as_ref()).map(|t| t.refresh_token.clone());
    let Some(current) = current else {
        // The setup login failed (counted as such): try it again.
        return start_session(user).await;
    };
    // On failure the token is dropped (a rotated-away or revoked token must not be
    // presented again) and the next iteration logs in again.
    let next =
        token_request(user, "refresh", &[("grant_type", "refresh_token"), ("refresh_token", &current)])
            .await?
            .map_or(Session(None), Session::from);
    user.set_session_data(next);
    Ok(())
}

/// `me` scenario: an authorized read.
async fn me(user: &mut GooseUser) -> TransactionResult {
    let token = user.get_session_data::<Session>().and_then(|s| s.0.as_ref()).map(|t| t.access_token.clone());
    let Some(token) = token else {
        return start_session(user).await;
    };
    let builder = user.get_request_builder(&GooseMethod::Get, ME_PATH)?.bearer_auth(token);
    let request = GooseRequest::builder().path(ME_PATH).name("me").set_request_builder(builder).build();
    user.request(request).await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), GooseError> {
    let scenario_name = env("BENCH_SCENARIO");
    let (scenario, measured) = match scenario_name.as_str() {
        "login" => (scenario!("login").register_transaction(transaction!(login)), "POST login"),
        "refresh" => (
            scenario!("refresh")
                .register_transaction(transaction!(start_session).set_on_start())
                .register_transaction(transaction!(refresh)),
            "POST refresh",
        ),
        "me" => (
            scenario!("me")
                .register_transaction(transaction!(start_session).set_on_start())
                .register_transaction(transaction!(me)),
            "GET me",
        ),
        other => panic!("BENCH_SCENARIO must be login, refresh or me, not {other}"),
    };
    let metrics = GooseAttack::initialize()?.register_scenario(scenario).execute().await?;

    summary::report(&metrics, &scenario_name, measured);
    Ok(())
}
