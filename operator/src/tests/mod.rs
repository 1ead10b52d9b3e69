//! Pure tests of the operator: built objects (snapshots and Pod Security). Whole reconciles
//! run against a real API server in `tests/envtest/`.

pub(crate) mod fixtures;
mod pod_security;
mod snapshots;
