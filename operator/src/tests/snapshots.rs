//! Snapshots of everything `build` produces for representative specs, plus the structural
//! facts each spec must show regardless of the snapshot.

use std::collections::BTreeSet;

use shopfleet_env_names as var;

use crate::children::Kind;
use crate::desired::{build, secret_values};

use super::fixtures::{converged, shop, specs};

#[test]
fn built_objects_match_snapshots() {
    for (name, spec) in specs() {
        let desired = converged(&shop("shop", spec));
        let objects: Vec<_> = desired.children.iter().map(|c| &c.object).collect();
        insta::assert_yaml_snapshot!(name, objects);
    }
}

fn kinds_and_names(spec: &str) -> BTreeSet<(Kind, String)> {
    converged(&shop("shop", spec)).children.iter().map(|c| (c.kind, c.name().to_owned())).collect()
}

#[test]
fn minimal_spec_embeds_every_service() {
    let objects = kinds_and_names("{}");
    for component in ["postgres", "redis", "meilisearch", "qdrant", "kafka"] {
        assert!(objects.contains(&(Kind::StatefulSet, format!("shop-{component}"))), "{component}");
        assert!(objects.contains(&(Kind::Service, format!("shop-{component}"))), "{component}");
        assert!(objects.contains(&(Kind::NetworkPolicy, format!("shop-{component}"))), "{component}");
    }
    assert!(objects.contains(&(Kind::Deployment, "shop-api".to_owned())));
    assert!(!objects
        .iter()
        .any(|(k, _)| matches!(k, Kind::PodDisruptionBudget | Kind::HorizontalPodAutoscaler)));
}

#[test]
fn external_and_disabled_services_are_not_run() {
    let external = kinds_and_names(specs()[1].1);
    assert!(!external.iter().any(|(k, _)| *k == Kind::StatefulSet));
    assert!(!external.contains(&(Kind::Secret, "shop-postgres".to_owned())));
    let lean = kinds_and_names(specs()[2].1);
    let statefulsets: Vec<_> =
        lean.iter().filter(|(k, _)| *k == Kind::StatefulSet).map(|(_, n)| n.as_str()).collect();
    assert_eq!(statefulsets, ["shop-postgres", "shop-redis"]);
}

#[test]
fn autoscaling_owns_api_replicas_and_budgets_appear_above_one_replica() {
    let desired = converged(&shop("shop", specs()[3].1));
    let api = desired.children.iter().find(|c| c.kind == Kind::Deployment && c.name() == "shop-api").unwrap();
    assert!(api.object.data["spec"].get("replicas").is_none(), "the HPA owns replicas");
    let names: BTreeSet<_> = desired.children.iter().map(|c| (c.kind, c.name().to_owned())).collect();
    assert!(names.contains(&(Kind::HorizontalPodAutoscaler, "shop-api".to_owned())));
    assert!(names.contains(&(Kind::PodDisruptionBudget, "shop-api".to_owned())));
    assert!(names.contains(&(Kind::PodDisruptionBudget, "shop-worker".to_owned())));
}

#[test]
fn api_and_worker_wait_for_the_migration() {
    let shop = shop("shop", "{}");
    let valid = super::fixtures::valid(&shop);
    let secrets = secret_values(&valid, &Default::default(), &mut super::fixtures::Fixed);
    let before = build(&valid, &Default::default(), &secrets);
    assert!(before.children.iter().all(|c| c.kind != Kind::Deployment));
    assert_eq!(before.rolled_version, None);
    let after = converged(&shop);
    assert_eq!(after.rolled_version.as_deref(), Some(shop.spec.version.as_str()));
    assert_eq!(after.children.iter().filter(|c| c.kind == Kind::Deployment).count(), 2);
}

#[test]
fn secrets_only_by_reference_and_urls_by_interpolation() {
    for (name, spec) in specs() {
        let desired = converged(&shop("shop", spec));
        for (_, workload, pod) in super::fixtures::pod_specs(&desired.children) {
            for container in pod["containers"].as_array().unwrap() {
                for var in container["env"].as_array().into_iter().flatten() {
                    let n = var["name"].as_str().unwrap();
                    let secretish = ["PASSWORD", "SECRET", "KEY", "SMTP_URL"].iter().any(|s| n.contains(s));
                    if secretish {
                        assert!(
                            var["valueFrom"]["secretKeyRef"].is_object(),
                            "{name}/{workload}: {n} must be a secretKeyRef"
                        );
                    }
                    if n == var::DATABASE_URL || n == var::REDIS_URL {
                        assert!(
                            var["value"].as_str().unwrap().contains("$("),
                            "{name}/{workload}: {n} interpolates"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn scheduled_backups_run_pg_dump_from_a_cron_job_onto_their_own_volume() {
    let objects = kinds_and_names("{postgres: {backup: {schedule: '0 3 * * *'}}}");
    assert!(objects.contains(&(Kind::CronJob, "shop-backup".to_owned())));
    assert!(objects.contains(&(Kind::PersistentVolumeClaim, "shop-backups".to_owned())));
    assert!(!kinds_and_names("{}").iter().any(|(kind, _)| *kind == Kind::CronJob));
}

#[test]
fn a_restored_shop_migrates_only_after_its_restore_job_succeeded() {
    use crate::observe::Observed;
    use crate::tests::fixtures::{valid, Fixed};
    let shop =
        valid(&shop("copy", "{postgres: {restoreFrom: {claim: old-backups, backup: old-backup-29000000}}}"));
    let secrets = secret_values(&shop, &Observed::default(), &mut Fixed);
    let jobs = |observed: &Observed| -> Vec<String> {
        build(&shop, observed, &secrets)
            .children
            .iter()
            .filter(|c| c.kind == Kind::Job)
            .map(|c| c.name().to_owned())
            .collect()
    };
    assert_eq!(jobs(&Observed::default()), ["copy-restore"], "no migration before the data is in");
    let restore = build(&shop, &Observed::default(), &secrets)
        .children
        .into_iter()
        .find(|c| c.kind == Kind::Job)
        .unwrap();
    let pod = &restore.object.data["spec"]["template"]["spec"];
    let backups =
        pod["volumes"].as_array().unwrap().iter().find(|v| v["name"] == "backups").expect("a backups volume");
    assert_eq!(
        backups["persistentVolumeClaim"],
        serde_json::json!({"claimName": "old-backups", "readOnly": true})
    );
    let mut done = restore.object.clone();
    done.data["status"] = serde_json::json!({"conditions": [{"type": "Complete", "status": "True"}]});
    let after = jobs(&Observed::from_objects([(Kind::Job, done)]));
    assert_eq!(after.len(), 2, "{after:?}");
    assert!(after.iter().any(|name| name.starts_with("copy-migrate-")), "{after:?}");
}

#[test]
fn spec_images_are_run_as_named_and_official_ones_come_from_the_registry() {
    let shop = shop(
        "shop",
        "{postgres: {version: '15', image: localhost/test/postgres:15, backup: {schedule: '0 3 * * *'}}, redis: {image: localhost/test/redis:7}, images: {worker: quay.io/me/worker:1}}",
    );
    let registry = crate::images::Registry::new("mirror.internal:5000/upstream").unwrap();
    let desired = super::fixtures::converged_valid(&crate::validate::validate(&shop, &registry).unwrap());
    let images: BTreeSet<(String, String)> = super::fixtures::pod_specs(&desired.children)
        .into_iter()
        .flat_map(|(_, name, pod)| {
            let containers = pod["containers"].as_array().cloned().unwrap_or_default();
            containers.into_iter().map(move |c| (name.clone(), c["image"].as_str().unwrap().to_owned()))
        })
        .collect();
    let mirror = "mirror.internal:5000/upstream";
    let version = &shop.spec.version;
    let expected = [
        ("shop-backup", "localhost/test/postgres:15".to_owned()),
        ("shop-postgres", "localhost/test/postgres:15".to_owned()),
        ("shop-redis", "localhost/test/redis:7".to_owned()),
        ("shop-meilisearch", format!("{mirror}/getmeili/meilisearch:v1.50.0")),
        ("shop-qdrant", format!("{mirror}/qdrant/qdrant:v1.15.1-unprivileged")),
        ("shop-kafka", format!("{mirror}/apache/kafka:4.0.0")),
        ("shop-api", format!("{mirror}/shopfleet/shopfleet-api:{version}")),
        ("shop-worker", "quay.io/me/worker:1".to_owned()),
    ];
    for (name, image) in expected {
        assert!(images.contains(&(name.to_owned(), image.clone())), "{name} runs {image}: {images:?}");
    }
    let migration =
        images.iter().find(|(name, _)| name.starts_with("shop-migrate-")).expect("a migration Job");
    assert_eq!(migration.1, format!("{mirror}/shopfleet/shopfleet-api:{version}"));
}

#[test]
fn bucket_backups_dump_to_scratch_then_push_and_restores_fetch_first() {
    use super::fixtures::{pod_specs, NAMESPACE};
    let bucket =
        "{bucket: shop-backups, endpoint: 'https://s3.example.com:9000', credentialsSecret: backup-s3}";
    let desired = converged(&shop(
        "shop",
        &format!("{{postgres: {{backup: {{schedule: '0 3 * * *', retention: 4, objectStore: {bucket}}}}}}}"),
    ));
    assert!(
        !desired.children.iter().any(|c| c.kind == Kind::PersistentVolumeClaim && c.name() == "shop-backups"),
        "no backups volume with a bucket"
    );
    let (_, _, pod) =
        pod_specs(&desired.children).into_iter().find(|(kind, ..)| *kind == Kind::CronJob).unwrap();
    let dump = &pod["initContainers"][0];
    let script = dump["args"][2].as_str().unwrap();
    assert!(
        script.contains("pg_dump") && !script.contains("rm -f"),
        "the dump is pruned in the bucket: {script}"
    );
    let upload = &pod["containers"][0];
    assert_eq!(
        upload["image"],
        format!("ghcr.io/shopfleet/shopfleet-api:{}", shop("shop", "{}").spec.version)
    );
    let args: Vec<&str> = upload["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    let prefix = format!("{NAMESPACE}/");
    let push = ["push", "--file=/backups/$(BACKUP_NAME).dump", "--series=shop-backup-", "--keep=4"];
    assert_eq!(args, [&["backup"][..], &push, &["--prefix", &prefix]].concat());
    let env = upload["env"].to_string();
    for wanted in
        ["BACKUP_NAME", "BACKUP_S3_BUCKET", "https://s3.example.com:9000", "backup-s3", "access-key-id"]
    {
        assert!(env.contains(wanted), "{wanted} in {env}");
    }
    assert!(pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["name"] == "backups" && v.get("emptyDir").is_some()));
    let policy = desired
        .children
        .iter()
        .find(|c| c.name() == "shop-egress-backup")
        .expect("an egress policy for backups");
    assert!(
        policy.object.data["spec"]["egress"].to_string().contains("9000"),
        "the bucket's port is reachable"
    );

    let copy = converged(&shop(
        "copy",
        &format!("{{postgres: {{restoreFrom: {{objectStore: {bucket}, backup: shop-backup-29000000}}}}}}"),
    ));
    let (_, _, pod) = pod_specs(&copy.children)
        .into_iter()
        .find(|(_, name, _)| name == "copy-restore")
        .expect("a restore Job");
    let fetch: Vec<&str> =
        pod["initContainers"][0]["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert_eq!(
        &fetch[..4],
        ["backup", "fetch", "--name=shop-backup-29000000", "--file=/backups/shop-backup-29000000.dump"]
    );
    assert!(pod["containers"][0]["args"][2].as_str().unwrap().contains("pg_restore"));
}
