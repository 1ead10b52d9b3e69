//! What every Shopfleet binary runs on, and nothing of the shop itself.
//!
//! - [`config`]: the infrastructure settings (env vars and flags), validated at start-up.
//! - [`secret`]: a string that never shows in logs, `Debug` or error messages.
//! - [`db`], [`redis_conn`], [`kafka`]: connections to the real services.
//! - [`readiness`]: dependency checks behind `/ready`; [`probes`]: the `/health`,
//!   `/ready` and `/metrics` handlers.
//! - [`telemetry`], [`metrics`]: logs, traces and Prometheus metrics.
//! - [`shutdown`]: the SIGTERM/SIGINT signal every binary stops on.

pub mod bucket;
pub mod config;
pub mod db;
pub mod kafka;
pub mod metrics;
pub mod probes;
pub mod readiness;
pub mod redis_conn;
pub mod secret;
pub mod shutdown;
pub mod telemetry;
