//! A real S3-compatible server for the tests of the media store: `s3s-fs` (the s3s
//! project's file-system backend, installed by `make test`), one process per test with its
//! own root directory, port and credentials, stopped when dropped.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use crate::wait::{free_port, wait_for_port};

/// A running `s3s-fs` with one bucket.
pub struct S3Server {
    process: Child,
    root: PathBuf,
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    pub bucket: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl S3Server {
    /// Starts a server whose only bucket is `bucket`. Fails when `s3s-fs` is not installed
    /// (`scripts/dev/prereqs.sh --test` installs it).
    pub async fn start(bucket: &str) -> Self {
        let port = free_port();
        let root = std::env::temp_dir().join(format!("sf-s3-{}-{port}", std::process::id()));
        // s3s-fs keeps each bucket as a directory of its root.
        std::fs::create_dir_all(root.join(bucket)).unwrap();
        let access_key_id = format!("AK{}", uuid::Uuid::new_v4().simple());
        let secret_access_key = uuid::Uuid::new_v4().simple().to_string();
        let process = Command::new("s3s-fs")
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", &access_key_id, "--secret-key", &secret_access_key])
            .arg(&root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("s3s-fs runs (install it with scripts/dev/prereqs.sh --test)");
        wait_for_port(port).await;
        Self {
            process,
            root,
            endpoint: format!("http://127.0.0.1:{port}"),
            bucket: bucket.to_owned(),
            access_key_id,
            secret_access_key,
        }
    }

    /// Number of stored objects under the folder `prefix` (read from the server's root).
    pub fn objects_under(&self, prefix: &str) -> usize {
        crate::files_under(&self.root.join(&self.bucket).join(prefix))
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}
