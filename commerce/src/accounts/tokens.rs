//! JSON Web Tokens: issuing and verifying access and refresh tokens.
//!
//! The algorithm is pinned (only the configured one verifies), every token carries the
//! `kid` of its key, and earlier keys stay accepted for verification during rotation.

use super::{
    settings::{AuthSettings, JwtAlgorithm},
    Role,
};
use anyhow::Context;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use shopfleet_domain::DomainError;
use shopfleet_env_names as env_names;
use std::{collections::HashMap, sync::Arc};
use uuid::Uuid;

/// Whether a token grants API access or may only be exchanged for new tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenUse {
    Access,
    Refresh,
}

/// The claims of every Shopfleet token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// User id.
    pub sub: Uuid,
    pub role: Role,
    /// Token id, used by the denylist.
    pub jti: Uuid,
    /// Session (refresh-token family) id.
    pub sid: Uuid,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    pub token_use: TokenUse,
}

/// Signs and verifies tokens with the configured keys.
#[derive(Clone)]
pub struct TokenKeys {
    algorithm: Algorithm,
    signing_kid: String,
    encoding: Arc<EncodingKey>,
    decoding: Arc<HashMap<String, DecodingKey>>,
    issuer: String,
    audience: String,
}

fn key_id(material: &[u8]) -> String {
    hex::encode(&Sha256::digest(material)[..8])
}

fn read(path: &std::path::Path, setting: &str) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("invalid setting {setting}: cannot read {}", path.display()))
}

impl TokenKeys {
    pub fn new(settings: &AuthSettings) -> anyhow::Result<Self> {
        let (algorithm, signing_kid, encoding, decoding) = match settings.jwt_algorithm {
            JwtAlgorithm::Hs256 => {
                let secret = settings.jwt_secret.as_ref().context("JWT_SECRET is required with HS256")?;
                let mut decoding = HashMap::new();
                for key in std::iter::once(secret).chain(&settings.jwt_previous_secrets) {
                    let bytes = key.expose().as_bytes();
                    decoding.insert(key_id(bytes), DecodingKey::from_secret(bytes));
                }
                let encoding = EncodingKey::from_secret(secret.expose().as_bytes());
                (Algorithm::HS256, key_id(secret.expose().as_bytes()), encoding, decoding)
            }
            JwtAlgorithm::EdDsa | JwtAlgorithm::Rs256 => {
                let eddsa = settings.jwt_algorithm == JwtAlgorithm::EdDsa;
                let private_path =
                    settings.jwt_private_key_file.as_ref().context("JWT_PRIVATE_KEY_FILE is required")?;
                let public_path =
                    settings.jwt_public_key_file.as_ref().context("JWT_PUBLIC_KEY_FILE is required")?;
                let private = read(private_path, env_names::JWT_PRIVATE_KEY_FILE)?;
                let encoding = if eddsa {
                    EncodingKey::from_ed_pem(&private)
                } else {
                    EncodingKey::from_rsa_pem(&private)
                }
                .context("invalid setting JWT_PRIVATE_KEY_FILE: not a PEM key of that algorithm")?;
                let public = read(public_path, env_names::JWT_PUBLIC_KEY_FILE)?;
                let mut decoding = HashMap::new();
                let previous = settings
                    .jwt_previous_public_key_files
                    .iter()
                    .map(|p| read(p, env_names::JWT_PREVIOUS_PUBLIC_KEY_FILES));
                for pem in std::iter::once(Ok(public.clone())).chain(previous) {
                    let pem = pem?;
                    let key =
                        if eddsa { DecodingKey::from_ed_pem(&pem) } else { DecodingKey::from_rsa_pem(&pem) }
                            .context(
                                "invalid setting JWT_PUBLIC_KEY_FILE: not a PEM public key of that algorithm",
                            )?;
                    decoding.insert(key_id(&pem), key);
                }
                let algorithm = if eddsa { Algorithm::EdDSA } else { Algorithm::RS256 };
                (algorithm, key_id(&public), encoding, decoding)
            }
        };
        Ok(Self {
            algorithm,
            signing_kid,
            encoding: Arc::new(encoding),
            decoding: Arc::new(decoding),
            issuer: settings.jwt_issuer.clone(),
            audience: settings.jwt_audience.clone(),
        })
    }

    /// Signs a token for `user` in session `sid`, valid for `ttl_secs`.
    pub fn issue(
        &self,
        user: Uuid,
        role: Role,
        sid: Uuid,
        token_use: TokenUse,
        ttl_secs: u64,
    ) -> anyhow::Result<(String, Claims)> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user,
            role,
            jti: Uuid::new_v4(),
            sid,
            iat: now,
            exp: now + i64::try_from(ttl_secs).context("ttl too large")?,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            token_use,
        };
        let mut header = Header::new(self.algorithm);
        header.kid = Some(self.signing_kid.clone());
        let token = jsonwebtoken::encode(&header, &claims, &self.encoding).context("signing a token")?;
        Ok((token, claims))
    }

    /// Verifies signature, algorithm, key id, issuer, audience, expiry and intended use.
    /// Revocation is checked separately (it needs Redis).
    pub fn verify(&self, token: &str, expected: TokenUse) -> Result<Claims, DomainError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| DomainError::Unauthenticated)?;
        if header.alg != self.algorithm {
            return Err(DomainError::Unauthenticated);
        }
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.decoding.get(kid))
            .ok_or(DomainError::Unauthenticated)?;
        let mut validation = Validation::new(self.algorithm);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud"]);
        validation.leeway = 5;
        let data = jsonwebtoken::decode::<Claims>(token, key, &validation)
            .map_err(|_| DomainError::Unauthenticated)?;
        if data.claims.token_use != expected {
            return Err(DomainError::Unauthenticated);
        }
        Ok(data.claims)
    }
}
