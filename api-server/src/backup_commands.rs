//! `shopfleet-api backup push|fetch`: the half of the operator's backup CronJob and restore
//! Job that talks to an S3-compatible bucket. The Postgres image's `pg_dump` writes a dump to
//! the pod's scratch directory; `push` uploads it as `<prefix><name>.dump` and keeps the
//! newest `--keep` of its series (the backups of one shop); `fetch` downloads one for
//! `pg_restore`. Objects are written whole or not at all (a multipart upload is only
//! completed once every part is in), and a download lands under a temporary name first.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use futures::StreamExt;
use object_store::{buffered::BufWriter, path::Path as ObjectPath, ObjectStore, ObjectStoreExt};
use shopfleet_env_names as env_names;
use shopfleet_platform::{bucket::Bucket, secret::Secret};
use tokio::io::AsyncWriteExt;

/// What `shopfleet-api backup` does.
#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Upload the dump FILE (named `<name>.dump`), then delete the oldest backups of its
    /// series beyond --keep.
    Push {
        /// The dump to upload; its file name is the backup's name.
        #[arg(long)]
        file: PathBuf,
        /// Backups of one shop share this name prefix (`<shop>-backup-`); only they are pruned.
        #[arg(long)]
        series: String,
        /// How many backups of the series to keep, newest first.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
        keep: u32,
        #[command(flatten)]
        bucket: BucketSettings,
    },
    /// Download backup NAME to FILE.
    Fetch {
        /// The backup's name (its object is `<prefix><name>.dump`).
        #[arg(long)]
        name: String,
        #[arg(long)]
        file: PathBuf,
        #[command(flatten)]
        bucket: BucketSettings,
    },
}

/// The bucket and key prefix the backups are kept under.
#[derive(Debug, Args)]
pub struct BucketSettings {
    #[arg(long = "bucket", env = env_names::BACKUP_S3_BUCKET)]
    bucket: String,
    #[arg(long = "endpoint", env = env_names::BACKUP_S3_ENDPOINT)]
    endpoint: Option<String>,
    #[arg(long = "region", env = env_names::BACKUP_S3_REGION, default_value = "us-east-1")]
    region: String,
    #[arg(long = "access-key-id", env = env_names::BACKUP_S3_ACCESS_KEY_ID, hide_env_values = true)]
    access_key_id: Secret,
    #[arg(long = "secret-access-key", env = env_names::BACKUP_S3_SECRET_ACCESS_KEY, hide_env_values = true)]
    secret_access_key: Secret,
    /// Key prefix of the backups, such as `<namespace>/`.
    #[arg(long, default_value = "")]
    prefix: String,
}

impl BucketSettings {
    fn open(&self) -> anyhow::Result<std::sync::Arc<dyn ObjectStore>> {
        Bucket {
            name: &self.bucket,
            region: &self.region,
            endpoint: self.endpoint.as_deref(),
            access_key_id: &self.access_key_id,
            secret_access_key: &self.secret_access_key,
        }
        .open()
    }

    fn key(&self, name: &str) -> ObjectPath {
        ObjectPath::from(format!("{}{name}.dump", self.prefix))
    }
}

/// A backup's name: what the operator names them (Job names), so never a path.
fn checked_name(name: &str) -> anyhow::Result<&str> {
    let valid = !name.is_empty()
        && name.len() <= 253
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
    anyhow::ensure!(valid, "backup name {name:?} must be lowercase letters, digits, '-' and '.'");
    Ok(name)
}

/// Runs one `backup` command.
pub async fn run(command: BackupCommand) -> anyhow::Result<()> {
    match command {
        BackupCommand::Push { file, series, keep, bucket } => push(&file, &series, keep, &bucket).await,
        BackupCommand::Fetch { name, file, bucket } => fetch(checked_name(&name)?, &file, &bucket).await,
    }
}

async fn push(file: &Path, series: &str, keep: u32, bucket: &BucketSettings) -> anyhow::Result<()> {
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".dump"))
        .ok_or_else(|| anyhow::anyhow!("{} is not a <name>.dump file", file.display()))?;
    let name = checked_name(name)?;
    anyhow::ensure!(name.starts_with(series), "backup {name} is not of the series {series}");
    let store = bucket.open()?;
    let mut source =
        tokio::fs::File::open(file).await.map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let mut upload = BufWriter::new(store.clone(), bucket.key(name));
    let bytes = tokio::io::copy(&mut source, &mut upload).await?;
    upload.shutdown().await?;

    let mut series_backups = Vec::new();
    let listed =
        store.list_with_delimiter(Some(&ObjectPath::from(bucket.prefix.trim_end_matches('/')))).await?;
    for object in listed.objects {
        let Some(other) = object.location.filename().and_then(|n| n.strip_suffix(".dump")) else { continue };
        if other.starts_with(series) {
            series_backups.push((object.last_modified, other.to_owned(), object.location.clone()));
        }
    }
    // Newest first; the name breaks ties (Job names end in their scheduled minute).
    series_backups.sort_by(|a, b| (&b.0, &b.1).cmp(&(&a.0, &a.1)));
    let mut removed = 0;
    for (_, other, location) in series_backups.into_iter().skip(keep as usize) {
        if other != name {
            store.delete(&location).await?;
            removed += 1;
        }
    }
    tracing::info!(backup = name, bytes, removed, "backup uploaded");
    println!("backup {name}: {bytes} bytes uploaded, {removed} older removed");
    Ok(())
}

async fn fetch(name: &str, file: &Path, bucket: &BucketSettings) -> anyhow::Result<()> {
    let store = bucket.open()?;
    let object = store.get(&bucket.key(name)).await.map_err(|e| anyhow::anyhow!("backup {name}: {e}"))?;
    let partial = file.with_extension("partial");
    let mut target = tokio::fs::File::create(&partial).await?;
    let mut stream = object.into_stream();
    let mut bytes = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        bytes += chunk.len() as u64;
        target.write_all(&chunk).await?;
    }
    target.sync_all().await?;
    tokio::fs::rename(&partial, file).await?;
    tracing::info!(backup = name, bytes, "backup downloaded");
    println!("backup {name}: {bytes} bytes downloaded");
    Ok(())
}
