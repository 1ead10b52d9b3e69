//! The operational endpoints both binaries serve: `/health` (liveness, no
//! dependencies), `/ready` (dependency checks) and `/metrics` (Prometheus text).

use crate::readiness::{Readiness, ReadinessReport};
use axum::{
    extract::State,
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use metrics_exporter_prometheus::PrometheusHandle;
use serde::Serialize;
use utoipa::ToSchema;

/// State the probe handlers need.
#[derive(Clone)]
pub struct ProbeState {
    pub readiness: Readiness,
    pub metrics: PrometheusHandle,
}

#[derive(Serialize, ToSchema)]
pub struct HealthBody {
    /// Always `ok` while the process serves requests.
    status: &'static str,
}

/// Liveness: answers as long as the process can serve HTTP. Checks no dependency.
#[utoipa::path(get, path = "/health", tag = "operations",
    responses((status = 200, description = "The process is alive", body = HealthBody)))]
pub async fn health() -> Json<HealthBody> {
    Json(HealthBody { status: "ok" })
}

/// One dependency's check, as reported by `/ready`.
#[derive(Serialize, ToSchema)]
pub struct CheckBody {
    name: &'static str,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// `/ready` body: the RFC 9457 members plus the individual checks.
#[derive(Serialize, ToSchema)]
pub struct ReadyBody {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    type_uri: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'static str>,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'static str>,
    checks: Vec<CheckBody>,
}

impl From<ReadinessReport> for ReadyBody {
    fn from(report: ReadinessReport) -> Self {
        let failed = report.failed();
        let checks =
            report.checks.into_iter().map(|c| CheckBody { name: c.name, ok: c.ok, error: c.error }).collect();
        if failed.is_empty() {
            return Self { type_uri: None, title: None, status: 200, detail: None, code: None, checks };
        }
        Self {
            type_uri: Some("https://shopfleet.dev/problems/not_ready"),
            title: Some("Service Unavailable"),
            status: 503,
            detail: Some(format!("not ready: {} unavailable", failed.join(", "))),
            code: Some("not_ready"),
            checks,
        }
    }
}

/// Readiness: Postgres, Redis and (when configured) Kafka, each within a timeout.
#[utoipa::path(get, path = "/ready", tag = "operations", responses(
    (status = 200, description = "Every dependency answered", body = ReadyBody),
    (status = 503, description = "A dependency failed; `detail` names it", body = ReadyBody, content_type = "application/problem+json")))]
pub async fn ready(State(state): State<ProbeState>) -> Response {
    let body = ReadyBody::from(state.readiness.check().await);
    if body.status == 200 {
        Json(body).into_response()
    } else {
        let json = serde_json::to_vec(&body).expect("serialisable");
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"))],
            json,
        )
            .into_response()
    }
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain")))]
pub async fn metrics(State(state): State<ProbeState>) -> Response {
    crate::metrics::record_pool(&state.readiness.db);
    ([(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4"))], state.metrics.render())
        .into_response()
}
