//! Lease-based leader election (`coordination.k8s.io/v1` Lease `shopfleet-operator`), so
//! that only one of several replicas reconciles at a time. Candidates watch the Lease, and a
//! leader that stops releases it, so a standby takes over at once instead of after expiry.

use std::time::Duration;

use chrono::Utc;
use futures::StreamExt;
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use kube::api::{Api, PostParams};
use kube::runtime::{watcher, WatchStreamExt};
use kube::Client;

/// Name of the Lease.
pub const LEASE_NAME: &str = "shopfleet-operator";
/// How long a holder keeps the Lease without renewing it.
const LEASE_DURATION: Duration = Duration::from_secs(15);
/// How often the holder renews and candidates retry.
const RETRY_PERIOD: Duration = Duration::from_secs(5);

/// One candidate for the Lease.
pub struct Elector {
    api: Api<Lease>,
    identity: String,
}

/// What a Lease says about its holder, and what taking it means.
fn claim(lease: Option<&Lease>, identity: &str, now: chrono::DateTime<Utc>) -> Option<LeaseSpec> {
    let spec = lease.and_then(|l| l.spec.clone()).unwrap_or_default();
    let holder = spec.holder_identity.clone().unwrap_or_default();
    let duration = chrono::Duration::seconds(i64::from(spec.lease_duration_seconds.unwrap_or(0)));
    let expired = spec.renew_time.as_ref().is_none_or(|t| t.0 + duration < now);
    let ours = holder == identity;
    (ours || holder.is_empty() || expired).then(|| LeaseSpec {
        holder_identity: Some(identity.to_owned()),
        lease_duration_seconds: Some(LEASE_DURATION.as_secs() as i32),
        acquire_time: if ours { spec.acquire_time.clone() } else { Some(MicroTime(now)) },
        renew_time: Some(MicroTime(now)),
        lease_transitions: Some(spec.lease_transitions.unwrap_or(0) + i32::from(!ours)),
        ..spec
    })
}

impl Elector {
    /// A candidate named `identity` for the Lease in `namespace`.
    pub fn new(client: Client, namespace: &str, identity: String) -> Elector {
        Elector { api: Api::namespaced(client, namespace), identity }
    }

    /// Takes or renews the Lease; `Ok(false)` when someone else holds it.
    async fn try_hold(&self) -> Result<bool, kube::Error> {
        let existing = self.api.get_opt(LEASE_NAME).await?;
        let Some(spec) = claim(existing.as_ref(), &self.identity, Utc::now()) else {
            return Ok(false);
        };
        let result = match existing {
            Some(mut lease) => {
                lease.spec = Some(spec);
                self.api.replace(LEASE_NAME, &PostParams::default(), &lease).await
            }
            None => {
                let lease = Lease {
                    metadata: ObjectMeta { name: Some(LEASE_NAME.to_owned()), ..Default::default() },
                    spec: Some(spec),
                };
                self.api.create(&PostParams::default(), &lease).await
            }
        };
        match result {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(e)) if e.code == 409 => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Waits until this candidate holds the Lease, trying again whenever the Lease changes
    /// (a release shows at once) and at least every retry period (expiry shows no change).
    pub async fn acquire(&self) {
        let selector = format!("metadata.name={LEASE_NAME}");
        let changes =
            watcher(self.api.clone(), watcher::Config::default().fields(&selector)).default_backoff();
        let mut changes = std::pin::pin!(changes);
        loop {
            match self.try_hold().await {
                Ok(true) => {
                    tracing::info!(identity = %self.identity, "acquired leadership");
                    return;
                }
                Ok(false) => tracing::debug!("another replica leads"),
                Err(e) => tracing::warn!(error = %e, "leader election failed"),
            }
            let _ = tokio::time::timeout(RETRY_PERIOD, changes.next()).await;
        }
    }

    /// Gives the Lease up if this candidate holds it, so a standby need not wait for it to
    /// expire: the holder is cleared and the duration cut to one second, as client-go's
    /// `ReleaseOnCancel` does. Call it only once this replica has stopped reconciling.
    pub async fn release(&self) {
        let result = match self.api.get_opt(LEASE_NAME).await {
            Ok(Some(mut lease)) => {
                let spec = lease.spec.get_or_insert_with(LeaseSpec::default);
                if spec.holder_identity.as_deref() != Some(self.identity.as_str()) {
                    return;
                }
                spec.holder_identity = None;
                spec.lease_duration_seconds = Some(1);
                spec.renew_time = Some(MicroTime(Utc::now()));
                self.api.replace(LEASE_NAME, &PostParams::default(), &lease).await.map(|_| ())
            }
            Ok(None) => return,
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => tracing::info!(identity = %self.identity, "released leadership"),
            Err(e) => tracing::warn!(error = %e, "releasing the lease failed; it expires on its own"),
        }
    }

    /// Renews the Lease until it is lost; returns when it is, so the caller can stop.
    pub async fn hold(&self) {
        let mut last_renewal = tokio::time::Instant::now();
        loop {
            tokio::time::sleep(RETRY_PERIOD).await;
            match self.try_hold().await {
                Ok(true) => last_renewal = tokio::time::Instant::now(),
                Ok(false) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "renewing the lease failed");
                    if last_renewal.elapsed() >= LEASE_DURATION - RETRY_PERIOD {
                        break;
                    }
                }
            }
        }
        tracing::error!(identity = %self.identity, "lost leadership");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lease(holder: &str, renewed_secs_ago: i64) -> Lease {
        Lease {
            metadata: ObjectMeta::default(),
            spec: Some(LeaseSpec {
                holder_identity: Some(holder.to_owned()),
                lease_duration_seconds: Some(15),
                renew_time: Some(MicroTime(Utc::now() - chrono::Duration::seconds(renewed_secs_ago))),
                lease_transitions: Some(3),
                ..Default::default()
            }),
        }
    }

    #[test]
    fn free_or_expired_leases_are_taken_and_live_ones_respected() {
        let now = Utc::now();
        let fresh = claim(None, "me", now).expect("no lease yet");
        assert_eq!(fresh.holder_identity.as_deref(), Some("me"));
        assert_eq!(fresh.lease_transitions, Some(1));
        assert!(claim(Some(&lease("other", 2)), "me", now).is_none());
        let taken = claim(Some(&lease("other", 60)), "me", now).expect("expired lease");
        assert_eq!(taken.lease_transitions, Some(4));
        let renewed = claim(Some(&lease("me", 2)), "me", now).expect("own lease");
        assert_eq!(renewed.lease_transitions, Some(3));
        let mut released = lease("other", 0);
        released.spec.as_mut().unwrap().holder_identity = None;
        let taken = claim(Some(&released), "me", now).expect("released lease");
        assert_eq!(taken.lease_transitions, Some(4));
    }
}
