//! Every pod the operator builds meets the restricted Pod Security Standard and has
//! requests, limits and probes.

use serde_json::Value;

use crate::children::Kind;

use super::fixtures::{converged, pod_specs, shop, specs};

fn check_pod(kind: Kind, pod: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut expect = |ok: bool, what: &str| {
        if !ok {
            problems.push(what.to_owned());
        }
    };
    let psc = &pod["securityContext"];
    expect(psc["runAsNonRoot"] == true, "pod runAsNonRoot");
    expect(psc["runAsUser"].as_i64().is_some_and(|u| u > 0), "pod runAsUser > 0");
    expect(psc["seccompProfile"]["type"] == "RuntimeDefault", "pod seccomp RuntimeDefault");
    expect(pod["automountServiceAccountToken"] == false, "no service account token");
    expect(pod["hostNetwork"].is_null() && pod["hostPID"].is_null(), "no host namespaces");
    let volumes: Vec<&str> =
        pod["volumes"].as_array().into_iter().flatten().map(|v| v["name"].as_str().unwrap()).collect();
    for container in pod["containers"].as_array().expect("containers") {
        let sc = &container["securityContext"];
        expect(sc["allowPrivilegeEscalation"] == false, "allowPrivilegeEscalation false");
        expect(sc["readOnlyRootFilesystem"] == true, "readOnlyRootFilesystem");
        expect(sc["runAsNonRoot"] == true, "container runAsNonRoot");
        expect(sc["capabilities"]["drop"] == serde_json::json!(["ALL"]), "drop ALL");
        expect(sc["capabilities"]["add"].is_null(), "no added capabilities");
        expect(sc["privileged"].is_null() || sc["privileged"] == false, "not privileged");
        expect(sc["seccompProfile"]["type"] == "RuntimeDefault", "container seccomp RuntimeDefault");
        for bound in ["requests", "limits"] {
            for resource in ["cpu", "memory"] {
                expect(container["resources"][bound][resource].is_string(), &format!("{bound}.{resource}"));
            }
        }
        let mounts: Vec<&str> = container["volumeMounts"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| m["mountPath"].as_str().unwrap())
            .collect();
        expect(mounts.contains(&"/tmp"), "a writable /tmp");
        for mount in container["volumeMounts"].as_array().into_iter().flatten() {
            let name = mount["name"].as_str().unwrap();
            expect(
                volumes.contains(&name) || (kind == Kind::StatefulSet && name == "data"),
                "mounts a declared volume",
            );
        }
        // A Job container runs to completion; probes would only kill a long migration.
        if !matches!(kind, Kind::Job | Kind::CronJob) {
            for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
                expect(container[probe].is_object(), probe);
            }
        }
    }
    problems
}

#[test]
fn every_pod_is_restricted_with_resources_and_probes() {
    let mut checked = 0;
    for (spec_name, spec) in specs() {
        for (kind, name, pod) in pod_specs(&converged(&shop("shop", spec)).children) {
            let problems = check_pod(kind, &pod);
            assert!(problems.is_empty(), "{spec_name}: {kind:?} {name}: {problems:?}");
            checked += 1;
        }
    }
    // minimal: 5 data services + api + worker + job; others fewer.
    assert!(checked >= 20, "only {checked} pod templates checked");
}

#[test]
fn the_check_catches_an_insecure_pod() {
    let (kind, _, mut pod) = pod_specs(&converged(&shop("shop", "{}")).children).remove(0);
    pod["containers"][0]["securityContext"]["readOnlyRootFilesystem"] = false.into();
    pod["containers"][0]["resources"]["limits"] = Value::Null;
    let problems = check_pod(kind, &pod);
    assert!(problems.contains(&"readOnlyRootFilesystem".to_owned()), "{problems:?}");
    assert!(problems.contains(&"limits.cpu".to_owned()), "{problems:?}");
}
