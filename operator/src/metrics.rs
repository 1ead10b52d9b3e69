//! Prometheus metrics of the operator: reconciles, errors by reason and reconcile duration.

use std::time::Duration;

use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};

const RECONCILES: &str = "shopfleet_operator_reconciles_total";
const ERRORS: &str = "shopfleet_operator_reconcile_errors_total";
const DURATION: &str = "shopfleet_operator_reconcile_duration_seconds";

/// Installs the global recorder; the handle renders the `/metrics` page.
pub fn install() -> Result<PrometheusHandle, BuildError> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full(DURATION.to_owned()),
            &[0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0],
        )?
        .install_recorder()?;
    metrics::describe_counter!(RECONCILES, "Reconciles of ShopInstances, successful or not");
    metrics::describe_counter!(ERRORS, "Failed reconciles by reason");
    metrics::describe_histogram!(DURATION, metrics::Unit::Seconds, "Duration of one reconcile");
    Ok(handle)
}

/// Counts one reconcile and its duration.
pub fn reconciled(elapsed: Duration) {
    metrics::counter!(RECONCILES).increment(1);
    metrics::histogram!(DURATION).record(elapsed.as_secs_f64());
}

/// Counts one failed reconcile.
pub fn failed(reason: &'static str) {
    metrics::counter!(ERRORS, "reason" => reason).increment(1);
}
