//! `shopfleet-operator`: reconciles `ShopInstance` resources into running shops.
//!
//! The pipeline of one reconcile (`reconcile`): `validate` (pure) → `observe` (read the
//! children) → `build` (pure, snapshot-tested, in `objects`) → `apply` (server-side apply
//! of what drifted, prune by label) → `status` (conditions from the children's real status).

pub mod apply;
pub mod children;
pub mod cli;
pub mod context;
pub mod controller;
pub mod error;
pub mod http;
pub mod leader;
pub mod metrics;
pub mod objects;
pub mod observe;
pub mod reconcile;
pub mod status;
pub mod telemetry;
pub mod validate;

#[cfg(test)]
mod tests;
