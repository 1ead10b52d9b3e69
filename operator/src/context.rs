//! State shared by every reconcile: the client, the Event recorder, the per-shop error
//! backoff and the other operators this one composes with.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use kube::runtime::events::{Recorder, Reporter};
use kube::Client;

use crate::decide::Delegates;
use crate::images::Registry;
use crate::objects::meta::MANAGER;

/// Shared reconcile state.
pub struct Context {
    pub client: Client,
    pub recorder: Recorder,
    /// CloudNativePG is installed and this operator may manage its Clusters (watched as
    /// children, so their readiness reaches the shop at once).
    pub cloudnative_pg: bool,
    /// Strimzi is installed and this operator may manage its Kafkas (watched as children).
    pub strimzi: bool,
    /// Where the official images of every shop are pulled from (`--image-registry`).
    pub registry: Registry,
    failures: Mutex<HashMap<String, u32>>,
}

/// First retry delay after an error; doubles per consecutive failure.
const BACKOFF_BASE: Duration = Duration::from_secs(5);
/// Longest retry delay.
const BACKOFF_MAX: Duration = Duration::from_secs(300);

impl Context {
    /// A context reporting Events as `shopfleet-operator` (instance `instance`).
    pub fn new(client: Client, instance: Option<String>) -> Context {
        let reporter = Reporter { controller: MANAGER.to_owned(), instance };
        Context {
            recorder: Recorder::new(client.clone(), reporter),
            client,
            cloudnative_pg: false,
            strimzi: false,
            registry: Registry::default(),
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// The same context, watching Strimzi's Kafkas when `enabled`.
    pub fn with_strimzi(mut self, enabled: bool) -> Context {
        self.strimzi = enabled;
        self
    }

    /// The same context, watching CloudNativePG's Clusters when `enabled`.
    pub fn with_cloudnative_pg(mut self, enabled: bool) -> Context {
        self.cloudnative_pg = enabled;
        self
    }

    /// The same context, pulling official images from `registry`.
    pub fn with_registry(mut self, registry: Registry) -> Context {
        self.registry = registry;
        self
    }

    /// The operators this one may delegate to.
    pub fn delegates(&self) -> Delegates {
        Delegates { cloudnative_pg: self.cloudnative_pg, strimzi: self.strimzi }
    }

    /// Records a failure of shop `key` and returns how long to wait before retrying.
    pub fn backoff(&self, key: &str) -> Duration {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let count = failures.entry(key.to_owned()).or_insert(0);
        *count = count.saturating_add(1);
        BACKOFF_BASE.saturating_mul(1 << (*count - 1).min(16)).min(BACKOFF_MAX)
    }

    /// Forgets the failures of shop `key` after a successful reconcile.
    pub fn succeeded(&self, key: &str) {
        self.failures.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
    }
}
