//! The operator against a real Kubernetes API server (etcd + kube-apiserver +
//! kube-controller-manager, started once per run by `scripts/dev/envtest.sh`): reconciles,
//! the controller, admission of the CRD, and the operator binary with leader election.
//! One test binary, so the suite links once; every test has its own namespace.

mod admission;
mod controller;
mod operator;
mod reconcile;
mod support;
