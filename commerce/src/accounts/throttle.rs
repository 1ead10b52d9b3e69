//! Login throttling in Redis: fixed windows counting attempts per client IP and
//! failures per account. Over the limit, logins are refused with a retry delay.

use super::settings::AuthSettings;
use sha2::{Digest, Sha256};
use shopfleet_domain::DomainError;
use shopfleet_platform::redis_conn::RedisConn;
use std::net::IpAddr;

#[derive(Clone)]
pub struct LoginThrottle {
    redis: RedisConn,
    max_per_ip: u64,
    max_failures_per_account: u64,
    window_secs: u64,
}

impl LoginThrottle {
    pub fn new(redis: RedisConn, settings: &AuthSettings) -> Self {
        Self {
            redis,
            max_per_ip: settings.login_max_attempts_per_ip,
            max_failures_per_account: settings.login_max_failures_per_account,
            window_secs: settings.login_throttle_window_secs,
        }
    }

    fn ip_key(&self, ip: IpAddr) -> String {
        self.redis.key(&["throttle", "login", "ip", &ip.to_string()])
    }

    /// Account keys hold a hash, not the e-mail address itself.
    fn account_key(&self, email: &str) -> String {
        let digest = hex::encode(&Sha256::digest(email.as_bytes())[..12]);
        self.redis.key(&["throttle", "login", "account", &digest])
    }

    /// Counts this attempt against the IP and refuses it if the IP or the account is over its limit.
    pub async fn admit(&self, ip: IpAddr, email: &str) -> Result<(), DomainError> {
        let mut conn = self.redis.connection().await?;
        let (ip_key, account_key) = (self.ip_key(ip), self.account_key(email));
        let (ip_count, ip_ttl, failures, account_ttl): (u64, i64, Option<u64>, i64) = redis::pipe()
            .atomic()
            .incr(&ip_key, 1)
            .cmd("EXPIRE")
            .arg(&ip_key)
            .arg(self.window_secs)
            .arg("NX")
            .ignore()
            .ttl(&ip_key)
            .get(&account_key)
            .ttl(&account_key)
            .query_async(&mut conn)
            .await?;
        let retry =
            |ttl: i64| DomainError::Throttled { retry_after_secs: u64::try_from(ttl).unwrap_or(1).max(1) };
        if ip_count > self.max_per_ip {
            return Err(retry(ip_ttl));
        }
        if failures.unwrap_or(0) >= self.max_failures_per_account {
            tracing::warn!(security_event = "login_throttled", "account over its failed-login limit");
            return Err(retry(account_ttl));
        }
        Ok(())
    }

    pub async fn record_failure(&self, email: &str) -> Result<(), DomainError> {
        let key = self.account_key(email);
        let mut conn = self.redis.connection().await?;
        redis::pipe()
            .atomic()
            .incr(&key, 1)
            .ignore()
            .cmd("EXPIRE")
            .arg(&key)
            .arg(self.window_secs)
            .arg("NX")
            .ignore()
            .query_async::<()>(&mut conn)
            .await?;
        Ok(())
    }

    pub async fn record_success(&self, email: &str) -> Result<(), DomainError> {
        let mut conn = self.redis.connection().await?;
        redis::cmd("DEL").arg(self.account_key(email)).query_async::<()>(&mut conn).await?;
        Ok(())
    }
}
