//! Kafka delegated to Strimzi: the `kafka.strimzi.io/v1` Kafka `<shop>-kafka` (KRaft, one
//! node pool whose nodes are both controllers and brokers, a SCRAM-SHA-512 internal
//! listener, simple authorization, the entity operator), a KafkaTopic per event aggregate
//! (`<prefix>.<aggregate>`, partitions from the spec) and the KafkaUser `<shop>-events`
//! allowed exactly the shop's topics and consumer groups. Strimzi makes the bootstrap
//! Service and the user's password Secret, which the API and worker use
//! (`crate::backing::kafka`), and reports readiness on the Kafka and the user.
//!
//! These objects carry the component label `strimzi`, so whatever Strimzi copies their
//! labels onto is never taken for one of the shop's own data services. Under
//! `deletionPolicy: Retain` they have no owner reference and outlive the shop.

use serde_json::{json, Value};
use shopfleet_crds::{DeletionPolicy, StrimziSpec};
use shopfleet_env_names::EVENT_AGGREGATES;

use crate::backing::kafka::{strimzi_cluster, strimzi_user, Kafka, PORT};
use crate::children::{Child, Kind};
use crate::validate::ValidatedShop;

/// Component label of the Strimzi objects.
const COMPONENT: &str = "strimzi";
/// Topic prefix the worker uses (its `KAFKA_TOPIC_PREFIX` default; the operator sets none).
const TOPIC_PREFIX: &str = "shopfleet";
/// Consumer group prefix the worker uses (its `KAFKA_GROUP_PREFIX` default).
const GROUP_PREFIX: &str = "shopfleet-worker";

fn metadata(shop: &ValidatedShop, name: String, labels: Value) -> Value {
    let mut meta = shop.owner.meta(name, COMPONENT);
    if shop.deletion_policy == DeletionPolicy::Retain {
        meta.owner_references = None;
    }
    let mut meta = serde_json::to_value(meta).expect("metadata serialises");
    if let (Some(all), Some(extra)) = (meta["labels"].as_object_mut(), labels.as_object()) {
        all.extend(extra.clone());
    }
    meta
}

fn object(shop: &ValidatedShop, kind: &str, name: String, labels: Value, spec: Value) -> Value {
    json!({"apiVersion": "kafka.strimzi.io/v1", "kind": kind, "metadata": metadata(shop, name, labels), "spec": spec})
}

/// The Kafka, its node pool, the topics and the user; nothing unless Kafka is delegated.
pub fn objects(shop: &ValidatedShop) -> Vec<Child> {
    let Kafka::Strimzi(spec, nodes) = &shop.kafka else { return vec![] };
    let StrimziSpec { replicas, version, partitions } = spec;
    let cluster = strimzi_cluster(&shop.owner);
    let of_cluster = json!({"strimzi.io/cluster": cluster});
    let replication = (*replicas).min(3);
    let mut kafka = json!({
        "listeners": [{"name": "scram", "port": PORT, "type": "internal", "tls": false,
                       "authentication": {"type": "scram-sha-512"}}],
        "authorization": {"type": "simple"},
        "config": {
            "default.replication.factor": replication,
            "offsets.topic.replication.factor": replication,
            "transaction.state.log.replication.factor": replication,
            "min.insync.replicas": (replication - 1).max(1),
            "transaction.state.log.min.isr": (replication - 1).max(1),
        },
    });
    if let Some(version) = version {
        kafka["version"] = json!(version);
    }
    let mut storage = json!({"type": "persistent-claim", "size": nodes.storage.size,
                             "deleteClaim": shop.deletion_policy == DeletionPolicy::Delete});
    if let Some(class) = &nodes.storage.storage_class_name {
        storage["class"] = json!(class);
    }
    let mut pool = json!({"replicas": replicas, "roles": ["controller", "broker"], "storage": storage});
    if let Some(resources) = &nodes.resources {
        pool["resources"] = serde_json::to_value(resources).expect("resources serialise");
    }
    let topics = EVENT_AGGREGATES.iter().map(|aggregate| {
        let spec = json!({"topicName": format!("{TOPIC_PREFIX}.{aggregate}"), "partitions": partitions,
                          "replicas": replication});
        let name = shop.owner.child_name(&format!("events-{aggregate}"));
        Child::of(Kind::StrimziTopic, object(shop, "KafkaTopic", name, of_cluster.clone(), spec))
    });
    let acl = |type_: &str, name: &str, operations: &[&str]| json!({"resource": {"type": type_, "name": name, "patternType": "prefix"}, "operations": operations});
    let user = json!({
        "authentication": {"type": "scram-sha-512"},
        "authorization": {"type": "simple", "acls": [
            acl("topic", &format!("{TOPIC_PREFIX}."), &["Describe", "Read", "Write", "Create"]),
            acl("group", GROUP_PREFIX, &["Describe", "Read"]),
        ]},
    });
    let mut children = vec![
        Child::of(
            Kind::StrimziNodePool,
            object(shop, "KafkaNodePool", shop.owner.child_name("kafka-nodes"), of_cluster.clone(), pool),
        ),
        Child::of(
            Kind::StrimziKafka,
            object(
                shop,
                "Kafka",
                cluster,
                json!({}),
                json!({"kafka": kafka, "entityOperator": {"topicOperator": {}, "userOperator": {}}}),
            ),
        ),
    ];
    children.extend(topics);
    children.push(Child::of(
        Kind::StrimziUser,
        object(shop, "KafkaUser", strimzi_user(&shop.owner), of_cluster, user),
    ));
    children
}
