//! The shop's status, computed from the children's real status: one condition per part,
//! `Ready` when all are, and a phase. A condition's `lastTransitionTime` moves only when its
//! status does, so an unchanged shop produces an identical status and no write.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::ResourceExt;
use shopfleet_crds::{
    ConditionType, KafkaMode, Phase, SearchMode, ServiceMode, ShopInstance, ShopInstanceStatus, VectorMode,
};

use crate::children::Kind;
use crate::objects::{api_replicas, Desired};
use crate::observe::Observed;

/// Why the shop cannot currently be reconciled, if it cannot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub reason: &'static str,
    pub message: String,
}

/// A condition's value before it gets its times.
struct Verdict {
    ok: bool,
    reason: &'static str,
    message: String,
}

fn verdict(ok: bool, reason: &'static str, message: impl Into<String>) -> Verdict {
    Verdict { ok, reason, message: message.into() }
}

/// Whether a StatefulSet or Deployment has all its replicas ready on the latest generation,
/// and at least `floor` of them: a Deployment whose `replicas` the autoscaler owns is
/// defaulted to 1 by the API server until the autoscaler raises it.
fn workload(observed: &Observed, kind: Kind, name: &str, what: &str, floor: i32) -> Verdict {
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

fn embedded(observed: &Observed, shop: &ShopInstance, component: &str, what: &str) -> Verdict {
    workload(observed, Kind::StatefulSet, &format!("{}-{component}", shop.name_any()), what, 1)
}

fn external(reason: &'static str, message: &str) -> Verdict {
    verdict(true, reason, message)
}

/// The verdict of every part of the shop, in `ConditionType` order.
fn parts(shop: &ShopInstance, observed: &Observed, desired: &Desired) -> Vec<(ConditionType, Verdict)> {
    let spec = &shop.spec;
    let postgres = match spec.postgres.mode {
        ServiceMode::Embedded => embedded(observed, shop, "postgres", "Postgres"),
        ServiceMode::External => external("External", "using the external Postgres"),
    };
    let redis = match spec.redis.mode {
        ServiceMode::Embedded => embedded(observed, shop, "redis", "Redis"),
        ServiceMode::External => external("External", "using the external Redis"),
    };
    let search = match spec.search.mode {
        SearchMode::Embedded => embedded(observed, shop, "meilisearch", "Meilisearch"),
        SearchMode::External => external("External", "using the external Meilisearch"),
        SearchMode::Postgres => external("PostgresFullText", "search runs in Postgres"),
    };
    let vector = match spec.vector.mode {
        VectorMode::Embedded => embedded(observed, shop, "qdrant", "Qdrant"),
        VectorMode::External => external("External", "using the external Qdrant"),
        VectorMode::InProcess => external("InProcess", "vectors are kept in-process"),
    };
    let kafka = match spec.kafka.mode {
        KafkaMode::Embedded => embedded(observed, shop, "kafka", "Kafka"),
        KafkaMode::External => external("External", "using the external Kafka brokers"),
        KafkaMode::Disabled => external("OutboxMode", "events are read from the Postgres outbox"),
    };
    let name = shop.name_any();
    let app = |component: &str, what: &str, replicas: i32| {
        if observed.job_condition(&desired.migration_job, "Failed") {
            return verdict(
                false,
                "MigrationFailed",
                format!("migration Job {} failed", desired.migration_job),
            );
        }
        if desired.rolled_version.as_deref() != Some(spec.version.as_str()) {
            return verdict(
                false,
                "Migrating",
                format!("waiting for migration Job {}", desired.migration_job),
            );
        }
        if replicas == 0 {
            return verdict(true, "ScaledToZero", format!("{what} has no replicas"));
        }
        workload(observed, Kind::Deployment, &format!("{name}-{component}"), what, replicas)
    };
    vec![
        (ConditionType::PostgresReady, postgres),
        (ConditionType::RedisReady, redis),
        (ConditionType::SearchReady, search),
        (ConditionType::VectorReady, vector),
        (ConditionType::KafkaReady, kafka),
        (ConditionType::ApiReady, app("api", "API", api_replicas(spec))),
        (ConditionType::WorkerReady, app("worker", "worker", spec.worker_replicas)),
    ]
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

/// Inputs of a status computation besides the shop itself.
pub struct Inputs<'a> {
    pub observed: &'a Observed,
    /// The built state; `None` when the spec is invalid.
    pub desired: Option<&'a Desired>,
    pub problem: Option<&'a Problem>,
    pub paused: bool,
    pub now: Time,
}

/// The status the shop should have.
pub fn compute(shop: &ShopInstance, inputs: Inputs) -> ShopInstanceStatus {
    let previous = shop.status.clone().unwrap_or_default();
    let generation = shop.metadata.generation;
    let mut verdicts = match inputs.desired {
        Some(desired) => parts(shop, inputs.observed, desired),
        None => Vec::new(),
    };
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
        endpoint: inputs.desired.map(|d| d.endpoint.clone()).or(previous.endpoint),
        version: inputs.desired.and_then(|d| d.rolled_version.clone()).or(previous.version),
        replicas: Some(
            inputs.observed.status_int(Kind::Deployment, &api_name, "readyReplicas").unwrap_or(0) as i32
        ),
        selector: inputs.desired.map(|d| d.api_selector.clone()).or(previous.selector),
        conditions,
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
            desired: None,
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
