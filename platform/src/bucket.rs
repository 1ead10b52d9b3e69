//! S3-compatible buckets (AWS S3, MinIO, Ceph RGW, R2…) as `object_store` stores: where
//! product images and database backups go when a shop keeps them off its volumes.

use std::sync::Arc;

use object_store::{aws::AmazonS3Builder, ObjectStore};

use crate::secret::Secret;

/// Where a bucket is and the credentials that reach it.
#[derive(Debug)]
pub struct Bucket<'a> {
    pub name: &'a str,
    pub region: &'a str,
    /// An S3-compatible service's endpoint, sent path-style requests; `None`: AWS S3.
    pub endpoint: Option<&'a str>,
    pub access_key_id: &'a Secret,
    pub secret_access_key: &'a Secret,
}

impl Bucket<'_> {
    /// The bucket as an object store (no request is made until it is used).
    pub fn open(&self) -> anyhow::Result<Arc<dyn ObjectStore>> {
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(self.name)
            .with_region(self.region)
            .with_access_key_id(self.access_key_id.expose())
            .with_secret_access_key(self.secret_access_key.expose());
        if let Some(endpoint) = self.endpoint {
            builder = builder.with_endpoint(endpoint).with_allow_http(endpoint.starts_with("http://"));
        }
        Ok(Arc::new(builder.build()?))
    }
}
