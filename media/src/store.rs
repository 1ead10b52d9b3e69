//! Where originals and renditions live: an object store (`object_store`) — a directory
//! under `DATA_DIR` by default, or an S3-compatible bucket when `MEDIA_S3_BUCKET` is set.
//! Keys are content addresses — `originals/<sha256>` and `renditions/<sha256>/<width>.<ext>`
//! — so an identical upload is stored once and rendering it again writes the same keys.

use bytes::Bytes;
use clap::Args;
use object_store::{local::LocalFileSystem, path::Path as StorePath, ObjectStore, ObjectStoreExt};
use sha2::{Digest, Sha256};
use shopfleet_env_names as env_names;
use shopfleet_platform::bucket::Bucket;
use shopfleet_platform::secret::Secret;
use std::{path::PathBuf, sync::Arc};

use crate::render::RenditionFormat;

/// Settings of the media store, shared by the API (uploads, serving) and the worker
/// (rendering).
#[derive(Debug, Clone, Args)]
pub struct MediaSettings {
    /// Directory of the media store; default `<DATA_DIR>/media`.
    #[arg(long, env = env_names::MEDIA_DIR)]
    pub media_dir: Option<PathBuf>,
    /// Largest image upload accepted, in bytes.
    #[arg(long, env = env_names::IMAGE_MAX_BYTES, default_value_t = 10 * 1024 * 1024, value_parser = clap::value_parser!(u64).range(1024..=104_857_600))]
    pub image_max_bytes: u64,
    /// Most pixels an uploaded image may declare (width × height).
    #[arg(long, env = env_names::IMAGE_MAX_PIXELS, default_value_t = 40_000_000, value_parser = clap::value_parser!(u64).range(1..=500_000_000))]
    pub image_max_pixels: u64,
    #[command(flatten)]
    pub s3: S3Settings,
}

/// An S3-compatible bucket for the media store (AWS S3, MinIO, Ceph RGW, R2...).
#[derive(Debug, Clone, Default, Args)]
pub struct S3Settings {
    /// Bucket holding originals and renditions; unset: the `MEDIA_DIR` directory.
    #[arg(long = "media-s3-bucket", env = env_names::MEDIA_S3_BUCKET)]
    pub bucket: Option<String>,
    /// Endpoint of an S3-compatible service, sent path-style requests; unset: AWS S3.
    #[arg(long = "media-s3-endpoint", env = env_names::MEDIA_S3_ENDPOINT)]
    pub endpoint: Option<String>,
    /// Region of the bucket.
    #[arg(long = "media-s3-region", env = env_names::MEDIA_S3_REGION, default_value = "us-east-1")]
    pub region: String,
    /// Access key id.
    #[arg(long = "media-s3-access-key-id", env = env_names::MEDIA_S3_ACCESS_KEY_ID, hide_env_values = true)]
    pub access_key_id: Option<Secret>,
    /// Secret access key.
    #[arg(long = "media-s3-secret-access-key", env = env_names::MEDIA_S3_SECRET_ACCESS_KEY, hide_env_values = true)]
    pub secret_access_key: Option<Secret>,
}

impl S3Settings {
    /// The bucket as an object store, or `None` when no bucket is set.
    fn open(&self) -> anyhow::Result<Option<Arc<dyn ObjectStore>>> {
        let Some(bucket) = &self.bucket else { return Ok(None) };
        let (Some(key_id), Some(secret)) = (&self.access_key_id, &self.secret_access_key) else {
            anyhow::bail!(
                "{} needs {} and {}",
                env_names::MEDIA_S3_BUCKET,
                env_names::MEDIA_S3_ACCESS_KEY_ID,
                env_names::MEDIA_S3_SECRET_ACCESS_KEY
            );
        };
        let bucket = Bucket {
            name: bucket,
            region: &self.region,
            endpoint: self.endpoint.as_deref(),
            access_key_id: key_id,
            secret_access_key: secret,
        };
        Ok(Some(bucket.open()?))
    }
}

impl MediaSettings {
    pub fn limits(&self) -> crate::UploadLimits {
        crate::UploadLimits {
            max_bytes: usize::try_from(self.image_max_bytes).unwrap_or(usize::MAX),
            max_pixels: self.image_max_pixels,
        }
    }

    /// Opens the store: the S3 bucket when one is set, else the directory (created here).
    pub fn open(&self, data_dir: &std::path::Path) -> anyhow::Result<MediaStore> {
        if let Some(objects) = self.s3.open()? {
            return Ok(MediaStore { objects });
        }
        let dir = self.media_dir.clone().unwrap_or_else(|| data_dir.join("media"));
        std::fs::create_dir_all(&dir)?;
        Ok(MediaStore { objects: Arc::new(LocalFileSystem::new_with_prefix(&dir)?) })
    }
}

#[derive(Clone, Debug)]
pub struct MediaStore {
    objects: Arc<dyn ObjectStore>,
}

/// The content address of an original.
pub fn content_hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub fn original_key(hash: &str) -> String {
    format!("originals/{hash}")
}

pub fn rendition_key(hash: &str, width: u32, format: RenditionFormat) -> String {
    format!("renditions/{hash}/{width}.{}", format.extension())
}

impl MediaStore {
    /// Stores `bytes` under `key` unless it is already there. Keys are content addresses, so
    /// two writers racing on one key write the same bytes, and each put replaces the object
    /// atomically (a rename on disk, a single PUT on S3): readers never see a partial object.
    pub async fn put_once(&self, key: &str, bytes: Vec<u8>) -> anyhow::Result<()> {
        let path = StorePath::from(key);
        match self.objects.head(&path).await {
            Ok(_) => return Ok(()),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(error) => return Err(error.into()),
        }
        self.objects.put(&path, Bytes::from(bytes).into()).await?;
        Ok(())
    }

    /// The object under `key`, or `None`.
    pub async fn get(&self, key: &str) -> anyhow::Result<Option<Bytes>> {
        match self.objects.get(&StorePath::from(key)).await {
            Ok(found) => Ok(Some(found.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    /// Removes `key`; a missing object is not an error.
    pub async fn delete(&self, key: &str) -> anyhow::Result<()> {
        match self.objects.delete(&StorePath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stores_once_reads_back_and_deletes() {
        let dir = std::env::temp_dir().join(format!("sf-media-{}", std::process::id()));
        let settings = MediaSettings {
            media_dir: Some(dir.clone()),
            image_max_bytes: 1024,
            image_max_pixels: 1,
            s3: S3Settings::default(),
        };
        let store = settings.open(&dir).unwrap();
        let key = original_key(&content_hash(b"pixels"));
        store.put_once(&key, b"pixels".to_vec()).await.unwrap();
        store.put_once(&key, b"pixels".to_vec()).await.unwrap();
        assert_eq!(store.get(&key).await.unwrap().as_deref(), Some(&b"pixels"[..]));
        store.delete(&key).await.unwrap();
        store.delete(&key).await.unwrap();
        assert_eq!(store.get(&key).await.unwrap(), None);
        assert_eq!(rendition_key("ab", 480, RenditionFormat::Webp), "renditions/ab/480.webp");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
