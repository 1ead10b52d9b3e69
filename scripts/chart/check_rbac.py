#!/usr/bin/env python3
"""Check the rendered RBAC of the operator against its contract (issue 9), per rendered file:

- no wildcard ("*") in apiGroups, resources, verbs or resourceNames; no nonResourceURLs;
  no escalate/bind/impersonate;
- the permissions granted equal exactly the operator's needs (no more, no fewer);
- Secrets are granted only in managed namespaces: a ClusterRole may grant them only when the
  operator watches all namespaces (WATCH_NAMESPACES empty); otherwise only Roles in watched
  namespaces may;
- Leases only in the operator's own namespace, only with leader election on;
- CloudNativePG's and Strimzi's resources exactly when the operator runs with --cloudnative-pg or --strimzi;
- with --built FILE (the operator's snapshots of the objects it builds): every kind it builds is
  one it may create and patch.
Usage: check_rbac.py [--built SNAPSHOT]... RENDERED.yaml...   (each file is one `helm template` output)
"""
import sys

from k8sobjects import load_objects, name_of

RW = {"get", "list", "watch", "create", "patch", "update", "delete"}
NEEDED = {  # (apiGroup, resource) -> verbs, for the shops' namespaces
    ("shopfleet.dev", "shopinstances"): {"get", "list", "watch", "patch", "update"},
    ("shopfleet.dev", "shopinstances/status"): {"get", "patch", "update"},
    **{("", r): RW for r in ("secrets", "configmaps", "services", "serviceaccounts", "persistentvolumeclaims")},
    ("events.k8s.io", "events"): {"create", "patch"},
    ("apps", "statefulsets"): RW, ("apps", "deployments"): RW,
    ("batch", "jobs"): RW, ("batch", "cronjobs"): RW,
    ("networking.k8s.io", "ingresses"): RW, ("networking.k8s.io", "networkpolicies"): RW,
    ("autoscaling", "horizontalpodautoscalers"): RW,
    ("policy", "poddisruptionbudgets"): RW,
}
CLOUDNATIVE_PG = {("postgresql.cnpg.io", r): RW for r in ("clusters", "scheduledbackups")}  # with --cloudnative-pg
STRIMZI = {("kafka.strimzi.io", r): RW for r in ("kafkas", "kafkanodepools", "kafkatopics", "kafkausers")}  # --strimzi
LEASE_VERBS = {"get", "list", "watch", "create", "update", "patch"}
FORBIDDEN_VERBS = {"escalate", "bind", "impersonate", "*"}


def grants(role):
    """Yield (group, resource, verb, resourceNames) for each rule, flagging wildcards."""
    for rule in role.get("rules") or []:
        if rule.get("nonResourceURLs"):
            raise ValueError("nonResourceURLs granted")
        for field in ("apiGroups", "resources", "verbs", "resourceNames"):
            if any("*" in str(x) for x in rule.get(field) or []):
                raise ValueError(f"wildcard in {field}: {rule.get(field)}")
        for g in rule.get("apiGroups") or []:
            for r in rule.get("resources") or []:
                for v in rule.get("verbs") or []:
                    yield g, r, v, tuple(rule.get("resourceNames") or ())


def operator_settings(objs):
    for o in objs:
        if o["kind"] != "Deployment":
            continue
        for c in o["spec"]["template"]["spec"]["containers"]:
            if c["name"] == "operator":
                env = {e["name"]: e.get("value", "") for e in c.get("env") or []}
                watch = [n for n in env.get("WATCH_NAMESPACES", "").split(",") if n]
                args = c.get("args") or []
                optional = {**(CLOUDNATIVE_PG if "--cloudnative-pg" in args else {}),
                            **(STRIMZI if "--strimzi" in args else {})}
                return o["metadata"]["namespace"], watch, env.get("LEADER_ELECTION") == "true", optional
    raise ValueError("no operator Deployment found")


def check_file(path):
    objs = [o for _, o in load_objects([path])]
    errs = []
    op_ns, watch, leader, optional = operator_settings(objs)
    roles = {(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]): o
             for o in objs if o["kind"] in ("Role", "ClusterRole")}
    bound = {}  # scope namespace (None = cluster) -> set of (g, r, v)
    for b in (o for o in objs if o["kind"] in ("RoleBinding", "ClusterRoleBinding")):
        ns = b["metadata"].get("namespace") if b["kind"] == "RoleBinding" else None
        ref = b["roleRef"]
        role = roles.get((ref["kind"], ns if ref["kind"] == "Role" else None, ref["name"]))
        if role is None:
            errs.append(f"{name_of(b)} refers to a role not in the chart: {ref}")
            continue
        try:
            for g, r, v, names in grants(role):
                if v in FORBIDDEN_VERBS:
                    errs.append(f"{name_of(role)} grants forbidden verb {v}")
                if (g, r) == ("coordination.k8s.io", "leases"):
                    if ns != op_ns or not leader:
                        errs.append(f"{name_of(role)}: leases only in {op_ns} and only with leader election")
                    if v not in LEASE_VERBS or (v != "create" and names != ("shopfleet-operator",)):
                        errs.append(f"{name_of(role)}: lease verb {v} on {names or 'all leases'}")
                    continue
                bound.setdefault(ns, set()).add((g, r, v))
        except ValueError as e:
            errs.append(f"{name_of(role)}: {e}")
    for o in objs:
        if o["kind"] in ("Role", "ClusterRole") and not any(
                b["roleRef"]["name"] == o["metadata"]["name"] for b in objs if b["kind"].endswith("Binding")):
            errs.append(f"{name_of(o)} is not bound")
    needed = {**NEEDED, **optional}
    need = {(g, r, v) for (g, r), vs in needed.items() for v in vs}
    scopes = [None] if not watch else watch
    for scope in scopes:
        got = bound.get(scope, set())
        for miss in sorted(need - got):
            errs.append(f"{'cluster' if scope is None else scope}: missing {miss}")
        for extra in sorted(got - need):
            errs.append(f"{'cluster' if scope is None else scope}: not needed {extra}")
    for scope in set(bound) - set(scopes):
        errs.append(f"grants in unmanaged scope {'cluster' if scope is None else scope}: {sorted(bound[scope])[:3]}...")
    if watch and any(r == "secrets" for (_, r, _) in bound.get(None, set())):
        errs.append("a ClusterRole grants Secrets although the operator watches only " + ",".join(watch))
    if leader and not any(r == "leases" for o in roles.values() for _, r, _, _ in grants(o)):
        errs.append("leader election is on but no Role grants the Lease")
    mode = "cluster" if not watch else f"namespaces {','.join(watch)}"
    return errs, f"{mode}, leader election {'on' if leader else 'off'}"


KIND_RESOURCE = {  # kinds the operator may build -> (apiGroup, resource)
    "Secret": ("", "secrets"), "ConfigMap": ("", "configmaps"), "Service": ("", "services"),
    "ServiceAccount": ("", "serviceaccounts"), "PersistentVolumeClaim": ("", "persistentvolumeclaims"),
    "StatefulSet": ("apps", "statefulsets"), "Deployment": ("apps", "deployments"), "Job": ("batch", "jobs"),
    "CronJob": ("batch", "cronjobs"),
    "Cluster": ("postgresql.cnpg.io", "clusters"), "ScheduledBackup": ("postgresql.cnpg.io", "scheduledbackups"),
    "Kafka": ("kafka.strimzi.io", "kafkas"), "KafkaNodePool": ("kafka.strimzi.io", "kafkanodepools"),
    "KafkaTopic": ("kafka.strimzi.io", "kafkatopics"), "KafkaUser": ("kafka.strimzi.io", "kafkausers"),
    "Ingress": ("networking.k8s.io", "ingresses"), "NetworkPolicy": ("networking.k8s.io", "networkpolicies"),
    "HorizontalPodAutoscaler": ("autoscaling", "horizontalpodautoscalers"),
    "PodDisruptionBudget": ("policy", "poddisruptionbudgets"),
}


def check_built(paths):
    """Every kind in the operator's built objects must be creatable and patchable under NEEDED."""
    errs, kinds = [], set()
    for src, obj in load_objects(paths):
        kinds.add(obj["kind"])
    for kind in sorted(kinds):
        gr = KIND_RESOURCE.get(kind)
        if gr is None or not {"create", "patch"} <= {**NEEDED, **CLOUDNATIVE_PG, **STRIMZI}.get(gr, set()):
            errs.append(f"the operator builds {kind} but the chart does not let it create and patch them")
    return errs, kinds


def main():
    args, built = sys.argv[1:], []
    while args[:1] == ["--built"]:
        built.append(args[1])
        args = args[2:]
    bad = 0
    if built:
        errs, kinds = check_built(built)
        for e in errs:
            print(f"FAIL {e}", file=sys.stderr)
        print(f"check_rbac: operator builds {len(kinds)} kinds ({', '.join(sorted(kinds))}): {'ok' if not errs else 'problems'}")
        bad += bool(errs)
    for path in args:
        try:
            errs, mode = check_file(path)
        except (ValueError, KeyError) as e:
            errs, mode = [f"cannot read RBAC: {e!r}"], "?"
        for e in errs:
            print(f"FAIL {path}: {e}", file=sys.stderr)
        print(f"check_rbac: {path}: {mode}: {'ok' if not errs else f'{len(errs)} problems'}")
        bad += bool(errs)
    return 1 if bad or not args else 0


if __name__ == "__main__":
    sys.exit(main())
