//! Where originals and renditions live: an object store (`object_store`), a directory
//! under `DATA_DIR` by default. Keys are content addresses — `originals/<sha256>` and
//! `renditions/<sha256>/<width>.<ext>` — so an identical upload is stored once and
//! rendering it again writes the same keys.

use bytes::Bytes;
use clap::Args;
use object_store::{
    local::LocalFileSystem, path::Path as StorePath, ObjectStore, ObjectStoreExt, PutMode, PutOptions,
};
use sha2::{Digest, Sha256};
use shopfleet_env_names as env_names;
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
}

impl MediaSettings {
    pub fn limits(&self) -> crate::UploadLimits {
        crate::UploadLimits {
            max_bytes: usize::try_from(self.image_max_bytes).unwrap_or(usize::MAX),
            max_pixels: self.image_max_pixels,
        }
    }

    /// Opens the store, creating its directory.
    pub fn open(&self, data_dir: &std::path::Path) -> anyhow::Result<MediaStore> {
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
    /// Stores `bytes` under `key` unless it is already there (same key, same content).
    pub async fn put_once(&self, key: &str, bytes: Vec<u8>) -> anyhow::Result<()> {
        let options = PutOptions { mode: PutMode::Create, ..Default::default() };
        match self.objects.put_opts(&StorePath::from(key), Bytes::from(bytes).into(), options).await {
            Ok(_) | Err(object_store::Error::AlreadyExists { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
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
        let settings =
            MediaSettings { media_dir: Some(dir.clone()), image_max_bytes: 1024, image_max_pixels: 1 };
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
