//! How traffic reaches the shop: the API Service and Ingress, and NetworkPolicies that deny
//! all ingress to the shop's pods except to the API port (data services add their own
//! allow-from-this-shop policies in `data`).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule, IngressServiceBackend,
    IngressSpec as K8sIngressSpec, IngressTLS, NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPort,
    NetworkPolicySpec, ServiceBackendPort,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use shopfleet_crds::{IngressSpec, SHOP_LABEL};

use super::meta::Owner;

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
            ingress: Some(vec![NetworkPolicyIngressRule {
                from: None,
                ports: Some(vec![NetworkPolicyPort {
                    port: Some(IntOrString::Int(API_PORT)),
                    protocol: Some("TCP".to_owned()),
                    end_port: None,
                }]),
            }]),
            egress: None,
        }),
    }
}
