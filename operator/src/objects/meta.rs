//! Names, labels and object metadata shared by every child of a shop.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta, OwnerReference};
use kube::{Resource, ResourceExt};
use shopfleet_crds::{ShopInstance, SHOP_LABEL};

/// Field manager of every server-side apply and value of `app.kubernetes.io/managed-by`.
pub const MANAGER: &str = "shopfleet-operator";
/// Label naming the part of the shop an object belongs to (`api`, `postgres`, ...).
pub const COMPONENT_LABEL: &str = "app.kubernetes.io/component";
/// Label selecting everything this operator manages.
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
/// Label carrying the shop name, Kubernetes-recommended form.
pub const INSTANCE_LABEL: &str = "app.kubernetes.io/instance";

/// The shop an object is built for: name, namespace and owner reference.
#[derive(Clone, Debug)]
pub struct Owner {
    pub name: String,
    pub namespace: String,
    owner_ref: OwnerReference,
}

impl Owner {
    /// Reads name, namespace and a controller owner reference from a stored shop.
    pub fn of(shop: &ShopInstance) -> Self {
        Self {
            name: shop.name_any(),
            namespace: shop.namespace().unwrap_or_default(),
            owner_ref: shop.controller_owner_ref(&()).unwrap_or_default(),
        }
    }

    /// The shop's uid.
    pub fn uid(&self) -> &str {
        &self.owner_ref.uid
    }

    /// `<shop>-<suffix>`, the name of a child.
    pub fn child_name(&self, suffix: &str) -> String {
        format!("{}-{suffix}", self.name)
    }

    /// Labels that select the pods of one component.
    pub fn selector_labels(&self, component: &str) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("app.kubernetes.io/name".to_owned(), "shopfleet".to_owned()),
            (INSTANCE_LABEL.to_owned(), self.name.clone()),
            (COMPONENT_LABEL.to_owned(), component.to_owned()),
        ])
    }

    /// The selector of one component's pods.
    pub fn selector(&self, component: &str) -> LabelSelector {
        LabelSelector { match_labels: Some(self.selector_labels(component)), ..Default::default() }
    }

    /// Every label a child carries: the selector labels plus ownership labels.
    pub fn labels(&self, component: &str) -> BTreeMap<String, String> {
        let mut labels = self.selector_labels(component);
        labels.insert("app.kubernetes.io/part-of".to_owned(), "shopfleet".to_owned());
        labels.insert(MANAGED_BY_LABEL.to_owned(), MANAGER.to_owned());
        labels.insert(SHOP_LABEL.to_owned(), self.name.clone());
        labels
    }

    /// Metadata of a child named `name` in component `component`, owned by the shop.
    pub fn meta(&self, name: String, component: &str) -> ObjectMeta {
        ObjectMeta {
            name: Some(name),
            namespace: Some(self.namespace.clone()),
            labels: Some(self.labels(component)),
            owner_references: Some(vec![self.owner_ref.clone()]),
            ..Default::default()
        }
    }
}

/// The label selector (as a string) for everything managed for shop `name`.
pub fn children_selector(name: &str) -> String {
    format!("{MANAGED_BY_LABEL}={MANAGER},{SHOP_LABEL}={name}")
}
