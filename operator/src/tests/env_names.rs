//! The variables the operator sets for the API and worker are the ones
//! `shopfleet_env_names` lists for them, and each listed one is set for some spec.

use std::collections::BTreeSet;

use shopfleet_env_names as var;

use crate::children::Kind;

use super::fixtures::{converged, pod_specs, shop, specs};

/// A spec that also sets the optional AI settings, which no snapshot spec does.
const AI: &str = "{ai: {embeddingModelDir: /models/minilm, llm: {apiKeySecret: {name: llm, key: key}, baseUrl: 'https://llm.example.com/v1', model: m}}}";

/// The names a `$(NAME)` reference in `value` reads.
fn interpolated(value: &str) -> impl Iterator<Item = &str> {
    value.split("$(").skip(1).filter_map(|rest| rest.split_once(')').map(|(name, _)| name))
}

#[test]
fn the_api_and_worker_get_exactly_the_listed_variables() {
    let listed: BTreeSet<&str> = var::API.iter().chain(var::WORKER).copied().collect();
    let mut seen = BTreeSet::new();
    for (spec_name, spec) in specs().into_iter().chain([("ai", AI)]) {
        let desired = converged(&shop("shop", spec));
        let config = desired.children.iter().find(|c| c.kind == Kind::ConfigMap).expect("a ConfigMap");
        let mut names: BTreeSet<String> =
            config.object.data["data"].as_object().expect("settings").keys().cloned().collect();
        let mut helpers = BTreeSet::new();
        for (kind, _, pod) in pod_specs(&desired.children) {
            let image = pod["containers"][0]["image"].as_str().unwrap_or_default();
            if kind == Kind::StatefulSet || !image.contains("/shopfleet-") {
                continue; // third-party servers and tools, with variables of their own images
            }
            for var in pod["containers"][0]["env"].as_array().expect("env") {
                names.insert(var["name"].as_str().unwrap().to_owned());
                let value = var["value"].as_str().unwrap_or_default();
                helpers.extend(interpolated(value).map(str::to_owned));
            }
        }
        for name in names.difference(&helpers) {
            assert!(
                listed.contains(name.as_str()),
                "{spec_name}: {name} is set but listed for neither binary"
            );
            seen.insert(name.clone());
        }
    }
    let never: Vec<_> = listed.iter().filter(|n| !seen.contains(**n)).collect();
    assert!(never.is_empty(), "listed but never set: {never:?}");
}

#[test]
fn each_binary_is_told_its_own_port() {
    assert!(var::API.contains(&var::API_PORT) && !var::API.contains(&var::WORKER_PORT));
    assert!(var::WORKER.contains(&var::WORKER_PORT) && !var::WORKER.contains(&var::API_PORT));
}
