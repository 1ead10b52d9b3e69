//! Authorization, table-driven from the OpenAPI document: every route that declares a
//! bearer requirement is called with no token, broken tokens (expired, tampered, `alg:
//! none`, another algorithm, another key, a refresh token) and a token of each role, and
//! must answer 401 / 403 / neither exactly as its declared roles say.

mod common;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use common::{spawn_app, spawn_app_with, TestApp, PASSWORD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

struct ProtectedRoute {
    method: reqwest::Method,
    path: String,
    roles: Vec<String>,
}

/// Every operation with a `bearer` security requirement, with the roles it lists.
fn protected_routes() -> Vec<ProtectedRoute> {
    let spec = serde_json::to_value(shopfleet_api::http::openapi()).unwrap();
    let mut routes = Vec::new();
    for (path, operations) in spec["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let Some(requirements) = operation["security"].as_array() else { continue };
            let roles: Vec<String> = requirements
                .iter()
                .filter_map(|r| r["bearer"].as_array())
                .flatten()
                .map(|r| r.as_str().unwrap().to_owned())
                .collect();
            assert!(!roles.is_empty(), "{method} {path} declares bearer auth without roles");
            let concrete = path.replace("{id}", &uuid::Uuid::new_v4().to_string());
            routes.push(ProtectedRoute {
                method: method.to_uppercase().parse().unwrap(),
                path: concrete,
                roles,
            });
        }
    }
    assert!(routes.len() >= 10, "found only {} protected routes", routes.len());
    routes
}

async fn call(app: &TestApp, route: &ProtectedRoute, token: Option<&str>) -> u16 {
    let mut request = app.client.request(route.method.clone(), app.url(&route.path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if matches!(route.method.as_str(), "POST" | "PUT" | "PATCH") {
        request = request.json(&json!({}));
    }
    request.send().await.unwrap().status().as_u16()
}

fn forge(header: &Value, claims: &Value, key: &EncodingKey, alg: Algorithm) -> String {
    let mut h = Header::new(alg);
    h.kid = header["kid"].as_str().map(str::to_owned);
    jsonwebtoken::encode(&h, claims, key).unwrap()
}

fn decode_part(token: &str, index: usize) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').nth(index).unwrap()).unwrap()).unwrap()
}

/// A fresh access token for a new account with `role`.
async fn token_for(app: &TestApp, role: &str) -> String {
    let email = format!("{role}-{}@example.com", uuid::Uuid::new_v4().simple());
    app.user_with_role(&email, role).await.access_token
}

#[tokio::test]
async fn every_protected_route_enforces_authentication_and_its_roles() {
    let app = spawn_app_with(&["--login-max-attempts-per-ip=1000"], |r| r).await;
    let user = app.register_and_login("victim@example.com").await;
    let header = decode_part(&user.access_token, 0);
    let claims = decode_part(&user.access_token, 1);
    let secret = app.ctx.settings.auth.jwt_secret.as_ref().unwrap().expose().to_owned();
    let key = EncodingKey::from_secret(secret.as_bytes());

    let mut expired_claims = claims.clone();
    expired_claims["exp"] = json!(chrono::Utc::now().timestamp() - 3600);
    let mut escalated = claims.clone();
    escalated["role"] = json!("admin");
    let tampered = {
        let parts: Vec<&str> = user.access_token.split('.').collect();
        format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(escalated.to_string()), parts[2])
    };
    let alg_none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(json!({"alg": "none", "typ": "JWT", "kid": header["kid"]}).to_string()),
        URL_SAFE_NO_PAD.encode(escalated.to_string())
    );
    let other_key = forge(
        &header,
        &escalated,
        &EncodingKey::from_secret(b"another-key-another-key-another-key"),
        Algorithm::HS256,
    );
    let other_alg = forge(&header, &escalated, &key, Algorithm::HS512);
    let bad_tokens = [
        ("expired", forge(&header, &expired_claims, &key, Algorithm::HS256)),
        ("tampered", tampered),
        ("alg none", alg_none),
        ("another key", other_key),
        ("another algorithm", other_alg),
        ("refresh token", user.refresh_token.clone()),
        ("garbage", "not.a.jwt".to_owned()),
    ];

    for route in protected_routes() {
        let what = format!("{} {}", route.method, route.path);
        assert_eq!(call(&app, &route, None).await, 401, "{what} without a token");
        for (name, token) in &bad_tokens {
            assert_eq!(call(&app, &route, Some(token)).await, 401, "{what} with a {name} token");
        }
        for role in ["user", "merchant", "admin"] {
            let token = token_for(&app, role).await;
            let status = call(&app, &route, Some(&token)).await;
            if route.roles.iter().any(|r| r == role) {
                assert!(
                    status != 401 && status != 403,
                    "{what} as {role}: {status}, but the role is allowed"
                );
            } else {
                assert_eq!(status, 403, "{what} as {role}");
            }
        }
    }
}

fn openssl(args: &[&str]) {
    let status = std::process::Command::new("openssl").args(args).status().expect("openssl is installed");
    assert!(status.success(), "openssl {args:?}");
}

/// RS256 and EdDSA key pairs work, and an HS256 token "signed" with the public key
/// (the algorithm-confusion attack) is refused.
#[tokio::test]
async fn asymmetric_keys_work_and_algorithm_confusion_is_refused() {
    let dir = std::env::temp_dir().join(format!("jwt-keys-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = |name: &str| dir.join(name).to_str().unwrap().to_owned();
    openssl(&["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", &path("rsa.pem")]);
    openssl(&["pkey", "-in", &path("rsa.pem"), "-pubout", "-out", &path("rsa.pub.pem")]);
    openssl(&["genpkey", "-algorithm", "ed25519", "-out", &path("ed.pem")]);
    openssl(&["pkey", "-in", &path("ed.pem"), "-pubout", "-out", &path("ed.pub.pem")]);

    for (algorithm, private, public) in
        [("RS256", "rsa.pem", "rsa.pub.pem"), ("EdDSA", "ed.pem", "ed.pub.pem")]
    {
        let flags = [
            format!("--jwt-algorithm={algorithm}"),
            format!("--jwt-private-key-file={}", path(private)),
            format!("--jwt-public-key-file={}", path(public)),
        ];
        let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
        let app = spawn_app_with(&flags, |r| r).await;
        let user = app.register_and_login("kim@example.com").await;
        let header = decode_part(&user.access_token, 0);
        assert_eq!(header["alg"], algorithm);
        assert_eq!(app.get_as("/api/v1/users/me", &user.access_token).send().await.unwrap().status(), 200);

        let public_pem = std::fs::read(path(public)).unwrap();
        let confused = forge(
            &header,
            &decode_part(&user.access_token, 1),
            &EncodingKey::from_secret(&public_pem),
            Algorithm::HS256,
        );
        let response = app.get_as("/api/v1/users/me", &confused).send().await.unwrap();
        assert_eq!(response.status(), 401, "{algorithm}: HS256 token keyed with the public key");
    }
}

/// Rotation: tokens signed with a previous key stay valid; new tokens use the new key.
#[tokio::test]
async fn previous_keys_keep_verifying_during_rotation() {
    let old = spawn_app().await;
    let user = old.register_and_login("lee@example.com").await;
    let old_secret = old.ctx.settings.auth.jwt_secret.as_ref().unwrap().expose().to_owned();
    let database_url = old.ctx.settings.database.url.expose().to_owned();

    let new_secret = "a-brand-new-signing-key-0123456789abcdef";
    let mut settings = common::settings(
        &database_url,
        &[&format!("--jwt-secret={new_secret}"), &format!("--jwt-previous-secrets={old_secret}")],
    );
    settings.redis.key_prefix = old.ctx.settings.redis.key_prefix.clone();
    let rotated = common::spawn_with_settings(settings).await;
    assert_eq!(rotated.get_as("/api/v1/users/me", &user.access_token).send().await.unwrap().status(), 200);
    let fresh = rotated.login("lee@example.com", PASSWORD).await;
    let fresh = fresh["access_token"].as_str().unwrap();
    assert_ne!(decode_part(fresh, 0)["kid"], decode_part(&user.access_token, 0)["kid"]);
    assert_eq!(rotated.get_as("/api/v1/users/me", fresh).send().await.unwrap().status(), 200);
    assert_eq!(
        old.get_as("/api/v1/users/me", fresh).send().await.unwrap().status(),
        401,
        "old key set does not know the new key"
    );
}
