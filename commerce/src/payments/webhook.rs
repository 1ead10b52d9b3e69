//! Provider webhooks: the event body and its signature header,
//! `Shopfleet-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` (Stripe's
//! scheme). During a secret rotation the sender adds one `v1` per active secret and the
//! receiver accepts a match with any of its active secrets. Comparison is constant-time
//! and a timestamp outside the tolerance is refused, so a captured request cannot be
//! replayed later.

use super::provider::IntentSnapshot;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use shopfleet_platform::secret::Secret;

pub const SIGNATURE_HEADER: &str = "shopfleet-signature";

/// One webhook delivery: `payment_intent.<status>` or `charge.refunded`, with the intent.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WebhookEvent {
    /// Unique per event; deliveries of the same event repeat it.
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    /// Unix seconds when the provider created the event.
    pub created: i64,
    pub data: WebhookData,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WebhookData {
    pub object: IntentSnapshot,
}

/// Why a webhook's signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the Shopfleet-Signature header is missing")]
    Missing,
    #[error("the Shopfleet-Signature header is not `t=<unix>,v1=<hex>`")]
    Malformed,
    #[error("the signature timestamp is outside the tolerance")]
    Stale,
    #[error("no signature matches")]
    Mismatch,
}

impl SignatureError {
    /// A short label for logs and metrics.
    pub fn label(self) -> &'static str {
        match self {
            SignatureError::Missing => "missing",
            SignatureError::Malformed => "malformed",
            SignatureError::Stale => "stale",
            SignatureError::Mismatch => "mismatch",
        }
    }
}

fn mac(secret: &Secret, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The header value for `body` sent at `timestamp`, signed with every secret given.
pub fn sign(secrets: &[&Secret], timestamp: i64, body: &[u8]) -> String {
    let mut header = format!("t={timestamp}");
    for secret in secrets {
        header.push_str(",v1=");
        header.push_str(&hex::encode(mac(secret, timestamp, body).finalize().into_bytes()));
    }
    header
}

/// Checks `header` for `body` at `now` (unix seconds) against the active `secrets`.
pub fn verify(
    header: Option<&str>,
    body: &[u8],
    secrets: &[&Secret],
    now: i64,
    tolerance_secs: i64,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => {
                timestamp = Some(value.parse::<i64>().map_err(|_| SignatureError::Malformed)?)
            }
            Some(("v1", value)) => {
                signatures.push(hex::decode(value).map_err(|_| SignatureError::Malformed)?)
            }
            Some((_, _)) => {} // other schemes (v0…) are ignored, as Stripe does
            None => return Err(SignatureError::Malformed),
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - timestamp).abs() > tolerance_secs {
        return Err(SignatureError::Stale);
    }
    let matches = secrets.iter().any(|secret| {
        signatures.iter().any(|signature| mac(secret, timestamp, body).verify_slice(signature).is_ok())
    });
    if matches {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_only_with_an_active_secret_the_same_body_and_a_fresh_timestamp() {
        let (old, new, other) =
            (Secret::new("o".repeat(32)), Secret::new("n".repeat(32)), Secret::new("x".repeat(32)));
        let body = br#"{"id":"evt_1"}"#;
        let now = 1_800_000_000;
        let header = sign(&[&new], now, body);
        assert!(header.starts_with(&format!("t={now},v1=")));
        assert_eq!(verify(Some(&header), body, &[&new, &old], now + 10, 300), Ok(()));
        assert_eq!(
            verify(Some(&header), body, &[&old], now, 300),
            Err(SignatureError::Mismatch),
            "inactive secret"
        );
        assert_eq!(
            verify(Some(&header), br#"{"id":"evt_2"}"#, &[&new], now, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(verify(Some(&header), body, &[&new], now + 301, 300), Err(SignatureError::Stale));
        assert_eq!(verify(Some(&header), body, &[&new], now - 301, 300), Err(SignatureError::Stale));
        assert_eq!(verify(None, body, &[&new], now, 300), Err(SignatureError::Missing));
        assert_eq!(verify(Some("v1=abc"), body, &[&new], now, 300), Err(SignatureError::Malformed));
        assert_eq!(verify(Some("t=1,v1=zz"), body, &[&new], now, 300), Err(SignatureError::Malformed));
        // Rotation: the sender signs with both; a receiver holding either accepts.
        let rotating = sign(&[&new, &old], now, body);
        assert_eq!(verify(Some(&rotating), body, &[&old], now, 300), Ok(()));
        assert_eq!(verify(Some(&rotating), body, &[&other], now, 300), Err(SignatureError::Mismatch));
    }
}
