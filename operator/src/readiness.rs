//! Readiness verdicts: whether a part of the shop is ready, with the reason and message its
//! status condition carries. Each backing service gives its own (`backing`); `status`
//! gives the API's and the worker's and turns all of them into conditions.

use crate::children::Kind;
use crate::observe::Observed;

/// A condition's value before it gets its times.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub ok: bool,
    pub reason: &'static str,
    pub message: String,
}

/// A verdict from its parts.
pub fn verdict(ok: bool, reason: &'static str, message: impl Into<String>) -> Verdict {
    Verdict { ok, reason, message: message.into() }
}

/// Whether a StatefulSet or Deployment has all its replicas ready on the latest generation,
/// and at least `floor` of them: a Deployment whose `replicas` the autoscaler owns is
/// defaulted to 1 by the API server until the autoscaler raises it.
pub fn workload(observed: &Observed, kind: Kind, name: &str, what: &str, floor: i32) -> Verdict {
    let Some(object) = observed.get(kind, name) else {
        return verdict(false, "Creating", format!("{what} {name} does not exist yet"));
    };
    let status = object.data.get("status");
    let field = |f: &str| status.and_then(|s| s.get(f)).and_then(|v| v.as_i64()).unwrap_or(0);
    let wanted = object
        .data
        .get("spec")
        .and_then(|s| s.get("replicas"))
        .and_then(|r| r.as_i64())
        .unwrap_or(1)
        .max(i64::from(floor));
    let generation = object.metadata.generation.unwrap_or(0);
    let failed = status.and_then(|s| s.get("conditions")).and_then(|c| c.as_array()).is_some_and(|cs| {
        cs.iter().any(|c| c["type"] == "Progressing" && c["reason"] == "ProgressDeadlineExceeded")
    });
    if failed {
        return verdict(false, "RolloutFailed", format!("{what} {name} exceeded its progress deadline"));
    }
    let ready_field = if kind == Kind::Deployment { "availableReplicas" } else { "readyReplicas" };
    let current = field("observedGeneration") >= generation && field("updatedReplicas") >= wanted;
    if current && field(ready_field) >= wanted {
        verdict(true, "Ready", format!("{what} {name}: {wanted}/{wanted} ready"))
    } else {
        verdict(false, "RollingOut", format!("{what} {name}: {}/{wanted} ready", field(ready_field)))
    }
}
