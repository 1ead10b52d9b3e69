//! Tests of the operator: built objects (snapshots and Pod Security), and whole reconciles
//! against the in-memory API server.

mod controller;
pub(crate) mod fixtures;
mod pod_security;
mod reconcile;
mod snapshots;
