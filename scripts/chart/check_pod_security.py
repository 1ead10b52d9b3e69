#!/usr/bin/env python3
"""Check every pod template in the given YAML (rendered chart, operator snapshots) against the
Kubernetes Pod Security Standards "restricted" level (policy v1.30+), field by field:
host namespaces/ports, privileged, capabilities (drop ALL, add at most NET_BIND_SERVICE),
allowPrivilegeEscalation=false, runAsNonRoot, runAsUser!=0, seccomp RuntimeDefault/Localhost,
volume types, /proc mount, sysctls, AppArmor, SELinux.
Usage: check_pod_security.py [--min N] FILE_OR_DIR...   (fails when fewer than N pod templates)
"""
import sys

from k8sobjects import load_objects, name_of, pod_specs

VOLUME_TYPES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
                "projected", "secret"}
SAFE_SYSCTLS = {"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
                "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
                "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
                "net.ipv4.tcp_keepalive_probes"}
SELINUX_TYPES = {None, "", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}


def check_pod(pod):
    errs = []
    psc = pod.get("securityContext") or {}
    for f in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(f):
            errs.append(f"{f} is set")
    for v in pod.get("volumes") or []:
        kinds = set(v) - {"name"}
        if not kinds <= VOLUME_TYPES:
            errs.append(f"volume {v.get('name')} uses {sorted(kinds - VOLUME_TYPES)}")
    for s in psc.get("sysctls") or []:
        if s.get("name") not in SAFE_SYSCTLS:
            errs.append(f"unsafe sysctl {s.get('name')}")
    if (psc.get("seLinuxOptions") or {}).get("type") not in SELINUX_TYPES:
        errs.append("pod seLinuxOptions.type not allowed")
    if psc.get("runAsUser") == 0:
        errs.append("pod runAsUser is 0")
    if (psc.get("appArmorProfile") or {}).get("type") == "Unconfined":
        errs.append("pod AppArmor Unconfined")
    for key, val in ((pod.get("metadata") or {}).get("annotations") or {}).items():
        if key.startswith("container.apparmor.security.beta.kubernetes.io/") and val == "unconfined":
            errs.append("AppArmor unconfined annotation")
    pod_seccomp = (psc.get("seccompProfile") or {}).get("type")
    containers = [("container", c) for c in pod.get("containers") or []]
    containers += [("initContainer", c) for c in pod.get("initContainers") or []]
    containers += [("ephemeralContainer", c) for c in pod.get("ephemeralContainers") or []]
    if not pod.get("containers"):
        errs.append("no containers")
    for what, c in containers:
        sc = c.get("securityContext") or {}
        who = f"{what} {c.get('name')}"
        if sc.get("privileged"):
            errs.append(f"{who}: privileged")
        if sc.get("allowPrivilegeEscalation") is not False:
            errs.append(f"{who}: allowPrivilegeEscalation must be false")
        caps = sc.get("capabilities") or {}
        if "ALL" not in (caps.get("drop") or []):
            errs.append(f"{who}: capabilities.drop must include ALL")
        if set(caps.get("add") or []) - {"NET_BIND_SERVICE"}:
            errs.append(f"{who}: adds capabilities {caps.get('add')}")
        if sc.get("runAsNonRoot", psc.get("runAsNonRoot")) is not True:
            errs.append(f"{who}: runAsNonRoot must be true (pod or container)")
        if sc.get("runAsUser") == 0:
            errs.append(f"{who}: runAsUser is 0")
        if (sc.get("seccompProfile") or {}).get("type", pod_seccomp) not in ("RuntimeDefault", "Localhost"):
            errs.append(f"{who}: seccompProfile must be RuntimeDefault or Localhost")
        if sc.get("procMount") not in (None, "Default"):
            errs.append(f"{who}: procMount {sc.get('procMount')}")
        if (sc.get("seLinuxOptions") or {}).get("type") not in SELINUX_TYPES:
            errs.append(f"{who}: seLinuxOptions.type not allowed")
        if (sc.get("appArmorProfile") or {}).get("type") == "Unconfined":
            errs.append(f"{who}: AppArmor Unconfined")
        for p in c.get("ports") or []:
            if p.get("hostPort"):
                errs.append(f"{who}: hostPort {p['hostPort']}")
    return errs


def main():
    args = sys.argv[1:]
    minimum = 1
    if args[:1] == ["--min"]:
        minimum, args = int(args[1]), args[2:]
    failures, n = [], 0
    for src, obj in load_objects(args):
        for path, pod in pod_specs(obj):
            n += 1
            failures += [f"{src} {name_of(obj)} {path}: {e}" for e in check_pod(pod)]
    for f in failures:
        print(f"FAIL {f}", file=sys.stderr)
    print(f"check_pod_security: {n} pod templates, {len(failures)} violations of the restricted level")
    if n < minimum:
        print(f"check_pod_security: expected at least {minimum} pod templates", file=sys.stderr)
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
