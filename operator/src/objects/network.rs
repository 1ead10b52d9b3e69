//! How traffic reaches the shop and leaves it: the API Service and Ingress, and
//! NetworkPolicies that deny all ingress to the shop's pods except to the API port and
//! to the worker's metrics port from the monitoring namespaces (data services add their
//! own allow-from-this-shop policies in `data`), and limit egress: data services reach
//! only the shop and DNS; the API, worker and migrations also their destinations outside.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, IPBlock, Ingress, IngressBackend, IngressRule,
    IngressServiceBackend, IngressSpec as K8sIngressSpec, IngressTLS, NetworkPolicy, NetworkPolicyEgressRule,
    NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicySpec, ServiceBackendPort,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use shopfleet_crds::{IngressSpec, SHOP_LABEL};

use super::meta::{Owner, COMPONENT_LABEL};

/// Port of the API container.
pub const API_PORT: i32 = 8000;
/// Port of the API Service.
pub const SERVICE_PORT: i32 = 80;

/// The ClusterIP Service in front of the API pods.
pub fn api_service(owner: &Owner) -> Service {
    Service {
        metadata: owner.meta(owner.child_name("api"), "api"),
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".to_owned()),
            selector: Some(owner.selector_labels("api")),
            ports: Some(vec![ServicePort {
                name: Some("http".to_owned()),
                port: SERVICE_PORT,
                target_port: Some(IntOrString::String("http".to_owned())),
                protocol: Some("TCP".to_owned()),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        status: None,
    }
}

/// The public Ingress to the API, with TLS and cert-manager annotations when asked for.
pub fn ingress(owner: &Owner, spec: &IngressSpec) -> Ingress {
    let mut metadata = owner.meta(owner.name.clone(), "api");
    let mut annotations = BTreeMap::new();
    let tls = spec.tls.as_ref().map(|tls| {
        if let Some(issuer) = &tls.cert_manager_issuer {
            annotations.insert("cert-manager.io/issuer".to_owned(), issuer.clone());
        }
        if let Some(issuer) = &tls.cert_manager_cluster_issuer {
            annotations.insert("cert-manager.io/cluster-issuer".to_owned(), issuer.clone());
        }
        vec![IngressTLS {
            hosts: Some(vec![spec.host.clone()]),
            secret_name: Some(tls.secret_name.clone().unwrap_or_else(|| owner.child_name("tls"))),
        }]
    });
    metadata.annotations = (!annotations.is_empty()).then_some(annotations);
    Ingress {
        metadata,
        spec: Some(K8sIngressSpec {
            ingress_class_name: spec.class_name.clone(),
            tls,
            rules: Some(vec![IngressRule {
                host: Some(spec.host.clone()),
                http: Some(HTTPIngressRuleValue {
                    paths: vec![HTTPIngressPath {
                        path: Some("/".to_owned()),
                        path_type: "Prefix".to_owned(),
                        backend: IngressBackend {
                            service: Some(IngressServiceBackend {
                                name: owner.child_name("api"),
                                port: Some(ServiceBackendPort { number: Some(SERVICE_PORT), name: None }),
                            }),
                            resource: None,
                        },
                    }],
                }),
            }]),
            default_backend: None,
        }),
        status: None,
    }
}

/// The URL clients use: the Ingress host when there is one, else the in-cluster Service.
pub fn endpoint(owner: &Owner, spec: Option<&IngressSpec>) -> String {
    match spec {
        Some(ing) if ing.tls.is_some() => format!("https://{}", ing.host),
        Some(ing) => format!("http://{}", ing.host),
        None => format!("http://{}.{}.svc:{SERVICE_PORT}", owner.child_name("api"), owner.namespace),
    }
}

/// Denies all ingress to every pod of the shop; other policies add the allowed paths.
pub fn default_deny(owner: &Owner) -> NetworkPolicy {
    NetworkPolicy {
        metadata: owner.meta(owner.child_name("default-deny"), "network"),
        spec: Some(NetworkPolicySpec {
            pod_selector: LabelSelector {
                match_labels: Some(BTreeMap::from([(SHOP_LABEL.to_owned(), owner.name.clone())])),
                ..Default::default()
            },
            policy_types: Some(vec!["Ingress".to_owned()]),
            ingress: None,
            egress: None,
        }),
    }
}

/// Admits traffic from anywhere to the API port, the shop's only public door.
pub fn api_ingress_policy(owner: &Owner) -> NetworkPolicy {
    NetworkPolicy {
        metadata: owner.meta(owner.child_name("api"), "api"),
        spec: Some(NetworkPolicySpec {
            pod_selector: owner.selector("api"),
            policy_types: Some(vec!["Ingress".to_owned()]),
            ingress: Some(vec![NetworkPolicyIngressRule { from: None, ports: Some(vec![tcp(API_PORT)]) }]),
            egress: None,
        }),
    }
}

/// Components of the shop's own workloads (the rest are its data services).
const APP_COMPONENTS: [&str; 3] = ["api", "worker", "migrate"];

/// A place outside the shop the API, worker and migrations may reach.
#[derive(Clone, Debug, PartialEq)]
pub struct Destination {
    /// Address blocks; empty means any address (unless `pods` names the destination).
    pub cidrs: Vec<String>,
    /// Pods of the namespace with these labels (another operator's, such as CloudNativePG's).
    pub pods: Option<BTreeMap<String, String>>,
    /// TCP ports; empty means every port.
    pub ports: Vec<i32>,
}

fn tcp(port: i32) -> NetworkPolicyPort {
    NetworkPolicyPort { port: Some(IntOrString::Int(port)), protocol: Some("TCP".to_owned()), end_port: None }
}

/// The shop's pods of `components`.
fn pods_of(owner: &Owner, components: &[&str]) -> LabelSelector {
    LabelSelector {
        match_labels: Some(BTreeMap::from([(SHOP_LABEL.to_owned(), owner.name.clone())])),
        match_expressions: Some(vec![LabelSelectorRequirement {
            key: COMPONENT_LABEL.to_owned(),
            operator: "In".to_owned(),
            values: Some(components.iter().map(|c| (*c).to_owned()).collect()),
        }]),
    }
}

/// Egress every pod of the shop needs: its own pods (any port) and DNS (port 53 anywhere,
/// since cluster DNS runs in-cluster or on the node depending on the distribution).
fn shop_and_dns(owner: &Owner) -> Vec<NetworkPolicyEgressRule> {
    let own_pods = NetworkPolicyPeer {
        pod_selector: Some(LabelSelector {
            match_labels: Some(BTreeMap::from([(SHOP_LABEL.to_owned(), owner.name.clone())])),
            ..Default::default()
        }),
        ..Default::default()
    };
    let dns = ["UDP", "TCP"].map(|protocol| NetworkPolicyPort {
        port: Some(IntOrString::Int(53)),
        protocol: Some(protocol.to_owned()),
        end_port: None,
    });
    vec![
        NetworkPolicyEgressRule { to: Some(vec![own_pods]), ports: None },
        NetworkPolicyEgressRule { to: None, ports: Some(dns.to_vec()) },
    ]
}

fn egress_policy(
    owner: &Owner,
    name: &str,
    pods: LabelSelector,
    egress: Vec<NetworkPolicyEgressRule>,
) -> NetworkPolicy {
    NetworkPolicy {
        metadata: owner.meta(owner.child_name(name), "network"),
        spec: Some(NetworkPolicySpec {
            pod_selector: pods,
            policy_types: Some(vec!["Egress".to_owned()]),
            ingress: None,
            egress: Some(egress),
        }),
    }
}

/// Egress of the data services `components`: the shop's own pods and DNS, nothing else.
/// (Listed, not "all but the app", so pods another operator labels like the shop's are not
/// caught.)
pub fn data_egress_policy(owner: &Owner, components: &[&str]) -> NetworkPolicy {
    egress_policy(owner, "egress-data", pods_of(owner, components), shop_and_dns(owner))
}

/// Egress of the API, worker and migrations: the shop's own pods, DNS and `destinations`.
pub fn app_egress_policy(owner: &Owner, destinations: &[Destination]) -> NetworkPolicy {
    egress_to(owner, "egress-app", &APP_COMPONENTS, destinations)
}

/// Egress of the backup and restore Jobs: the shop's own pods (the database), DNS and
/// `destinations` (the backups bucket).
pub fn backup_egress_policy(owner: &Owner, destinations: &[Destination]) -> NetworkPolicy {
    egress_to(owner, "egress-backup", &["backup", "restore"], destinations)
}

/// Egress of the shop's pods of `components`: its own pods, DNS and `destinations`.
fn egress_to(owner: &Owner, name: &str, components: &[&str], destinations: &[Destination]) -> NetworkPolicy {
    let mut egress = shop_and_dns(owner);
    egress.extend(destinations.iter().map(|destination| NetworkPolicyEgressRule {
        to: match &destination.pods {
            Some(labels) => Some(vec![NetworkPolicyPeer {
                pod_selector: Some(LabelSelector {
                    match_labels: Some(labels.clone()),
                    ..Default::default()
                }),
                ..Default::default()
            }]),
            None => (!destination.cidrs.is_empty()).then(|| {
                destination
                    .cidrs
                    .iter()
                    .map(|cidr| NetworkPolicyPeer {
                        ip_block: Some(IPBlock { cidr: cidr.clone(), except: None }),
                        ..Default::default()
                    })
                    .collect()
            }),
        },
        ports: (!destination.ports.is_empty()).then(|| destination.ports.iter().copied().map(tcp).collect()),
    }));
    egress_policy(owner, name, pods_of(owner, components), egress)
}

/// Admits pods of the `namespaces` to the worker's metrics port; `None` without any.
pub fn worker_metrics_policy(owner: &Owner, namespaces: &[String], port: i32) -> Option<NetworkPolicy> {
    if namespaces.is_empty() {
        return None;
    }
    let from = NetworkPolicyPeer {
        namespace_selector: Some(LabelSelector {
            match_expressions: Some(vec![LabelSelectorRequirement {
                key: "kubernetes.io/metadata.name".to_owned(),
                operator: "In".to_owned(),
                values: Some(namespaces.to_vec()),
            }]),
            ..Default::default()
        }),
        ..Default::default()
    };
    Some(NetworkPolicy {
        metadata: owner.meta(owner.child_name("worker-metrics"), "worker"),
        spec: Some(NetworkPolicySpec {
            pod_selector: owner.selector("worker"),
            policy_types: Some(vec!["Ingress".to_owned()]),
            ingress: Some(vec![NetworkPolicyIngressRule {
                from: Some(vec![from]),
                ports: Some(vec![tcp(port)]),
            }]),
            egress: None,
        }),
    })
}
