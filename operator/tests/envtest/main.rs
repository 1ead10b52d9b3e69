//! The operator against a real Kubernetes API server (etcd + kube-apiserver +
//! kube-controller-manager, started once per run by `scripts/dev/envtest.sh`): reconciles,
//! the controller, admission of the CRD, the operator binary with leader election, and
//! the chart's RBAC.
//! One test binary, so the suite links once; every test has its own namespace.

mod admission;
mod controller;
mod delegation;
mod operator;
mod rbac;
mod reconcile;
mod support;
