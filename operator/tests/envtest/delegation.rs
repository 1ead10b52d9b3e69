//! Postgres delegated to CloudNativePG, on the real API server with CloudNativePG's CRDs
//! installed (from `../shared/crds`): the Cluster and ScheduledBackup the shop asks for,
//! the API pointed at CloudNativePG's Service and Secret, readiness read from the Cluster's
//! own status (played here, as the tests play the workload controllers), the mode fixed
//! once the shop exists, and deletion taking the Cluster along under `deletionPolicy: Delete`.

use std::sync::Arc;

use kube::api::{DeleteParams, Patch, PatchParams};
use serde_json::json;
use shopfleet_crds::{ConditionType, Phase};
use shopfleet_operator::children::Kind;
use shopfleet_operator::context::Context;
use shopfleet_operator::reconcile::reconcile;

use crate::support::{install_third_party_crds, Env};

/// The status of condition `type_` of shop `name`: (status, reason).
async fn condition(env: &Env, name: &str, type_: ConditionType) -> (String, String) {
    let status = env.shop(name).await.status.expect("status written");
    let c = status.conditions.iter().find(|c| c.type_ == type_.as_str()).expect("condition present");
    (c.status.clone(), c.reason.clone())
}

/// Reconciles shop `name` and plays the workload controllers until it is Ready.
async fn converge(env: &Env, name: &str, ctx: &Arc<Context>) {
    for _ in 0..6 {
        reconcile(Arc::new(env.shop(name).await), ctx.clone()).await.expect("reconciles");
        if env.shop(name).await.status.and_then(|s| s.phase) == Some(Phase::Ready) {
            return;
        }
        env.simulate_cluster().await;
    }
    panic!("shop {name} did not become Ready: {:#?}", env.shop(name).await.status);
}

#[tokio::test]
async fn a_shop_delegates_postgres_to_a_cloudnative_pg_cluster() {
    let env = Env::new("cloudnative-pg").await;
    install_third_party_crds(&env.client, "cloudnative-pg").await;
    let ctx = Arc::new(Context::new(env.client.clone(), Some("test".to_owned())).with_cloudnative_pg(true));
    let spec = "{postgres: {mode: CloudNativePG, storage: {size: 20Gi}, cloudNativePG: {instances: 3,
        backup: {schedule: '0 0 3 * * *', destinationPath: 's3://backups/pg', credentialsSecret: s3}}},
        deletionPolicy: Delete}";
    env.create_shop("pg", spec).await;
    let reconcile_pg =
        || async { reconcile(Arc::new(env.shop("pg").await), ctx.clone()).await.expect("reconciles") };
    reconcile_pg().await; // the finalizer
    reconcile_pg().await;

    let cluster = env.child(Kind::CnpgCluster, "pg-postgres").await.expect("a CloudNativePG Cluster");
    assert_eq!(cluster.data["spec"]["instances"], 3);
    assert_eq!(cluster.data["spec"]["storage"]["size"], "20Gi");
    assert_eq!(
        cluster.data["spec"]["bootstrap"]["initdb"],
        json!({"database": "shopfleet", "owner": "shopfleet"})
    );
    assert_eq!(cluster.data["spec"]["backup"]["barmanObjectStore"]["destinationPath"], "s3://backups/pg");
    let backup = env.child(Kind::CnpgScheduledBackup, "pg-postgres-backup").await.expect("a ScheduledBackup");
    assert_eq!(backup.data["spec"]["cluster"]["name"], "pg-postgres");
    assert!(!env.names(Kind::StatefulSet).await.contains(&"pg-postgres".to_owned()), "no embedded Postgres");
    assert!(
        !env.names(Kind::Secret).await.contains(&"pg-postgres".to_owned()),
        "CloudNativePG makes the credentials"
    );

    // The migration Job (and later the API and worker) reach the primary through
    // CloudNativePG's read-write Service with the credentials of its app Secret.
    let job =
        env.api(Kind::Job).list(&Default::default()).await.unwrap().items.pop().expect("a migration Job");
    let env_vars = job.data["spec"]["template"]["spec"]["containers"][0]["env"].to_string();
    assert!(env_vars.contains("@pg-postgres-rw:5432/shopfleet"), "{env_vars}");
    assert!(env_vars.contains(r#""name":"pg-postgres-app""#), "{env_vars}");

    reconcile_pg().await; // observes the Cluster it created
    assert_eq!(
        condition(&env, "pg", ConditionType::PostgresReady).await,
        ("False".to_owned(), "ClusterNotReady".to_owned())
    );
    let healthy = json!({"status": {"phase": "Cluster in healthy state", "instances": 3, "readyInstances": 3,
        "conditions": [{"type": "Ready", "status": "True", "reason": "ClusterIsReady", "message": "Cluster is Ready",
                        "lastTransitionTime": "2026-12-04T12:00:00Z"}]}});
    env.api(Kind::CnpgCluster)
        .patch_status("pg-postgres", &PatchParams::default(), &Patch::Merge(&healthy))
        .await
        .unwrap();
    converge(&env, "pg", &ctx).await;
    assert_eq!(env.shop("pg").await.status.and_then(|s| s.phase), Some(Phase::Ready));
    assert_eq!(
        condition(&env, "pg", ConditionType::PostgresReady).await,
        ("True".to_owned(), "ClusterReady".to_owned())
    );

    // Switching a live shop to the embedded Postgres is refused at admission.
    let switch = json!({"spec": {"postgres": {"mode": "Embedded", "cloudNativePG": null}}});
    let error = env.shops().patch("pg", &PatchParams::default(), &Patch::Merge(&switch)).await.unwrap_err();
    assert!(error.to_string().contains("mode cannot change on a live shop"), "{error}");

    // Deleting the shop (deletionPolicy: Delete) takes the Cluster with it.
    env.shops().delete("pg", &DeleteParams::default()).await.unwrap();
    reconcile_pg().await; // the finalizer's cleanup
    env.eventually(30, "the Cluster and ScheduledBackup are gone", || async {
        env.child(Kind::CnpgCluster, "pg-postgres").await.is_none()
            && env.child(Kind::CnpgScheduledBackup, "pg-postgres-backup").await.is_none()
    })
    .await;
}

#[tokio::test]
async fn a_shop_delegates_kafka_to_strimzi_with_its_own_topics_and_user() {
    let env = Env::new("strimzi").await;
    install_third_party_crds(&env.client, "strimzi").await;
    let ctx = Arc::new(Context::new(env.client.clone(), Some("test".to_owned())).with_strimzi(true));
    env.create_shop(
        "ev",
        "{kafka: {mode: Strimzi, strimzi: {replicas: 3, partitions: 6}}, deletionPolicy: Delete}",
    )
    .await;
    let reconcile_ev =
        || async { reconcile(Arc::new(env.shop("ev").await), ctx.clone()).await.expect("reconciles") };
    for _ in 0..3 {
        reconcile_ev().await;
    }

    let kafka = env.child(Kind::StrimziKafka, "ev-kafka").await.expect("a Strimzi Kafka");
    let listener = &kafka.data["spec"]["kafka"]["listeners"][0];
    assert_eq!(listener["authentication"]["type"], "scram-sha-512");
    assert_eq!(kafka.data["spec"]["kafka"]["config"]["min.insync.replicas"], 2);
    let pool = env.child(Kind::StrimziNodePool, "ev-kafka-nodes").await.expect("a KafkaNodePool");
    assert_eq!(pool.data["spec"]["replicas"], 3);
    assert_eq!(pool.metadata.labels.as_ref().unwrap()["strimzi.io/cluster"], "ev-kafka");
    let topics = env.names(Kind::StrimziTopic).await;
    assert_eq!(topics.len(), shopfleet_env_names::EVENT_AGGREGATES.len(), "{topics:?}");
    let orders = env.child(Kind::StrimziTopic, "ev-events-order").await.expect("the order topic");
    assert_eq!(
        (&orders.data["spec"]["topicName"], &orders.data["spec"]["partitions"]),
        (&json!("shopfleet.order"), &json!(6))
    );
    let user = env.child(Kind::StrimziUser, "ev-events").await.expect("a KafkaUser");
    assert_eq!(user.data["spec"]["authentication"]["type"], "scram-sha-512");
    assert!(!env.names(Kind::StatefulSet).await.contains(&"ev-kafka".to_owned()), "no embedded broker");

    // The API and worker log in as that user, with the password from Strimzi's Secret.
    let config = env.child(Kind::ConfigMap, "ev-config").await.unwrap().data["data"].clone();
    assert_eq!(config["KAFKA_BROKERS"], "ev-kafka-kafka-bootstrap:9092");
    assert_eq!(
        (&config["KAFKA_SECURITY_PROTOCOL"], &config["KAFKA_SASL_USERNAME"]),
        (&json!("SASL_PLAINTEXT"), &json!("ev-events"))
    );
    let job =
        env.api(Kind::Job).list(&Default::default()).await.unwrap().items.pop().expect("a migration Job");
    let env_vars = job.data["spec"]["template"]["spec"]["containers"][0]["env"].to_string();
    assert!(env_vars.contains(r#""name":"KAFKA_SASL_PASSWORD","valueFrom":{"secretKeyRef":{"name":"ev-events","key":"password"}}"#), "{env_vars}");

    // KafkaReady follows Strimzi: the Kafka first, then the user.
    assert_eq!(condition(&env, "ev", ConditionType::KafkaReady).await.1, "KafkaNotReady");
    let ready = json!({"status": {"conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2026-12-04T12:00:00Z"}]}});
    env.api(Kind::StrimziKafka)
        .patch_status("ev-kafka", &PatchParams::default(), &Patch::Merge(&ready))
        .await
        .unwrap();
    reconcile_ev().await;
    assert_eq!(condition(&env, "ev", ConditionType::KafkaReady).await.1, "KafkaUserNotReady");
    env.api(Kind::StrimziUser)
        .patch_status("ev-events", &PatchParams::default(), &Patch::Merge(&ready))
        .await
        .unwrap();
    converge(&env, "ev", &ctx).await;
    assert_eq!(
        condition(&env, "ev", ConditionType::KafkaReady).await,
        ("True".to_owned(), "StrimziReady".to_owned())
    );
    assert_eq!(env.shop("ev").await.status.and_then(|s| s.phase), Some(Phase::Ready));

    // What Strimzi makes from the Kafka (here: a Service carrying the shop's labels, owned
    // by the Kafka) is Strimzi's, never pruned by the shop.
    let bootstrap: kube::api::DynamicObject = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "ev-kafka-kafka-bootstrap", "labels": kafka.metadata.labels,
            "ownerReferences": [{"apiVersion": "kafka.strimzi.io/v1", "kind": "Kafka", "name": "ev-kafka",
                                  "uid": kafka.metadata.uid, "controller": true}]},
        "spec": {"ports": [{"name": "scram", "port": 9092}], "selector": {"strimzi.io/cluster": "ev-kafka"}}}))
    .unwrap();
    env.api(Kind::Service).create(&Default::default(), &bootstrap).await.unwrap();
    reconcile_ev().await;
    assert!(env
        .child(Kind::Service, "ev-kafka-kafka-bootstrap")
        .await
        .is_some_and(|s| s.metadata.deletion_timestamp.is_none()));

    env.shops().delete("ev", &DeleteParams::default()).await.unwrap();
    reconcile_ev().await;
    env.eventually(30, "the Strimzi objects are gone", || async {
        env.child(Kind::StrimziKafka, "ev-kafka").await.is_none()
            && env.names(Kind::StrimziTopic).await.is_empty()
    })
    .await;
}
