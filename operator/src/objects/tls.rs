//! CA certificates of external servers, from the user's Secrets, mounted read-only into the
//! API, worker and migration pods at `/etc/shopfleet/tls/<service>/ca.crt`, where the
//! connection settings point.

use k8s_openapi::api::core::v1::{KeyToPath, PodSpec, SecretVolumeSource, Volume, VolumeMount};
use shopfleet_crds::SecretKeyRef;

/// Where the CA certificates are mounted.
const TLS_DIR: &str = "/etc/shopfleet/tls";

/// The path of `service`'s CA certificate in the pods.
pub fn ca_file(service: &str) -> String {
    format!("{TLS_DIR}/{service}/ca.crt")
}

/// Mounts each `(service, CA Secret key)` of `cas` into every container of `pod`.
pub fn mount(pod: &mut PodSpec, cas: &[(&'static str, SecretKeyRef)]) {
    for (service, secret) in cas {
        let name = format!("tls-{service}");
        pod.volumes.get_or_insert_with(Vec::new).push(Volume {
            name: name.clone(),
            secret: Some(SecretVolumeSource {
                secret_name: Some(secret.name.clone()),
                items: Some(vec![KeyToPath {
                    key: secret.key.clone(),
                    path: "ca.crt".to_owned(),
                    mode: None,
                }]),
                default_mode: Some(0o444),
                optional: None,
            }),
            ..Default::default()
        });
        for container in &mut pod.containers {
            container.volume_mounts.get_or_insert_with(Vec::new).push(VolumeMount {
                name: name.clone(),
                mount_path: format!("{TLS_DIR}/{service}"),
                read_only: Some(true),
                ..Default::default()
            });
        }
    }
}
