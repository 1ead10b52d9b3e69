//! One reconcile of one shop: finalizer, then observe → decide `Auto` modes → validate →
//! build → apply → prune → status, with Events on transitions. The only writes are apply, prune, status, Events and
//! (on deletion with `deletionPolicy: Delete`) removal of the data volume claims.

use std::sync::Arc;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams};
use kube::runtime::controller::Action;
use kube::runtime::events::{Event, EventType};
use kube::runtime::finalizer::{finalizer, Event as Finalizing};
use kube::{Resource, ResourceExt};
use shopfleet_crds::{DeletionPolicy, Phase, ShopInstance, ShopInstanceStatus, PAUSED_ANNOTATION};

use crate::apply;
use crate::context::Context;
use crate::decide::decide;
use crate::desired::{build, config, secret_values};
use crate::error::Error;
use crate::objects::meta::{children_selector, Owner, MANAGER};
use crate::objects::secrets::OsRandomness;
use crate::observe::Observed;
use crate::status::{self, Built, Inputs, Problem};
use crate::validate::validate;

/// Finalizer that lets the operator clean up before a shop disappears.
pub const FINALIZER: &str = "shopfleet.dev/cleanup";
/// Re-check interval of a ready shop (children changes trigger reconciles sooner).
const READY_REQUEUE: Duration = Duration::from_secs(300);
/// Re-check interval while a shop converges.
const CONVERGING_REQUEUE: Duration = Duration::from_secs(15);

/// What the controller does after a failed reconcile: count it and retry with a per-shop
/// exponential backoff.
pub fn error_policy(shop: Arc<ShopInstance>, error: &Error, ctx: Arc<Context>) -> Action {
    tracing::warn!(shop = %shop.name_any(), reason = error.reason(), %error, "reconcile failed");
    crate::metrics::failed(error.reason());
    let key = format!("{}/{}", shop.namespace().unwrap_or_default(), shop.name_any());
    Action::requeue(ctx.backoff(&key))
}

/// Reconciles one shop; the entry point the controller calls.
pub async fn reconcile(shop: Arc<ShopInstance>, ctx: Arc<Context>) -> Result<Action, Error> {
    let started = Instant::now();
    let namespace = shop.namespace().unwrap_or_default();
    let key = format!("{namespace}/{}", shop.name_any());
    let api: Api<ShopInstance> = Api::namespaced(ctx.client.clone(), &namespace);
    let result = finalizer(&api, FINALIZER, shop, |event| async {
        match event {
            Finalizing::Apply(shop) => converge(&shop, &ctx).await,
            Finalizing::Cleanup(shop) => cleanup(&shop, &ctx).await,
        }
    })
    .await
    .map_err(|e| Error::Finalizer(Box::new(e)));
    crate::metrics::reconciled(started.elapsed());
    if result.is_ok() {
        ctx.succeeded(&key);
    }
    result
}

/// True when the pause annotation is set to "true".
fn is_paused(shop: &ShopInstance) -> bool {
    shop.annotations().get(PAUSED_ANNOTATION).is_some_and(|v| v == "true")
}

async fn converge(shop: &ShopInstance, ctx: &Context) -> Result<Action, Error> {
    let owner = Owner::of(shop);
    let mut observed =
        Observed::fetch(&ctx.client, &owner.namespace, &owner.name).await.map_err(Error::Read)?;
    let now = Time(chrono::Utc::now());

    let decided = decide(shop, &observed, ctx.delegates());
    let valid = match validate(&decided, &ctx.registry) {
        Ok(valid) => valid,
        Err(problems) => {
            let problem = Problem { reason: "InvalidSpec", message: problems.join("; ") };
            let inputs = Inputs {
                observed: &observed,
                built: None,
                problem: Some(&problem),
                paused: is_paused(shop),
                now,
            };
            write_status(shop, ctx, status::compute(shop, inputs)).await?;
            return Ok(Action::await_change());
        }
    };

    observed
        .read_user_secrets(&ctx.client, &owner.namespace, config::user_secrets(&valid))
        .await
        .map_err(Error::Read)?;
    let values = secret_values(&valid, &observed, &mut OsRandomness);
    let desired = build(&valid, &observed, &values);
    let built = || Some(Built { shop: &valid, desired: &desired });
    let paused = is_paused(shop);
    if !paused {
        let changes = apply::apply(&ctx.client, &owner.namespace, &desired.children, &observed).await;
        let changes = match changes {
            Ok(applied) => {
                apply::prune(&ctx.client, &owner, &desired.children, &observed).await.map(|p| (applied, p))
            }
            Err(e) => Err(e),
        };
        let changes = match changes {
            Ok(done) => apply::expand(&ctx.client, &owner.namespace, &desired.resizes).await.map(|_| done),
            Err(e) => Err(e),
        };
        if let Err(error) = changes {
            let problem = Problem { reason: error.reason(), message: error.to_string() };
            let inputs = Inputs { observed: &observed, built: built(), problem: Some(&problem), paused, now };
            write_status(shop, ctx, status::compute(shop, inputs)).await?;
            return Err(error);
        }
    }
    let inputs = Inputs { observed: &observed, built: built(), problem: None, paused, now };
    let status = status::compute(shop, inputs);
    // A volume still expanding is watched as closely as a shop converging.
    let ready = status.phase == Some(Phase::Ready) && !status.volumes.iter().any(|v| v.resizing);
    write_status(shop, ctx, status).await?;
    Ok(Action::requeue(if ready { READY_REQUEUE } else { CONVERGING_REQUEUE }))
}

/// Writes `status` with server-side apply when it differs from the stored one, and
/// records an Event when the phase changes.
async fn write_status(shop: &ShopInstance, ctx: &Context, status: ShopInstanceStatus) -> Result<(), Error> {
    let previous = shop.status.clone().unwrap_or_default();
    if previous == status {
        return Ok(());
    }
    if previous.phase != status.phase {
        publish_transition(shop, ctx, &status).await;
    }
    let api: Api<ShopInstance> = Api::namespaced(ctx.client.clone(), &shop.namespace().unwrap_or_default());
    let patch = serde_json::json!({
        "apiVersion": ShopInstance::api_version(&()),
        "kind": ShopInstance::kind(&()),
        "status": status,
    });
    api.patch_status(&shop.name_any(), &PatchParams::apply(MANAGER).force(), &Patch::Apply(&patch))
        .await
        .map_err(Error::Status)?;
    Ok(())
}

/// An Event for a phase change; failures to record are logged, never fatal.
async fn publish_transition(shop: &ShopInstance, ctx: &Context, status: &ShopInstanceStatus) {
    let phase = status.phase.unwrap_or(Phase::Progressing);
    let degraded = status.conditions.iter().find(|c| c.type_ == "Degraded" && c.status == "True");
    let (type_, reason, note) = match (phase, degraded) {
        (Phase::Degraded, Some(c)) => (EventType::Warning, c.reason.clone(), c.message.clone()),
        (phase, _) => (EventType::Normal, format!("{phase:?}"), format!("shop is now {phase:?}")),
    };
    let event = Event {
        type_,
        reason,
        note: Some(event_note(note)),
        action: "Reconcile".to_owned(),
        secondary: None,
    };
    if let Err(e) = ctx.recorder.publish(&event, &shop.object_ref(&())).await {
        tracing::warn!(error = %e, "failed to publish event");
    }
}

/// The API server refuses an Event whose note is longer than this many bytes.
const EVENT_NOTE_LIMIT: usize = 1024;

/// `note` cut to what an Event may carry (an error from the API server can be longer, and
/// the whole Event would be refused), ending in "…" when cut.
fn event_note(mut note: String) -> String {
    if note.len() <= EVENT_NOTE_LIMIT {
        return note;
    }
    let mut end = EVENT_NOTE_LIMIT - '…'.len_utf8();
    while !note.is_char_boundary(end) {
        end -= 1;
    }
    note.truncate(end);
    note.push('…');
    note
}

/// Runs before the shop is removed: children go with it through owner references; volume
/// claims are deleted too when `deletionPolicy` is `Delete`.
async fn cleanup(shop: &ShopInstance, ctx: &Context) -> Result<Action, Error> {
    let namespace = shop.namespace().unwrap_or_default();
    if shop.spec.deletion_policy == DeletionPolicy::Delete {
        let api: Api<PersistentVolumeClaim> = Api::namespaced(ctx.client.clone(), &namespace);
        let claims = api
            .list(&ListParams::default().labels(&children_selector(&shop.name_any())))
            .await
            .map_err(Error::Cleanup)?;
        for claim in claims {
            match api.delete(&claim.name_any(), &DeleteParams::default()).await {
                Ok(_) => {}
                Err(kube::Error::Api(e)) if e.code == 404 => {}
                Err(e) => return Err(Error::Cleanup(e)),
            }
        }
    }
    let note = match shop.spec.deletion_policy {
        DeletionPolicy::Delete => "shop deleted with its data volumes",
        DeletionPolicy::Retain => "shop deleted; data volumes retained",
    };
    let event = Event {
        type_: EventType::Normal,
        reason: "Deleted".to_owned(),
        note: Some(note.to_owned()),
        action: "Cleanup".to_owned(),
        secondary: None,
    };
    if let Err(e) = ctx.recorder.publish(&event, &shop.object_ref(&())).await {
        tracing::warn!(error = %e, "failed to publish event");
    }
    Ok(Action::await_change())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_note_is_cut_to_what_the_api_server_accepts() {
        assert_eq!(event_note("short".into()), "short");
        let exact = "a".repeat(EVENT_NOTE_LIMIT);
        assert_eq!(event_note(exact.clone()), exact);
        let long = "é".repeat(EVENT_NOTE_LIMIT); // two bytes each
        let cut = event_note(long);
        assert!(cut.len() <= EVENT_NOTE_LIMIT, "{}", cut.len());
        assert!(cut.len() > EVENT_NOTE_LIMIT - 8, "{}", cut.len());
        assert!(cut.ends_with('…'));
        assert!(cut.trim_end_matches('…').chars().all(|c| c == 'é'));
    }
}
