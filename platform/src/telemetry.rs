//! Logs and traces: `tracing` to stdout (pretty or JSON) and, when an OTLP endpoint
//! is configured, spans exported over OTLP/gRPC.

use crate::config::{LogFormat, TelemetrySettings};
use anyhow::Context;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::{layer::SubscriberExt, util::SubscriberInitExt, EnvFilter, Layer};

/// Flushes pending spans when dropped; keep it alive until the process ends.
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take() {
            if let Err(err) = provider.shutdown() {
                eprintln!("flushing traces failed: {err}");
            }
        }
    }
}

/// Installs the global subscriber. `service` names the process in traces.
pub fn init(settings: &TelemetrySettings, service: &'static str) -> anyhow::Result<TelemetryGuard> {
    let filter = filter(&settings.log_level)?;
    let fmt_layer = match settings.log_format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .boxed(),
        LogFormat::Pretty => tracing_subscriber::fmt::layer().compact().boxed(),
    };
    let provider =
        settings.otlp_endpoint.as_deref().map(|endpoint| otlp_provider(endpoint, service)).transpose()?;
    let otel_layer = provider.as_ref().map(|p| tracing_opentelemetry::layer().with_tracer(p.tracer(service)));
    tracing_subscriber::registry()
        .with(filter)
        .with(fmt_layer)
        .with(otel_layer)
        .try_init()
        .context("installing the tracing subscriber")?;
    Ok(TelemetryGuard { provider })
}

/// Targets that are chatty at levels a reader does not expect, and the level from which
/// they are shown unless LOG_LEVEL names them itself:
/// - every search with only stop words makes Postgres send a NOTICE, which sqlx logs at INFO;
/// - the embedded vector engine warns on each use that its feature flags, which it does not
///   let a library set, are at their defaults (which are the ones we want).
const QUIET_TARGETS: [(&str, &str); 2] =
    [("sqlx::postgres::notice", "warn"), ("qdrant_edge::common::flags", "error")];

/// The subscriber's filter: LOG_LEVEL, plus [`QUIET_TARGETS`] that it does not mention.
fn filter(log_level: &str) -> anyhow::Result<EnvFilter> {
    let mut filter =
        EnvFilter::try_new(log_level).map_err(|err| anyhow::anyhow!("invalid setting LOG_LEVEL: {err}"))?;
    for (target, level) in QUIET_TARGETS.into_iter().filter(|(target, _)| !log_level.contains(target)) {
        filter = filter.add_directive(format!("{target}={level}").parse()?);
    }
    Ok(filter)
}

fn otlp_provider(endpoint: &str, service: &'static str) -> anyhow::Result<SdkTracerProvider> {
    use opentelemetry_otlp::WithExportConfig;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .with_endpoint(endpoint)
        .build()
        .map_err(|err| anyhow::anyhow!("invalid setting OTEL_EXPORTER_OTLP_ENDPOINT: {err}"))?;
    let resource = opentelemetry_sdk::Resource::builder().with_service_name(service).build();
    Ok(SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource).build())
}
