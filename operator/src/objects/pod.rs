//! Pod and container building blocks that make every pod meet the restricted Pod Security
//! Standard: non-root, read-only root filesystem with emptyDirs for scratch space, no
//! privilege escalation, all capabilities dropped, RuntimeDefault seccomp, probes, and
//! requests and limits.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Capabilities, Container, ContainerPort, EmptyDirVolumeSource, EnvVar, EnvVarSource, ExecAction,
    HTTPGetAction, PodSecurityContext, PodSpec, Probe, ResourceRequirements, SeccompProfile,
    SecretKeySelector, SecurityContext, TCPSocketAction, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// How a container tells it is alive and ready.
#[derive(Clone, Debug)]
pub enum Check {
    /// HTTP GET: liveness path, readiness path, port.
    Http { live: &'static str, ready: &'static str, port: i32 },
    /// TCP connect for liveness, a command for readiness.
    TcpThenExec { port: i32, ready: Vec<String> },
    /// TCP connect for both.
    Tcp { port: i32 },
}

/// Liveness, readiness and startup probes for a check.
fn probes(check: &Check) -> (Probe, Probe, Probe) {
    let http = |path: &str, port: i32| Probe {
        http_get: Some(HTTPGetAction {
            path: Some(path.to_owned()),
            port: IntOrString::Int(port),
            ..Default::default()
        }),
        ..Default::default()
    };
    let tcp = |port: i32| Probe {
        tcp_socket: Some(TCPSocketAction { port: IntOrString::Int(port), ..Default::default() }),
        ..Default::default()
    };
    let (live, ready) = match check {
        Check::Http { live, ready, port } => (http(live, *port), http(ready, *port)),
        Check::TcpThenExec { port, ready } => (
            tcp(*port),
            Probe { exec: Some(ExecAction { command: Some(ready.clone()) }), ..Default::default() },
        ),
        Check::Tcp { port } => (tcp(*port), tcp(*port)),
    };
    let startup = Probe { period_seconds: Some(5), failure_threshold: Some(60), ..live.clone() };
    let liveness =
        Probe { period_seconds: Some(10), timeout_seconds: Some(5), failure_threshold: Some(3), ..live };
    let readiness =
        Probe { period_seconds: Some(5), timeout_seconds: Some(5), failure_threshold: Some(3), ..ready };
    (liveness, readiness, startup)
}

/// Requests and limits from four quantities.
pub fn resources(
    cpu_request: &str,
    memory_request: &str,
    cpu_limit: &str,
    memory_limit: &str,
) -> ResourceRequirements {
    let q = |cpu: &str, mem: &str| {
        BTreeMap::from([
            ("cpu".to_owned(), Quantity(cpu.to_owned())),
            ("memory".to_owned(), Quantity(mem.to_owned())),
        ])
    };
    ResourceRequirements {
        requests: Some(q(cpu_request, memory_request)),
        limits: Some(q(cpu_limit, memory_limit)),
        ..Default::default()
    }
}

/// A plain environment variable.
pub fn env(name: &str, value: impl Into<String>) -> EnvVar {
    EnvVar { name: name.to_owned(), value: Some(value.into()), ..Default::default() }
}

/// An environment variable read from a Secret key.
pub fn env_secret(name: &str, secret: &str, key: &str) -> EnvVar {
    EnvVar {
        name: name.to_owned(),
        value_from: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: secret.to_owned(),
                key: key.to_owned(),
                optional: None,
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Everything that differs between the containers the operator runs.
#[derive(Clone, Debug)]
pub struct ContainerParts {
    pub name: &'static str,
    pub image: String,
    pub args: Vec<String>,
    pub env: Vec<EnvVar>,
    pub env_from_config_map: Option<String>,
    pub ports: Vec<(&'static str, i32)>,
    /// Probes; `None` only for run-to-completion containers (Jobs).
    pub check: Option<Check>,
    pub resources: ResourceRequirements,
    /// Persistent mounts: (volume name, path).
    pub mounts: Vec<(&'static str, &'static str)>,
    /// Writable scratch directories, each backed by its own emptyDir: (volume name, path).
    pub scratch: Vec<(&'static str, &'static str)>,
}

/// Parts with nothing set, to fill the rest of a struct literal.
pub fn container_parts_default() -> ContainerParts {
    ContainerParts {
        name: "",
        image: String::new(),
        args: vec![],
        env: vec![],
        env_from_config_map: None,
        ports: vec![],
        check: None,
        resources: ResourceRequirements::default(),
        mounts: vec![],
        scratch: vec![],
    }
}

/// The hardened container for `parts`.
pub fn container(parts: ContainerParts) -> Container {
    let (liveness, readiness, startup) = match &parts.check {
        Some(check) => {
            let (l, r, s) = probes(check);
            (Some(l), Some(r), Some(s))
        }
        None => (None, None, None),
    };
    let mounts = parts
        .mounts
        .iter()
        .chain(&parts.scratch)
        .map(|(name, path)| VolumeMount {
            name: (*name).to_owned(),
            mount_path: (*path).to_owned(),
            ..Default::default()
        })
        .collect::<Vec<_>>();
    Container {
        name: parts.name.to_owned(),
        image: Some(parts.image),
        image_pull_policy: Some("IfNotPresent".to_owned()),
        args: (!parts.args.is_empty()).then_some(parts.args),
        env: (!parts.env.is_empty()).then_some(parts.env),
        env_from: parts.env_from_config_map.map(|name| {
            vec![k8s_openapi::api::core::v1::EnvFromSource {
                config_map_ref: Some(k8s_openapi::api::core::v1::ConfigMapEnvSource { name, optional: None }),
                ..Default::default()
            }]
        }),
        ports: (!parts.ports.is_empty()).then(|| {
            parts
                .ports
                .iter()
                .map(|(name, port)| ContainerPort {
                    name: Some((*name).to_owned()),
                    container_port: *port,
                    protocol: Some("TCP".to_owned()),
                    ..Default::default()
                })
                .collect()
        }),
        liveness_probe: liveness,
        readiness_probe: readiness,
        startup_probe: startup,
        resources: Some(parts.resources),
        security_context: Some(SecurityContext {
            allow_privilege_escalation: Some(false),
            read_only_root_filesystem: Some(true),
            run_as_non_root: Some(true),
            capabilities: Some(Capabilities { drop: Some(vec!["ALL".to_owned()]), add: None }),
            seccomp_profile: Some(SeccompProfile {
                type_: "RuntimeDefault".to_owned(),
                localhost_profile: None,
            }),
            ..Default::default()
        }),
        volume_mounts: (!mounts.is_empty()).then_some(mounts),
        termination_message_policy: Some("FallbackToLogsOnError".to_owned()),
        ..Default::default()
    }
}

/// The pod spec around one container, running as `uid`, with an emptyDir per scratch mount.
pub fn pod_spec(
    service_account: String,
    uid: i64,
    parts: ContainerParts,
    restart_policy: Option<&str>,
) -> PodSpec {
    let volumes: Vec<Volume> = parts
        .scratch
        .iter()
        .map(|(name, _)| Volume {
            name: (*name).to_owned(),
            empty_dir: Some(EmptyDirVolumeSource {
                size_limit: Some(Quantity("1Gi".to_owned())),
                medium: None,
            }),
            ..Default::default()
        })
        .collect();
    PodSpec {
        service_account_name: Some(service_account),
        automount_service_account_token: Some(false),
        enable_service_links: Some(false),
        restart_policy: restart_policy.map(str::to_owned),
        security_context: Some(PodSecurityContext {
            run_as_non_root: Some(true),
            run_as_user: Some(uid),
            run_as_group: Some(uid),
            fs_group: Some(uid),
            seccomp_profile: Some(SeccompProfile {
                type_: "RuntimeDefault".to_owned(),
                localhost_profile: None,
            }),
            ..Default::default()
        }),
        containers: vec![container(parts)],
        volumes: (!volumes.is_empty()).then_some(volumes),
        ..Default::default()
    }
}
