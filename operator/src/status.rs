//! The shop's status, computed from the children's real status: one condition per part,
//! `Ready` when all are, and a phase. A condition's `lastTransitionTime` moves only when its
//! status does, so an unchanged shop produces an identical status and no write.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::ResourceExt;
use shopfleet_crds::{ConditionType, Phase, ShopInstance, ShopInstanceStatus};

use crate::children::Kind;
use crate::desired::{backup_status, volumes, Desired};
use crate::observe::Observed;
use crate::readiness::{verdict, workload, Verdict};
use crate::validate::ValidatedShop;

/// Why the shop cannot currently be reconciled, if it cannot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub reason: &'static str,
    pub message: String,
}

/// The verdict of every part of the shop, in `ConditionType` order: each backing service's
/// own, then the API's and the worker's.
fn parts(shop: &ValidatedShop, observed: &Observed, desired: &Desired) -> Vec<(ConditionType, Verdict)> {
    let owner = &shop.owner;
    let app = |component: &str, what: &str, replicas: i32| {
        if observed.job_condition(&desired.migration_job, "Failed") {
            return verdict(
                false,
                "MigrationFailed",
                format!("migration Job {} failed", desired.migration_job),
            );
        }
        if desired.rolled_version.as_deref() != Some(shop.version.as_str()) {
            return verdict(
                false,
                "Migrating",
                format!("waiting for migration Job {}", desired.migration_job),
            );
        }
        if replicas == 0 {
            return verdict(true, "ScaledToZero", format!("{what} has no replicas"));
        }
        workload(observed, Kind::Deployment, &owner.child_name(component), what, replicas)
    };
    let mut verdicts: Vec<_> =
        shop.backing().iter().map(|b| (b.condition(), b.readiness(owner, observed))).collect();
    verdicts.push((ConditionType::ApiReady, app("api", "API", shop.api_replicas.floor)));
    verdicts.push((ConditionType::WorkerReady, app("worker", "worker", shop.worker_replicas)));
    verdicts
}

/// Turns a verdict into a condition, keeping the previous transition time if unchanged.
fn condition(
    previous: &[Condition],
    type_: ConditionType,
    v: Verdict,
    generation: Option<i64>,
    now: &Time,
) -> Condition {
    let status = if v.ok { "True" } else { "False" };
    let last_transition_time = previous
        .iter()
        .find(|c| c.type_ == type_.as_str() && c.status == status)
        .map_or_else(|| now.clone(), |c| c.last_transition_time.clone());
    Condition {
        type_: type_.as_str().to_owned(),
        status: status.to_owned(),
        reason: v.reason.to_owned(),
        message: v.message,
        observed_generation: generation,
        last_transition_time,
    }
}

/// A shop that passed validation and the state built for it.
pub struct Built<'a> {
    pub shop: &'a ValidatedShop,
    pub desired: &'a Desired,
}

/// Inputs of a status computation besides the shop itself.
pub struct Inputs<'a> {
    pub observed: &'a Observed,
    /// The validated shop and its built state; `None` when the spec is invalid.
    pub built: Option<Built<'a>>,
    pub problem: Option<&'a Problem>,
    pub paused: bool,
    pub now: Time,
}

/// The status the shop should have.
pub fn compute(shop: &ShopInstance, inputs: Inputs) -> ShopInstanceStatus {
    let previous = shop.status.clone().unwrap_or_default();
    let generation = shop.metadata.generation;
    let mut verdicts = match &inputs.built {
        Some(built) => parts(built.shop, inputs.observed, built.desired),
        None => Vec::new(),
    };
    let desired = inputs.built.as_ref().map(|b| b.desired);
    let all_ready = !verdicts.is_empty() && verdicts.iter().all(|(_, v)| v.ok);
    let failing = verdicts.iter().find(|(_, v)| matches!(v.reason, "MigrationFailed" | "RolloutFailed"));
    let degraded = match (inputs.problem, failing) {
        (Some(p), _) => verdict(true, p.reason, p.message.clone()),
        (None, Some((_, v))) => verdict(true, v.reason, v.message.clone()),
        (None, None) => verdict(false, "AsExpected", "no problems"),
    };
    let not_ready: Vec<&str> = verdicts.iter().filter(|(_, v)| !v.ok).map(|(t, _)| t.as_str()).collect();
    let ready = if all_ready {
        verdict(true, "AllPartsReady", "every part of the shop is ready")
    } else if let Some(p) = inputs.problem {
        verdict(false, p.reason, p.message.clone())
    } else {
        verdict(false, "PartsNotReady", format!("not ready: {}", not_ready.join(", ")))
    };
    let progressing = if !all_ready && !degraded.ok && !inputs.paused {
        verdict(true, "Reconciling", "children are being created or rolled out")
    } else {
        verdict(false, "Idle", "nothing is rolling out")
    };
    let paused = if inputs.paused {
        verdict(true, "PausedByAnnotation", "shopfleet.dev/paused is \"true\"; children are not changed")
    } else {
        verdict(false, "Active", "the operator manages the shop's children")
    };
    let phase = if shop.metadata.deletion_timestamp.is_some() {
        Phase::Deleting
    } else if inputs.paused {
        Phase::Paused
    } else if degraded.ok {
        Phase::Degraded
    } else if all_ready {
        Phase::Ready
    } else {
        Phase::Progressing
    };
    verdicts.extend([
        (ConditionType::Ready, ready),
        (ConditionType::Progressing, progressing),
        (ConditionType::Degraded, degraded),
        (ConditionType::ReconciliationPaused, paused),
    ]);
    let conditions = verdicts
        .into_iter()
        .map(|(t, v)| condition(&previous.conditions, t, v, generation, &inputs.now))
        .collect();
    let api_name = format!("{}-api", shop.name_any());
    ShopInstanceStatus {
        phase: Some(phase),
        observed_generation: generation,
        endpoint: desired.map(|d| d.endpoint.clone()).or(previous.endpoint),
        version: desired.and_then(|d| d.rolled_version.clone()).or(previous.version),
        replicas: Some(
            inputs.observed.status_int(Kind::Deployment, &api_name, "readyReplicas").unwrap_or(0) as i32
        ),
        selector: desired.map(|d| d.api_selector.clone()).or(previous.selector),
        conditions,
        volumes: match &inputs.built {
            Some(built) => volumes::status(built.shop, inputs.observed, &built.desired.resizes),
            None => previous.volumes,
        },
        backup: backup_status(inputs.observed).or(previous.backup),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now(secs: i64) -> Time {
        Time(chrono::DateTime::from_timestamp(secs, 0).unwrap())
    }

    #[test]
    fn transition_time_moves_only_when_the_status_flips() {
        let previous =
            vec![condition(&[], ConditionType::Ready, verdict(false, "A", "a"), Some(1), &now(100))];
        let same = condition(
            &previous,
            ConditionType::Ready,
            verdict(false, "B", "reason changed"),
            Some(2),
            &now(200),
        );
        assert_eq!(same.last_transition_time, now(100));
        let flipped = condition(&previous, ConditionType::Ready, verdict(true, "C", "c"), Some(2), &now(300));
        assert_eq!(flipped.last_transition_time, now(300));
        assert_eq!(flipped.status, "True");
    }

    /// A spec the operator cannot build (one stored before a CRD rule existed: the API
    /// server now refuses such specs, so only this pure test can produce one) degrades the
    /// shop with the reason and the problems as message.
    #[test]
    fn an_invalid_spec_degrades_the_shop_with_its_problems() {
        let shop = crate::tests::fixtures::shop("broken", "{postgres: {mode: External}}");
        let problem =
            Problem { reason: "InvalidSpec", message: "spec.postgres.external is required".to_owned() };
        let inputs = Inputs {
            observed: &Observed::default(),
            built: None,
            problem: Some(&problem),
            paused: false,
            now: now(1),
        };
        let status = compute(&shop, inputs);
        assert_eq!(status.phase, Some(Phase::Degraded));
        let find = |t: ConditionType| status.conditions.iter().find(|c| c.type_ == t.as_str()).unwrap();
        let degraded = find(ConditionType::Degraded);
        assert_eq!((degraded.status.as_str(), degraded.reason.as_str()), ("True", "InvalidSpec"));
        assert_eq!(degraded.message, "spec.postgres.external is required");
        assert_eq!(
            (find(ConditionType::Ready).status.as_str(), find(ConditionType::Ready).reason.as_str()),
            ("False", "InvalidSpec")
        );
        assert_eq!(find(ConditionType::Progressing).status, "False");
    }
}
