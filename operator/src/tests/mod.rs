//! Pure tests of the operator: built objects (snapshots, Pod Security, the variables set
//! for the API and worker). Whole reconciles run against a real API server in
//! `tests/envtest/`.

mod env_names;
pub(crate) mod fixtures;
mod pod_security;
mod snapshots;
