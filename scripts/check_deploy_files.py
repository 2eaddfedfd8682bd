#!/usr/bin/env python3
"""Structural checks of deploy/ for scripts/check-deploy.sh.

Usage: check_deploy_files.py REPO CHECK [ARGS]
  yaml                  every YAML file parses; compose and Kubernetes files
                        are consistent (mounted files exist, names resolve,
                        the security settings the deployment promises hold)
  grafana               the dashboard is JSON with unique panel ids and a
                        data source variable; prints its PromQL expressions
                        as a Prometheus rule file on stdout (promtool checks
                        them)
  metrics               every sitrep_* metric the alerts and the dashboard
                        use is one sitrepd exports (the fixed list below)
  policies              the example access policies have the shape sitrepd
                        accepts
  sitrepd-flags         prints every sitrepd flag name the deploy files pass,
                        one per line, with the file it comes from
  runtime-packages      prints the packages the Dockerfile's runtime stage
                        installs

Exit 0 when the check holds; 1 with one line per problem on stderr.
"""
import json
import os
import re
import shlex
import subprocess
import sys

import yaml

# The metrics sitrepd exports (server/metrics): alert rules and the dashboard
# are written against exactly these names.
METRICS = {
    "sitrep_updates_published_total", "sitrep_publish_duration_seconds",
    "sitrep_deliveries_total", "sitrep_delivery_latency_seconds", "sitrep_subscribers",
    "sitrep_subscriber_lag_updates", "sitrep_subscriber_lag_max_updates",
    "sitrep_catchup_reads_total", "sitrep_store_head_sequence",
    "sitrep_store_oldest_sequence", "sitrep_store_updates", "sitrep_store_size_bytes",
    "sitrep_retention_deleted_total", "sitrep_requests_rejected_total",
    "sitrep_grpc_server_handled_total", "sitrep_open_incidents",
    "sitrep_last_update_age_seconds", "sitrep_store_serving", "sitrep_build_info",
    "sitrep_webhook_lag_updates", "sitrep_webhook_deliveries_total",
}
HISTOGRAMS = {"sitrep_publish_duration_seconds", "sitrep_delivery_latency_seconds",
              "sitrep_subscriber_lag_updates"}

problems = []


def problem(where, what):
    problems.append(f"{where}: {what}")


def load_yaml_docs(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def rel(repo, path):
    return os.path.relpath(path, repo)


# --- yaml -----------------------------------------------------------------

def check_compose(repo):
    path = os.path.join(repo, "deploy/compose/docker-compose.yml")
    base = os.path.dirname(path)
    where = rel(repo, path)
    [doc] = load_yaml_docs(path)
    services = doc.get("services") or {}
    volumes = set((doc.get("volumes") or {}).keys())
    for name in ("sitrepd", "prometheus"):
        if name not in services:
            problem(where, f"no service '{name}'")
    nats = [n for n in services if n.startswith("nats-")]
    if len(nats) != 3:
        problem(where, f"expected 3 NATS nodes, found {len(nats)}")
    for n in nats:
        if "nats" not in (services[n].get("profiles") or []):
            problem(where, f"{n}: not in the 'nats' profile (it must stay off by default)")
    for name, svc in services.items():
        build = svc.get("build")
        if isinstance(build, dict):
            context = os.path.normpath(os.path.join(base, build.get("context", ".")))
            dockerfile = os.path.join(context, build.get("dockerfile", "Dockerfile"))
            if not os.path.isfile(dockerfile):
                problem(where, f"{name}: build.dockerfile {rel(repo, dockerfile)} does not exist")
        for mount in svc.get("volumes") or []:
            source = mount.split(":")[0]
            if source.startswith((".", "/")):
                full = os.path.normpath(os.path.join(base, source))
                if not os.path.exists(full):
                    problem(where, f"{name}: mounted {source} does not exist")
            elif source not in volumes:
                problem(where, f"{name}: volume '{source}' is not declared under volumes")
        for dep in svc.get("depends_on") or []:
            if dep not in services:
                problem(where, f"{name}: depends_on unknown service '{dep}'")
        for port in svc.get("ports") or []:
            if not str(port).startswith("127.0.0.1:"):
                problem(where, f"{name}: port {port} is not published on loopback only")
    sitrepd = services.get("sitrepd", {})
    command = sitrepd.get("command") or []
    if "--plaintext" in command and not any(a.startswith("--auth_file=") for a in command):
        problem(where, "sitrepd: --plaintext without --auth_file (sitrepd refuses to start)")


def k8s_objects(repo):
    kdir = os.path.join(repo, "deploy/kubernetes")
    [kust] = load_yaml_docs(os.path.join(kdir, "kustomization.yaml"))
    objects = []
    for resource in kust.get("resources") or []:
        path = os.path.join(kdir, resource)
        if not os.path.isfile(path):
            problem("deploy/kubernetes/kustomization.yaml", f"resource {resource} does not exist")
            continue
        for doc in load_yaml_docs(path):
            objects.append((rel(repo, path), doc))
    return objects


def check_kubernetes(repo):
    objects = k8s_objects(repo)
    by_kind = {}
    for where, obj in objects:
        for key in ("apiVersion", "kind", "metadata"):
            if key not in obj:
                problem(where, f"an object without {key}")
        by_kind.setdefault(obj.get("kind"), []).append((where, obj))
    names = {(o.get("kind"), o["metadata"].get("name")) for _, o in objects if "metadata" in o}

    sets = by_kind.get("StatefulSet", [])
    if len(sets) != 1:
        problem("deploy/kubernetes", f"expected one StatefulSet, found {len(sets)}")
        return
    where, sts = sets[0]
    spec = sts["spec"]
    if spec.get("replicas") != 1:
        problem(where, "replicas must be 1 (one writer of the embedded store)")
    if ("Service", spec.get("serviceName")) not in names:
        problem(where, f"serviceName {spec.get('serviceName')} is not a Service here")
    selector = spec["selector"]["matchLabels"]
    labels = spec["template"]["metadata"]["labels"]
    if any(labels.get(k) != v for k, v in selector.items()):
        problem(where, "the pod template's labels do not match the selector")
    claims = {c["metadata"]["name"] for c in spec.get("volumeClaimTemplates") or []}
    pod = spec["template"]["spec"]
    psc = pod.get("securityContext") or {}
    if psc.get("runAsNonRoot") is not True:
        problem(where, "pod securityContext.runAsNonRoot must be true")
    volumes = {v["name"]: v for v in pod.get("volumes") or []}
    for volume in volumes.values():
        cm = (volume.get("configMap") or {}).get("name")
        if cm and ("ConfigMap", cm) not in names:
            problem(where, f"volume {volume['name']}: ConfigMap {cm} is not defined here")
    [container] = [c for c in pod["containers"] if c["name"] == "sitrepd"]
    csc = container.get("securityContext") or {}
    if csc.get("readOnlyRootFilesystem") is not True:
        problem(where, "container securityContext.readOnlyRootFilesystem must be true")
    if csc.get("allowPrivilegeEscalation") is not False:
        problem(where, "container securityContext.allowPrivilegeEscalation must be false")
    if "ALL" not in ((csc.get("capabilities") or {}).get("drop") or []):
        problem(where, "container capabilities must drop ALL")
    res = container.get("resources") or {}
    if not res.get("requests") or not res.get("limits"):
        problem(where, "container needs resource requests and limits")
    ports = {p["name"]: p["containerPort"] for p in container.get("ports") or []}
    if ports.get("grpc") != 50051 or ports.get("metrics") != 9464:
        problem(where, "container ports must be grpc 50051 and metrics 9464")
    for probe_name in ("livenessProbe", "readinessProbe"):
        probe = container.get(probe_name)
        if not probe:
            problem(where, f"no {probe_name}")
            continue
        port = (probe.get("httpGet") or probe.get("grpc") or {}).get("port")
        if isinstance(port, str) and port not in ports:
            problem(where, f"{probe_name}: port {port} is not a container port name")
    mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts") or []}
    for path, name in mounts.items():
        if name not in volumes and name not in claims:
            problem(where, f"volumeMount {path}: no volume or claim '{name}'")
    if mounts.get("/var/lib/sitrep") not in claims:
        problem(where, "/var/lib/sitrep must be the volumeClaimTemplate")
    for swhere, svc in by_kind.get("Service", []):
        for port in svc["spec"].get("ports") or []:
            target = port.get("targetPort")
            if isinstance(target, str) and target not in ports:
                problem(swhere, f"targetPort {target} is not a container port name")
        sel = svc["spec"].get("selector") or {}
        if any(labels.get(k) != v for k, v in sel.items()):
            problem(swhere, "selector does not match the StatefulSet's pods")
    service_ports = {p["port"] for _, s in by_kind.get("Service", [])
                     for p in s["spec"].get("ports") or []}
    if not {50051, 9464} <= service_ports:
        problem("deploy/kubernetes/service.yaml", "Services must expose 50051 and 9464")


def check_yaml(repo):
    deploy = os.path.join(repo, "deploy")
    for root, _, files in os.walk(deploy):
        for name in sorted(files):
            if name.endswith((".yml", ".yaml")):
                path = os.path.join(root, name)
                try:
                    load_yaml_docs(path)
                except yaml.YAMLError as e:
                    problem(rel(repo, path), f"not valid YAML: {e}".replace("\n", " "))
    if problems:
        return
    check_compose(repo)
    check_kubernetes(repo)


# --- grafana --------------------------------------------------------------

def dashboard_exprs(repo):
    path = os.path.join(repo, "deploy/grafana/sitrep-dashboard.json")
    with open(path, encoding="utf-8") as f:
        dash = json.load(f)
    where = rel(repo, path)
    ids = [p.get("id") for p in dash.get("panels", [])]
    if len(ids) != len(set(ids)):
        problem(where, "panel ids are not unique")
    variables = {v.get("name") for v in dash.get("templating", {}).get("list", [])}
    if "datasource" not in variables:
        problem(where, "no 'datasource' variable (the dashboard would be bound to one data source)")
    exprs = []
    for p in dash.get("panels", []):
        for t in p.get("targets", []):
            if t.get("expr"):
                exprs.append((p.get("title", "?"), t["expr"]))
    if not exprs:
        problem(where, "no queries")
    return exprs


def grafana_rules(repo):
    """The dashboard's queries as recording rules, Grafana's variables
    replaced by what Prometheus would see, so promtool parses them."""
    rules = []
    for i, (_, expr) in enumerate(dashboard_exprs(repo)):
        expr = (expr.replace("$__rate_interval", "5m").replace("$__interval", "1m")
                .replace("$instance", ".*"))
        rules.append({"record": f"sitrep_dashboard:query_{i}", "expr": expr})
    return {"groups": [{"name": "dashboard", "rules": rules}]}


# --- metrics --------------------------------------------------------------

def used_metrics(text):
    found = set()
    for name in re.findall(r"\bsitrep_[a-z0-9_]+", text):
        if name.startswith("sitrep_dashboard"):
            continue
        for suffix in ("_bucket", "_sum", "_count"):
            if name.endswith(suffix) and name[: -len(suffix)] in HISTOGRAMS:
                name = name[: -len(suffix)]
        found.add(name)
    return found


def check_metrics(repo):
    for f in ("deploy/prometheus/alerts.yml", "deploy/grafana/sitrep-dashboard.json"):
        with open(os.path.join(repo, f), encoding="utf-8") as fh:
            text = fh.read()
        # Alert descriptions may name metrics in prose; the same list applies.
        for name in sorted(used_metrics(text) - METRICS):
            problem(f, f"{name} is not a metric sitrepd exports")
    with open(os.path.join(repo, "deploy/grafana/sitrep-dashboard.json"), encoding="utf-8") as fh:
        missing = METRICS - used_metrics(fh.read())
    for name in sorted(missing):
        problem("deploy/grafana/sitrep-dashboard.json", f"{name} is on no panel")


# --- policies -------------------------------------------------------------

PRINCIPAL_NAME = re.compile(r"^[A-Za-z0-9._@:-]{1,64}$")
MISSIONS = {"*", "ALL", "KFOR", "EULEX", "KOSOVO_POLICE", "MISSION_KFOR", "MISSION_EULEX",
            "MISSION_KOSOVO_POLICE"}


def check_policy(where, text):
    try:
        policy = json.loads(text)
    except json.JSONDecodeError as e:
        problem(where, f"not JSON: {e}")
        return
    allowed = {"name", "tokenSha256", "clientCertNames", "publish", "read", "admin"}
    principals = policy.get("principals") or []
    if not principals or set(policy) != {"principals"}:
        problem(where, "must be {\"principals\": [...]} with at least one principal")
    for i, p in enumerate(principals):
        at = f"{where}: principals[{i}]"
        if set(p) - allowed:
            problem(at, f"unknown fields {sorted(set(p) - allowed)}")
        if not PRINCIPAL_NAME.match(p.get("name", "")):
            problem(at, "name must be 1-64 of A-Z a-z 0-9 . _ @ : -")
        if not p.get("tokenSha256") and not p.get("clientCertNames"):
            problem(at, "neither tokenSha256 nor clientCertNames")
        for h in p.get("tokenSha256") or []:
            if not re.fullmatch(r"[0-9a-fA-F]{64}", h):
                problem(at, f"tokenSha256 '{h}' is not 64 hex digits")
        for right in (p.get("publish") or []) + (p.get("read") or []):
            if right.strip().upper().replace("-", "_") not in MISSIONS:
                problem(at, f"'{right}' is not a mission")


def check_policies(repo):
    path = os.path.join(repo, "deploy/compose/policy.json")
    with open(path, encoding="utf-8") as f:
        check_policy(rel(repo, path), f.read())
    cm = os.path.join(repo, "deploy/kubernetes/configmap.yaml")
    for doc in load_yaml_docs(cm):
        if doc.get("kind") == "ConfigMap" and "policy.json" in (doc.get("data") or {}):
            check_policy(rel(repo, cm) + " (policy.json)", doc["data"]["policy.json"])


# --- sitrepd flags --------------------------------------------------------

def flag_names(args):
    return [a[2:].split("=", 1)[0] for a in args if a.startswith("--")]


def sitrepd_flags(repo):
    """(file, flag) for every flag given to sitrepd in deploy/."""
    out = []
    env = os.path.join(repo, "deploy/systemd/sitrepd.env")
    # The env file is read the way systemd reads it: assignments, quotes,
    # backslash-newline continuations; bash's reading agrees for this file.
    value = subprocess.run(["bash", "-c", 'set -a; . "$1"; printf %s "$SITREPD_FLAGS"', "-", env],
                           check=True, capture_output=True, text=True).stdout
    if not value.strip():
        problem(rel(repo, env), "SITREPD_FLAGS is empty or missing")
    out += [("deploy/systemd/sitrepd.env", f) for f in flag_names(shlex.split(value))]
    with open(os.path.join(repo, "deploy/systemd/sitrepd.service"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("ExecStart="):
                out += [("deploy/systemd/sitrepd.service", n)
                        for n in flag_names(shlex.split(line.split("=", 1)[1]))]
    with open(os.path.join(repo, "deploy/docker/Dockerfile"), encoding="utf-8") as f:
        text = f.read().replace("\\\n", " ")
    for line in text.splitlines():
        if line.startswith("CMD "):
            out += [("deploy/docker/Dockerfile", n) for n in flag_names(json.loads(line[4:]))]
    [compose] = load_yaml_docs(os.path.join(repo, "deploy/compose/docker-compose.yml"))
    out += [("deploy/compose/docker-compose.yml", n)
            for n in flag_names(compose["services"]["sitrepd"].get("command") or [])]
    for where, obj in k8s_objects(repo):
        if obj.get("kind") == "ConfigMap" and "sitrepd.flags" in (obj.get("data") or {}):
            out += [(where, n) for n in flag_names(obj["data"]["sitrepd.flags"].split())]
        if obj.get("kind") == "StatefulSet":
            for c in obj["spec"]["template"]["spec"]["containers"]:
                out += [(where, n) for n in flag_names(c.get("args") or [])]
    return out


def runtime_packages(repo):
    with open(os.path.join(repo, "deploy/docker/Dockerfile"), encoding="utf-8") as f:
        text = f.read().replace("\\\n", " ")
    stages = re.split(r"(?m)^FROM ", text)
    runtime = stages[-1]
    packages = set()
    for m in re.finditer(r"apt-get install ([^&\n]*)", runtime):
        packages |= {w for w in m.group(1).split() if not w.startswith("-")}
    return packages


def main():
    repo, check = sys.argv[1], sys.argv[2]
    if check == "yaml":
        check_yaml(repo)
    elif check == "grafana":
        rules = grafana_rules(repo)
        if not problems:
            yaml.safe_dump(rules, sys.stdout, sort_keys=False, width=1000)
    elif check == "metrics":
        check_metrics(repo)
    elif check == "policies":
        check_policies(repo)
    elif check == "sitrepd-flags":
        for where, name in sitrepd_flags(repo):
            print(f"{name} {where}")
    elif check == "runtime-packages":
        print("\n".join(sorted(runtime_packages(repo))))
    else:
        sys.exit(f"unknown check {check}")
    for p in problems:
        print(p, file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
