//! Postgres delegated to CloudNativePG: the `postgresql.cnpg.io/v1` Cluster `<shop>-postgres`
//! (instances, storage, resources, the shop's database and owner from `initdb`, optional
//! Barman backups to an S3-compatible bucket) and its ScheduledBackup. CloudNativePG makes
//! the `-rw` Service and the `-app` Secret the API, worker and migrations use
//! (`crate::backing`), and reports readiness on the Cluster.
//!
//! Under `deletionPolicy: Retain` the Cluster has no owner reference, so it (and the
//! volumes CloudNativePG gives it) outlives the shop; under `Delete` the shop owns it.

use serde_json::{json, Value};
use shopfleet_crds::{CloudNativePgSpec, DeletionPolicy};

use crate::backing::postgres::USER;
use crate::backing::Server;
use crate::children::{Child, Kind};
use crate::validate::ValidatedShop;

/// Label CloudNativePG puts on a Cluster's pods.
pub const CLUSTER_LABEL: &str = "cnpg.io/cluster";

/// The shop's CloudNativePG settings, when it delegates Postgres.
fn delegated(shop: &ValidatedShop) -> Option<(&CloudNativePgSpec, &crate::backing::Embedded)> {
    match &shop.postgres.server {
        Server::CloudNativePg(spec, embedded) => Some((spec, embedded)),
        _ => None,
    }
}

/// Name of the Cluster.
pub fn cluster_name(shop: &ValidatedShop) -> String {
    shop.owner.child_name("postgres")
}

/// Metadata of a CloudNativePG object of the shop.
fn metadata(shop: &ValidatedShop, name: String) -> Value {
    let mut meta = shop.owner.meta(name, "postgres");
    if shop.deletion_policy == DeletionPolicy::Retain {
        meta.owner_references = None;
    }
    serde_json::to_value(meta).expect("metadata serialises")
}

/// The Cluster and, with backups, its ScheduledBackup; nothing unless Postgres is delegated.
pub fn objects(shop: &ValidatedShop) -> Vec<Child> {
    let Some((spec, embedded)) = delegated(shop) else { return vec![] };
    let name = cluster_name(shop);
    let mut cluster = json!({
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "Cluster",
        "metadata": metadata(shop, name.clone()),
        "spec": {
            "instances": spec.instances,
            "enableSuperuserAccess": false,
            "storage": {"size": embedded.storage.size},
            "bootstrap": {"initdb": {"database": shop.postgres.database, "owner": USER}},
        },
    });
    let cluster_spec = &mut cluster["spec"];
    if let Some(class) = &embedded.storage.storage_class_name {
        cluster_spec["storage"]["storageClass"] = json!(class);
    }
    if let Some(image) = &spec.image_name {
        cluster_spec["imageName"] = json!(image);
    }
    if let Some(resources) = &embedded.resources {
        cluster_spec["resources"] = serde_json::to_value(resources).expect("resources serialise");
    }
    let mut children = vec![];
    if let Some(backup) = &spec.backup {
        let key = |key: &str| json!({"name": backup.credentials_secret, "key": key});
        let mut store = json!({
            "destinationPath": backup.destination_path,
            "s3Credentials": {"accessKeyId": key("access-key-id"), "secretAccessKey": key("secret-access-key")},
        });
        if let Some(endpoint) = &backup.endpoint_url {
            store["endpointURL"] = json!(endpoint);
        }
        cluster_spec["backup"] =
            json!({"barmanObjectStore": store, "retentionPolicy": backup.retention_policy});
        children.push(Child::of(
            Kind::CnpgScheduledBackup,
            json!({
                "apiVersion": "postgresql.cnpg.io/v1",
                "kind": "ScheduledBackup",
                "metadata": metadata(shop, shop.owner.child_name("postgres-backup")),
                "spec": {
                    "schedule": backup.schedule,
                    "cluster": {"name": name},
                    "method": "barmanObjectStore",
                    "backupOwnerReference": "self",
                },
            }),
        ));
    }
    children.insert(0, Child::of(Kind::CnpgCluster, cluster));
    children
}
