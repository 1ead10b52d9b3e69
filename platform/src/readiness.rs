//! Dependency checks behind `GET /ready`: Postgres, Redis and (when configured) Kafka,
//! run concurrently, each bounded by a timeout.

use crate::redis_conn::RedisConn;
use rdkafka::ClientConfig;
use serde::Serialize;
use sqlx::PgPool;
use std::{future::Future, time::Duration};

/// What a readiness probe checks.
#[derive(Clone)]
pub struct Readiness {
    pub db: PgPool,
    pub redis: RedisConn,
    pub kafka: Option<ClientConfig>,
    pub timeout: Duration,
}

/// The outcome of one dependency check.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub name: &'static str,
    pub ok: bool,
    /// Why the check failed (never contains credentials).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Every dependency check, in a stable order.
#[derive(Debug, Clone, Serialize)]
pub struct ReadinessReport {
    pub ready: bool,
    pub checks: Vec<CheckResult>,
}

impl ReadinessReport {
    /// Names of the dependencies that failed.
    pub fn failed(&self) -> Vec<&'static str> {
        self.checks.iter().filter(|c| !c.ok).map(|c| c.name).collect()
    }
}

impl Readiness {
    pub async fn check(&self) -> ReadinessReport {
        let postgres = bounded("postgres", self.timeout, async {
            sqlx::query("SELECT 1").execute(&self.db).await?;
            Ok(())
        });
        let redis = bounded("redis", self.timeout, async {
            let mut conn = self.redis.connection().await?;
            let _: String = redis::cmd("PING").query_async(&mut conn).await?;
            Ok(())
        });
        let kafka = async {
            match &self.kafka {
                Some(config) => Some(
                    bounded("kafka", self.timeout, crate::kafka::check_brokers(config.clone(), self.timeout))
                        .await,
                ),
                None => None,
            }
        };
        let (postgres, redis, kafka) = tokio::join!(postgres, redis, kafka);
        let checks: Vec<CheckResult> = [Some(postgres), Some(redis), kafka].into_iter().flatten().collect();
        ReadinessReport { ready: checks.iter().all(|c| c.ok), checks }
    }
}

async fn bounded(
    name: &'static str,
    timeout: Duration,
    check: impl Future<Output = anyhow::Result<()>>,
) -> CheckResult {
    let error = match tokio::time::timeout(timeout, check).await {
        Ok(Ok(())) => None,
        Ok(Err(err)) => Some(format!("{err:#}")),
        Err(_) => Some(format!("no answer within {} ms", timeout.as_millis())),
    };
    if let Some(error) = &error {
        tracing::warn!(dependency = name, %error, "readiness check failed");
    }
    CheckResult { name, ok: error.is_none(), error }
}
