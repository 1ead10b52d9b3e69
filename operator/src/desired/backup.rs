//! Day-2 care of the embedded database: scheduled logical backups and restoring a new shop
//! from one. A CronJob `<shop>-backup` runs `pg_dump --format=custom` with the server's own
//! image, each backup named after its Job (`<name>.dump`), keeping the newest `retention`:
//! onto the `<shop>-backups` volume, or, with `backup.objectStore`, into a scratch directory
//! from which `shopfleet-api backup push` (the API image) uploads it to the bucket as
//! `<namespace>/<name>.dump`. The shop's status names the last backup that succeeded. A shop
//! created with `restoreFrom` first runs the Job `<shop>-restore` (`pg_restore` into its
//! empty database, from a claim holding the backup, or after `shopfleet-api backup fetch`
//! brought it from the bucket), and its migrations wait for it.

use k8s_openapi::api::batch::v1::{CronJob, CronJobSpec, Job, JobSpec, JobTemplateSpec};
use k8s_openapi::api::core::v1::{
    EmptyDirVolumeSource, EnvVar, EnvVarSource, ObjectFieldSelector, PersistentVolumeClaim, PodSpec,
    PodTemplateSpec, Volume,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use shopfleet_crds::{BackupStatus, ObjectStoreSpec, RestoreSpec};
use shopfleet_env_names as var;

use super::app;
use crate::backing::postgres;
use crate::children::Kind;
use crate::objects::claims;
use crate::objects::meta::{Owner, COMPONENT_LABEL};
use crate::objects::pod::{
    container, container_parts_default, env, env_secret, pod_spec, resources, ContainerParts,
};
use crate::observe::Observed;
use crate::validate::ValidatedShop;

/// Where the backups volume is mounted.
pub const BACKUP_DIR: &str = "/backups";
const VOLUME: &str = "backups";
/// User of the Postgres image.
const POSTGRES_UID: i64 = 70;

/// Writes one backup, named after the Job (`BACKUP_NAME`). The dump is written under a
/// temporary name first, so a failed run leaves no file that looks like a backup.
pub const DUMP_SCRIPT: &str = r#"set -eu
file="$BACKUP_DIR/$BACKUP_NAME.dump"
pg_dump --format=custom --no-owner --no-privileges --file="$file.partial"
mv "$file.partial" "$file"
echo "backup $BACKUP_NAME: $(wc -c < "$file") bytes"
"#;

/// After [`DUMP_SCRIPT`] on the backups volume: keeps the newest `BACKUP_RETENTION` there.
pub const PRUNE_SCRIPT: &str = r#"ls -1t "$BACKUP_DIR"/*.dump | tail -n "+$((BACKUP_RETENTION + 1))" | while read -r old; do rm -f -- "$old"; done
"#;

/// Waits for the server, then restores `$BACKUP_NAME.dump` into the empty database in one
/// transaction (all or nothing).
pub const RESTORE_SCRIPT: &str = r#"set -eu
until pg_isready --quiet; do sleep 2; done
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$PGDATABASE" "$BACKUP_DIR/$BACKUP_NAME.dump"
echo "restored $BACKUP_NAME"
"#;

/// The environment both scripts read: the server, its credentials and the database.
fn client_env(shop: &ValidatedShop) -> Vec<EnvVar> {
    let mut vars = vec![
        env("PGHOST", postgres::host(&shop.owner)),
        env("PGPORT", postgres::PORT.to_string()),
        env("PGDATABASE", shop.postgres.database.clone()),
        env("BACKUP_DIR", BACKUP_DIR),
    ];
    vars.extend(postgres::client_credentials(&shop.owner));
    vars
}

/// Where a Job finds or leaves its backup.
enum Place {
    /// A claim mounted at [`BACKUP_DIR`] (read-only for a restore).
    Claim { name: String, read_only: bool },
    /// A bucket; the dump passes through a scratch directory at [`BACKUP_DIR`].
    Bucket,
}

/// The Postgres container running `script` with the server's image.
fn script_container(shop: &ValidatedShop, script: &str, extra: Vec<EnvVar>) -> ContainerParts {
    let mut env = client_env(shop);
    env.extend(extra);
    // Backups are only for the embedded server (validated), which has an image.
    let image = shop.postgres.image().unwrap_or_default().to_owned();
    job_container("postgres", image, vec!["sh".to_owned(), "-c".to_owned(), script.to_owned()], env)
}

/// A Job container with the backups at [`BACKUP_DIR`] and a scratch `/tmp`.
fn job_container(name: &'static str, image: String, args: Vec<String>, env: Vec<EnvVar>) -> ContainerParts {
    ContainerParts {
        name,
        image,
        args,
        env,
        mounts: vec![(VOLUME, BACKUP_DIR)],
        scratch: vec![("tmp", "/tmp")],
        resources: resources("100m", "128Mi", "1", "512Mi"),
        ..container_parts_default()
    }
}

/// The API image's container running `shopfleet-api backup <args>` against `bucket`, under
/// the namespace's prefix.
fn bucket_container(
    shop: &ValidatedShop,
    name: &'static str,
    args: &[String],
    bucket: &ObjectStoreSpec,
) -> ContainerParts {
    let mut env = vec![env(var::BACKUP_S3_BUCKET, bucket.bucket.clone())];
    env.extend(bucket.endpoint.clone().map(|endpoint| self::env(var::BACKUP_S3_ENDPOINT, endpoint)));
    env.extend(bucket.region.clone().map(|region| self::env(var::BACKUP_S3_REGION, region)));
    env.push(env_secret(var::BACKUP_S3_ACCESS_KEY_ID, &bucket.credentials_secret, "access-key-id"));
    env.push(env_secret(var::BACKUP_S3_SECRET_ACCESS_KEY, &bucket.credentials_secret, "secret-access-key"));
    let mut all_args = vec!["backup".to_owned()];
    all_args.extend(args.iter().cloned());
    all_args.extend(["--prefix".to_owned(), format!("{}/", shop.owner.namespace)]);
    job_container(name, app::api_image(shop), all_args, env)
}

/// A pod running `main` after `first` (if any), as the Postgres image's user, with the
/// backups at [`BACKUP_DIR`] from `place`.
fn job_pod(
    service_account: &str,
    first: Option<ContainerParts>,
    main: ContainerParts,
    place: &Place,
) -> PodSpec {
    let mut pod = pod_spec(service_account.to_owned(), POSTGRES_UID, main, Some("Never"));
    if let Some(first) = first {
        pod.init_containers = Some(vec![container(first)]);
    }
    let volume = match place {
        Place::Claim { name, read_only } => claims::volume(VOLUME, name.clone(), *read_only),
        Place::Bucket => Volume {
            name: VOLUME.to_owned(),
            empty_dir: Some(EmptyDirVolumeSource::default()),
            ..Default::default()
        },
    };
    pod.volumes.get_or_insert_with(Vec::new).push(volume);
    pod
}

/// The backups volume, when backups are scheduled.
pub fn claim(shop: &ValidatedShop) -> Option<PersistentVolumeClaim> {
    let backup = shop.postgres.backup.as_ref().filter(|backup| backup.object_store.is_none())?;
    let storage = &backup.storage;
    Some(claims::claim(
        &shop.owner,
        VOLUME,
        &storage.size,
        storage.storage_class_name.clone(),
        "ReadWriteOnce",
    ))
}

/// The CronJob that backs the database up, when backups are scheduled.
pub fn cron_job(shop: &ValidatedShop, service_account: &str) -> Option<CronJob> {
    let backup = shop.postgres.backup.as_ref()?;
    let owner = &shop.owner;
    let name_from_job = EnvVar {
        name: "BACKUP_NAME".to_owned(),
        value_from: Some(EnvVarSource {
            field_ref: Some(ObjectFieldSelector {
                field_path: "metadata.labels['batch.kubernetes.io/job-name']".to_owned(),
                api_version: None,
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    let pod = match &backup.object_store {
        None => {
            let extra = vec![name_from_job, env("BACKUP_RETENTION", backup.retention.to_string())];
            let script = format!("{DUMP_SCRIPT}{PRUNE_SCRIPT}");
            let place = Place::Claim { name: owner.child_name(VOLUME), read_only: false };
            job_pod(service_account, None, script_container(shop, &script, extra), &place)
        }
        Some(bucket) => {
            let dump = script_container(shop, DUMP_SCRIPT, vec![name_from_job.clone()]);
            let push = [
                "push".to_owned(),
                format!("--file={BACKUP_DIR}/$(BACKUP_NAME).dump"),
                format!("--series={}-", owner.child_name("backup")),
                format!("--keep={}", backup.retention),
            ];
            let mut upload = bucket_container(shop, "upload", &push, bucket);
            upload.env.insert(0, name_from_job);
            job_pod(service_account, Some(dump), upload, &Place::Bucket)
        }
    };
    Some(CronJob {
        metadata: owner.meta(owner.child_name("backup"), "backup"),
        spec: Some(CronJobSpec {
            schedule: backup.schedule.clone(),
            time_zone: backup.time_zone.clone(),
            concurrency_policy: Some("Forbid".to_owned()),
            successful_jobs_history_limit: Some(3),
            failed_jobs_history_limit: Some(3),
            job_template: JobTemplateSpec {
                metadata: Some(ObjectMeta { labels: Some(owner.labels("backup")), ..Default::default() }),
                spec: Some(JobSpec {
                    backoff_limit: Some(2),
                    active_deadline_seconds: Some(6 * 3600),
                    template: PodTemplateSpec {
                        metadata: Some(ObjectMeta {
                            labels: Some(owner.labels("backup")),
                            ..Default::default()
                        }),
                        spec: Some(pod),
                    },
                    ..Default::default()
                }),
            },
            ..Default::default()
        }),
        status: None,
    })
}

/// Name of the restore Job.
pub fn restore_job_name(owner: &Owner) -> String {
    owner.child_name("restore")
}

/// The Job that fills the new database from `restoreFrom`, when the spec asks for one.
pub fn restore_job(shop: &ValidatedShop, service_account: &str) -> Option<Job> {
    let RestoreSpec { claim, object_store, backup } = shop.postgres.restore_from.as_ref()?;
    let owner = &shop.owner;
    let restore = script_container(shop, RESTORE_SCRIPT, vec![env("BACKUP_NAME", backup.clone())]);
    let pod = match (claim, object_store) {
        (_, Some(bucket)) => {
            let fetch = [
                "fetch".to_owned(),
                format!("--name={backup}"),
                format!("--file={BACKUP_DIR}/{backup}.dump"),
            ];
            let fetch = bucket_container(shop, "fetch", &fetch, bucket);
            job_pod(service_account, Some(fetch), restore, &Place::Bucket)
        }
        // The CRD admits exactly one of the two.
        (claim, None) => {
            let place = Place::Claim { name: claim.clone().unwrap_or_default(), read_only: true };
            job_pod(service_account, None, restore, &place)
        }
    };
    Some(Job {
        metadata: owner.meta(restore_job_name(owner), "restore"),
        spec: Some(JobSpec {
            backoff_limit: Some(3),
            active_deadline_seconds: Some(6 * 3600),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta { labels: Some(owner.labels("restore")), ..Default::default() }),
                spec: Some(pod),
            },
            ..Default::default()
        }),
        status: None,
    })
}

/// The last backup Job that completed, from the Jobs the CronJob made (it keeps the last
/// three), or `None` before the first.
pub fn status(observed: &Observed) -> Option<BackupStatus> {
    observed
        .iter()
        .filter(|(kind, job)| {
            let component = job.metadata.labels.as_ref().and_then(|labels| labels.get(COMPONENT_LABEL));
            *kind == Kind::Job && component.is_some_and(|c| c == "backup")
        })
        .filter_map(|(_, job)| {
            let name = job.metadata.name.clone()?;
            observed.job_succeeded(&name).then(|| BackupStatus {
                last: name,
                completed_at: job.data["status"]["completionTime"].as_str().map(str::to_owned),
            })
        })
        .max_by(|a, b| (&a.completed_at, &a.last).cmp(&(&b.completed_at, &b.last)))
}

/// The scripts the backup CronJob and the restore Job run, run here against the test
/// Postgres with the same client tools: a real database is backed up, pruned to its
/// retention and restored into a fresh one, which must hold the same rows.
#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::process::{Command, Output};

    /// The test server's connection settings from `TEST_DATABASE_URL`.
    fn server() -> Vec<(&'static str, String)> {
        let url = std::env::var("TEST_DATABASE_URL")
            .expect("TEST_DATABASE_URL must name the test Postgres (make test sets it)");
        let url = url::Url::parse(&url).expect("TEST_DATABASE_URL is a URL");
        let mut settings = vec![
            ("PGHOST", url.host_str().unwrap_or("127.0.0.1").to_owned()),
            ("PGPORT", url.port().unwrap_or(5432).to_string()),
            ("PGUSER", url.username().to_owned()),
        ];
        settings.extend(url.password().map(|password| ("PGPASSWORD", password.to_owned())));
        settings
    }

    fn run(script: &str, database: &str, extra: &[(&str, &str)]) -> Output {
        Command::new("sh")
            .args(["-c", script])
            .envs(server())
            .env("PGDATABASE", database)
            .envs(extra.iter().copied())
            .output()
            .expect("sh runs")
    }

    fn psql(database: &str, sql: &str) -> String {
        let out = Command::new("psql")
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-d", database, "-c", sql])
            .envs(server())
            .output()
            .expect("psql runs");
        assert!(out.status.success(), "{sql}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// Row count and checksum of every table, and the sequences' positions.
    fn fingerprint(database: &str) -> Vec<String> {
        let mut facts: Vec<String> = ["products", "orders"]
            .iter()
            .map(|table| {
                psql(
                    database,
                    &format!(
                        "SELECT count(*) || ' ' || md5(string_agg(t::text, ',' ORDER BY id)) FROM {table} t"
                    ),
                )
            })
            .collect();
        facts.push(psql(database, "SELECT last_value FROM products_id_seq"));
        facts
    }

    fn dumps(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        names
    }

    #[test]
    fn a_backup_restores_into_a_fresh_database_with_every_row() {
        let tag = format!("{}_{}", std::process::id(), chrono::Utc::now().timestamp_micros());
        let (source, copy) = (format!("sf_test_backup_src_{tag}"), format!("sf_test_backup_dst_{tag}"));
        for db in [&source, &copy] {
            psql("postgres", &format!("CREATE DATABASE {db}"));
        }
        psql(
            &source,
            "CREATE TABLE products (id bigserial PRIMARY KEY, title text NOT NULL, price numeric(12,2), tags jsonb, photo bytea);
             CREATE TABLE orders (id bigserial PRIMARY KEY, product_id bigint REFERENCES products, placed_at timestamptz);
             CREATE INDEX orders_product_idx ON orders (product_id);
             INSERT INTO products (title, price, tags, photo)
               SELECT 'Product ' || i || ' ✓', i * 1.25, jsonb_build_object('i', i), decode(md5(i::text), 'hex')
               FROM generate_series(1, 5000) i;
             INSERT INTO orders (product_id, placed_at)
               SELECT 1 + i % 5000, timestamptz '2026-01-01' + i * interval '1 minute' FROM generate_series(1, 20000) i;",
        );
        let dir = std::env::temp_dir().join(format!("shopfleet-backups-{tag}"));
        std::fs::create_dir_all(&dir).unwrap();
        let dir_path = dir.to_str().unwrap();
        for (n, name) in ["shop-backup-1", "shop-backup-2", "shop-backup-3"].iter().enumerate() {
            psql(&source, &format!("INSERT INTO products (title) VALUES ('added before backup {n}')"));
            let out = run(
                &format!("{DUMP_SCRIPT}{PRUNE_SCRIPT}"),
                &source,
                &[("BACKUP_DIR", dir_path), ("BACKUP_NAME", name), ("BACKUP_RETENTION", "2")],
            );
            assert!(out.status.success(), "backup {name}: {}", String::from_utf8_lossy(&out.stderr));
        }
        assert_eq!(dumps(&dir), ["shop-backup-2.dump", "shop-backup-3.dump"], "the newest two are kept");

        // A failing backup leaves nothing that looks like a backup, and no backup is lost.
        let failed = run(
            &format!("{DUMP_SCRIPT}{PRUNE_SCRIPT}"),
            "no_such_database",
            &[("BACKUP_DIR", dir_path), ("BACKUP_NAME", "shop-backup-4"), ("BACKUP_RETENTION", "2")],
        );
        assert!(!failed.status.success());
        assert!(!dumps(&dir).contains(&"shop-backup-4.dump".to_owned()));
        assert_eq!(dumps(&dir).iter().filter(|n| n.ends_with(".dump")).count(), 2);

        let expected = fingerprint(&source);
        psql(&source, "INSERT INTO products (title) VALUES ('after the last backup')");
        let restored =
            run(RESTORE_SCRIPT, &copy, &[("BACKUP_DIR", dir_path), ("BACKUP_NAME", "shop-backup-3")]);
        assert!(restored.status.success(), "restore: {}", String::from_utf8_lossy(&restored.stderr));
        assert_eq!(fingerprint(&copy), expected, "the copy holds exactly what the backup held");
        assert_eq!(
            psql(&copy, "SELECT count(*) FROM pg_indexes WHERE indexname = 'orders_product_idx'"),
            "1"
        );
        let next = psql(&copy, "INSERT INTO products (title) VALUES ('new') RETURNING id");
        assert_eq!(next, (expected[2].parse::<i64>().unwrap() + 1).to_string(), "sequences continue");

        // Restoring a backup that is not there fails and leaves the database as it was.
        let missing =
            run(RESTORE_SCRIPT, &copy, &[("BACKUP_DIR", dir_path), ("BACKUP_NAME", "shop-backup-1")]);
        assert!(!missing.status.success());

        for db in [&source, &copy] {
            psql("postgres", &format!("DROP DATABASE {db} WITH (FORCE)"));
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
