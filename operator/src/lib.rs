//! `shopfleet-operator`: reconciles `ShopInstance` resources into running shops.
//!
//! The pipeline of one reconcile (`reconcile`): `validate` (pure; the `ValidatedShop`
//! everything after it reads) → `observe` (read the children) → `desired` (pure,
//! snapshot-tested; assembled from the building blocks in `objects` and one module per
//! backing service in `backing`) → `apply` (server-side apply of what drifted, prune by
//! label) → `status` (conditions from the children's real status, with `readiness`
//! verdicts).

pub mod apply;
pub mod backing;
pub mod children;
pub mod cli;
pub mod context;
pub mod controller;
pub mod decide;
pub mod desired;
pub mod error;
pub mod http;
pub mod images;
pub mod leader;
pub mod metrics;
pub mod objects;
pub mod observe;
pub mod readiness;
pub mod reconcile;
pub mod status;
pub mod telemetry;
pub mod validate;

#[cfg(test)]
mod tests;
