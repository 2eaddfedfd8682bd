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
  scale-out-rendered    `kubectl kustomize deploy/kubernetes-scale-out` on
                        stdin is what the files promise
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
    "sitrep_support_requests", "sitrep_support_request_oldest_wait_seconds",
    "sitrep_chain_exceptions_total",
    # --store=jetstream (server/metrics/replica_metrics.h)
    "sitrep_replica_probe_up", "sitrep_replicas", "sitrep_stream_last_sequence",
    "sitrep_replica_applied_sequence", "sitrep_replica_lag_updates",
    "sitrep_replica_stalled_seconds", "sitrep_replica_heartbeat_age_seconds",
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

def check_compose_file(repo, name):
    """The checks every compose file gets; returns (where, services)."""
    path = os.path.join(repo, "deploy/compose", name)
    base = os.path.dirname(path)
    where = rel(repo, path)
    [doc] = load_yaml_docs(path)
    services = doc.get("services") or {}
    volumes = set((doc.get("volumes") or {}).keys())
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
        command = svc.get("command") or []
        if "--plaintext" in command and not any(a.startswith("--auth_file=") for a in command):
            problem(where, f"{name}: --plaintext without --auth_file (sitrepd refuses to start)")
    return where, services


EDGE_CFG = "deploy/haproxy/sitrep-edge.cfg"


def check_compose_edge(where, services, upstream):
    """The compose file's `edge` service runs sitrep-edge.cfg in front of
    `upstream` and is the one that publishes gRPC."""
    edge = services.get("edge")
    if edge is None:
        problem(where, "no service 'edge' (HAProxy with sitrep-edge.cfg, docs/security.md C-1)")
        return
    mounts = [m.split(":")[0] for m in edge.get("volumes") or []]
    if not any(m.endswith("/haproxy/sitrep-edge.cfg") for m in mounts):
        problem(where, f"edge: must mount {EDGE_CFG}")
    if (edge.get("environment") or {}).get("SITREP_EDGE_UPSTREAM") != upstream:
        problem(where, f"edge: SITREP_EDGE_UPSTREAM must be {upstream}")
    if "127.0.0.1:50051:50051" not in (edge.get("ports") or []):
        problem(where, "edge: must publish 127.0.0.1:50051")


def check_compose(repo):
    where, services = check_compose_file(repo, "docker-compose.yml")
    for name in ("sitrepd", "prometheus"):
        if name not in services:
            problem(where, f"no service '{name}'")
    if any(str(p).endswith(":50051") for p in (services.get("sitrepd") or {}).get("ports") or []):
        problem(where, "sitrepd: must not publish gRPC (clients come through the edge)")
    check_compose_edge(where, services, "sitrepd:50051")
    check_compose_scale_out(repo)


def flag_values(args):
    """--name=value flags as a dict (the last one wins)."""
    return dict(a[2:].split("=", 1) for a in args if a.startswith("--") and "=" in a)


NATS_CONF = "deploy/nats/nats-cluster.conf"


def nats_conf_mount_dir(repo):
    """The directory nats-cluster.conf's store_dir lives in (/data)."""
    with open(os.path.join(repo, NATS_CONF), encoding="utf-8") as f:
        m = re.search(r"^\s*store_dir:\s*(\S+)", f.read(), re.M)
    if not m:
        problem(NATS_CONF, "no jetstream store_dir")
        return None
    return os.path.dirname(m.group(1).rstrip("/"))


def check_compose_scale_out(repo):
    where, services = check_compose_file(repo, "scale-out.yml")
    nats = sorted(n for n in services if n.startswith("nats-"))
    if nats != ["nats-1", "nats-2", "nats-3"]:
        problem(where, f"expected NATS nodes nats-1, nats-2, nats-3, found {nats}")
    data_dir = nats_conf_mount_dir(repo)
    routes = {f"nats://{n}:6222" for n in nats}
    for n in nats:
        svc = services[n]
        env = svc.get("environment") or {}
        if env.get("NATS_SERVER_NAME") != n:
            problem(where, f"{n}: NATS_SERVER_NAME must be {n}")
        if {env.get(f"NATS_ROUTE_{i}") for i in (1, 2, 3)} != routes:
            problem(where, f"{n}: NATS_ROUTE_1..3 must be {sorted(routes)}")
        command = svc.get("command") or []
        mounts = {m.split(":")[1]: m.split(":")[0] for m in svc.get("volumes") or []}
        conf = command[command.index("--config") + 1] if "--config" in command else None
        if conf is None or os.path.normpath(os.path.join(
                repo, "deploy/compose", mounts.get(conf, "-"))) != os.path.normpath(
                    os.path.join(repo, NATS_CONF)):
            problem(where, f"{n}: must run --config with {NATS_CONF} mounted there")
        if data_dir and data_dir not in mounts:
            problem(where, f"{n}: no volume at {data_dir} (the configuration's store)")
    sitrepd = services.get("sitrepd")
    if sitrepd is None:
        problem(where, "no service 'sitrepd'")
        return
    flags = flag_values(sitrepd.get("command") or [])
    if flags.get("store") != "jetstream" or flags.get("replicas") != "3":
        problem(where, "sitrepd: needs --store=jetstream and --replicas=3")
    if set((flags.get("nats_url") or "").split(",")) != {f"nats://{n}:4222" for n in nats}:
        problem(where, "sitrepd: --nats_url must name every NATS node's port 4222")
    if sitrepd.get("ports"):
        problem(where, "sitrepd: replicas publish no ports (HAProxy is the address)")
    if ((sitrepd.get("deploy") or {}).get("replicas") or 1) < 2:
        problem(where, "sitrepd: deploy.replicas must be 2 or more")
    # gRPC only through the edge (docs/security.md, C-1): it publishes
    # 127.0.0.1:50051 and forwards to the balancer, which publishes no gRPC.
    proxy = services.get("haproxy") or {}
    if any(str(p).endswith(":50051") for p in proxy.get("ports") or []):
        problem(where, "haproxy: must not publish gRPC (clients come through the edge)")
    check_compose_edge(where, services, "haproxy:50051")
    cfg_path = os.path.join(repo, "deploy/compose/haproxy.cfg")
    with open(cfg_path, encoding="utf-8") as f:
        cfg = f.read()
    if not re.search(r"^\s*server-template \S+ \d+ sitrepd:50051 ", cfg, re.M):
        problem("deploy/compose/haproxy.cfg", "no server-template for the service sitrepd:50051")
    if "uri /readyz" not in cfg or "check port 9464" not in cfg:
        problem("deploy/compose/haproxy.cfg", "health checks must be GET /readyz on port 9464")


def k8s_objects(repo, directory="deploy/kubernetes"):
    """The objects of a kustomization's own resource files (directories it
    names are left to `kubectl kustomize`)."""
    kdir = os.path.join(repo, directory)
    [kust] = load_yaml_docs(os.path.join(kdir, "kustomization.yaml"))
    objects = []
    for resource in kust.get("resources") or []:
        path = os.path.join(kdir, resource)
        if os.path.isdir(path):
            if not os.path.isfile(os.path.join(path, "kustomization.yaml")):
                problem(f"{directory}/kustomization.yaml", f"resource {resource} has no kustomization.yaml")
            continue
        if not os.path.isfile(path):
            problem(f"{directory}/kustomization.yaml", f"resource {resource} does not exist")
            continue
        for doc in load_yaml_docs(path):
            objects.append((rel(repo, path), doc))
    # ConfigMaps the kustomization generates from files (their files must
    # exist; kustomize adds a hash to the name and to the references).
    where = f"{directory}/kustomization.yaml"
    for generator in kust.get("configMapGenerator") or []:
        for source in generator.get("files") or []:
            if not os.path.isfile(os.path.join(kdir, source.split("=")[-1])):
                problem(where, f"configMapGenerator {generator['name']}: no file {source}")
        objects.append((where, {"apiVersion": "v1", "kind": "ConfigMap",
                                "metadata": {"name": generator["name"]}}))
    return objects


def by_kind(objects):
    kinds = {}
    for where, obj in objects:
        for key in ("apiVersion", "kind", "metadata"):
            if key not in obj:
                problem(where, f"an object without {key}")
        kinds.setdefault(obj.get("kind"), []).append((where, obj))
    return kinds


def check_pod_template(where, spec, container_name, names, ports_wanted):
    """The security, resources, ports, probes and mounts of a workload's pod
    template (StatefulSet or Deployment); returns (labels, container ports,
    volumes, the container)."""
    selector = spec["selector"]["matchLabels"]
    labels = spec["template"]["metadata"]["labels"]
    if any(labels.get(k) != v for k, v in selector.items()):
        problem(where, "the pod template's labels do not match the selector")
    pod = spec["template"]["spec"]
    psc = pod.get("securityContext") or {}
    if psc.get("runAsNonRoot") is not True:
        problem(where, "pod securityContext.runAsNonRoot must be true")
    volumes = {v["name"]: v for v in pod.get("volumes") or []}
    for volume in volumes.values():
        cm = (volume.get("configMap") or {}).get("name")
        if cm and ("ConfigMap", cm) not in names:
            problem(where, f"volume {volume['name']}: ConfigMap {cm} is not defined here")
    found = [c for c in pod["containers"] if c["name"] == container_name]
    if len(found) != 1:
        problem(where, f"expected one container '{container_name}', found {len(found)}")
        return labels, {}, volumes, {}
    [container] = found
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
    for name, number in ports_wanted.items():
        if ports.get(name) != number:
            problem(where, f"container port {name} must be {number}")
    for probe_name in ("livenessProbe", "readinessProbe"):
        probe = container.get(probe_name)
        if not probe:
            problem(where, f"no {probe_name}")
            continue
        port = (probe.get("httpGet") or probe.get("grpc") or {}).get("port")
        if isinstance(port, str) and port not in ports:
            problem(where, f"{probe_name}: port {port} is not a container port name")
    claims = {c["metadata"]["name"] for c in spec.get("volumeClaimTemplates") or []}
    for m in container.get("volumeMounts") or []:
        if m["name"] not in volumes and m["name"] not in claims:
            problem(where, f"volumeMount {m['mountPath']}: no volume or claim '{m['name']}'")
    return labels, ports, volumes, container


def check_services(kinds, labels, ports, what):
    """Every Service selecting `labels`' pods targets their port names."""
    for swhere, svc in kinds.get("Service", []):
        sel = svc["spec"].get("selector") or {}
        if any(labels.get(k) != v for k, v in sel.items()):
            problem(swhere, f"selector does not match the {what}'s pods")
        for port in svc["spec"].get("ports") or []:
            target = port.get("targetPort")
            if isinstance(target, str) and target not in ports:
                problem(swhere, f"targetPort {target} is not a container port name")


def check_kubernetes(repo):
    objects = k8s_objects(repo)
    kinds = by_kind(objects)
    names = {(o.get("kind"), o["metadata"].get("name")) for _, o in objects if "metadata" in o}

    sets = kinds.get("StatefulSet", [])
    if len(sets) != 1:
        problem("deploy/kubernetes", f"expected one StatefulSet, found {len(sets)}")
        return
    where, sts = sets[0]
    spec = sts["spec"]
    if spec.get("replicas") != 1:
        problem(where, "replicas must be 1 (one writer of the embedded store)")
    if ("Service", spec.get("serviceName")) not in names:
        problem(where, f"serviceName {spec.get('serviceName')} is not a Service here")
    labels, ports, _, container = check_pod_template(
        where, spec, "sitrepd", names, {"metrics": 9464})
    # gRPC is served by the edge sidecar (docs/security.md, C-1).
    _, edge_ports, _, _ = check_pod_template(
        where, spec, "edge", names, {"grpc": 50051})
    claims = {c["metadata"]["name"] for c in spec.get("volumeClaimTemplates") or []}
    mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts") or []}
    if mounts.get("/var/lib/sitrep") not in claims:
        problem(where, "/var/lib/sitrep must be the volumeClaimTemplate")
    flags_maps = [o for _, o in kinds.get("ConfigMap", [])
                  if o["metadata"]["name"] == "sitrepd-config"]
    flags_text = ((flags_maps[0].get("data") or {}).get("sitrepd.flags", "")
                  if flags_maps else "")
    check_edge_sidecar(where, spec, flag_values(flags_text.split()).get("listen"))
    check_services(kinds, labels, {**ports, **edge_ports}, "StatefulSet")
    service_ports = {p["port"] for _, s in kinds.get("Service", [])
                     for p in s["spec"].get("ports") or []}
    if not {50051, 9464} <= service_ports:
        problem("deploy/kubernetes/service.yaml", "Services must expose 50051 and 9464")
    check_kubernetes_scale_out(repo, names)


def check_nats_kubernetes(repo):
    """deploy/nats: the NATS StatefulSet runs nats-cluster.conf with routes
    to its own pods. Returns (its pods' DNS names, its pod labels, its
    PodDisruptionBudgets), or None."""
    nats_objects = k8s_objects(repo, "deploy/nats")
    nats_kinds = by_kind(nats_objects)
    [nkust] = load_yaml_docs(os.path.join(repo, "deploy/nats/kustomization.yaml"))
    generated = {g["name"]: g for g in nkust.get("configMapGenerator") or []}
    nats_names = {(o["kind"], o["metadata"]["name"]) for _, o in nats_objects}
    nats_names |= {("ConfigMap", n) for n in generated}
    sets = nats_kinds.get("StatefulSet", [])
    if len(sets) != 1:
        problem("deploy/nats", f"expected one StatefulSet, found {len(sets)}")
        return None
    where, nats = sets[0]
    spec = nats["spec"]
    if spec.get("replicas") != 3:
        problem(where, "the NATS StatefulSet must have 3 replicas (an R3 stream)")
    name, headless = nats["metadata"]["name"], spec.get("serviceName")
    services = {o["metadata"]["name"]: o for _, o in nats_kinds.get("Service", [])}
    hsvc = services.get(headless)
    if hsvc is None or hsvc["spec"].get("clusterIP") != "None" or \
            hsvc["spec"].get("publishNotReadyAddresses") is not True:
        problem(where, f"serviceName {headless} must be a headless Service here that "
                       "publishes not-ready addresses (the nodes find each other before ready)")
    labels, ports, volumes, container = check_pod_template(
        where, spec, "nats", nats_names, {"client": 4222, "cluster": 6222, "monitor": 8222})
    check_services(nats_kinds, labels, ports, "NATS StatefulSet")
    pods = [f"{name}-{i}.{headless}" for i in range(spec.get("replicas") or 0)]
    env = {e["name"]: e for e in container.get("env") or []}
    if {env.get(f"NATS_ROUTE_{i}", {}).get("value") for i in (1, 2, 3)} != \
            {f"nats://{p}:6222" for p in pods}:
        problem(where, f"NATS_ROUTE_1..3 must be the pods' route URLs {pods}")
    if (env.get("NATS_SERVER_NAME", {}).get("valueFrom") or {}).get("fieldRef", {}).get(
            "fieldPath") != "metadata.name":
        problem(where, "NATS_SERVER_NAME must be the pod's name")
    args = container.get("args") or []
    conf = args[args.index("--config") + 1] if "--config" in args else ""
    mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts") or []}
    volume = volumes.get(mounts.get(os.path.dirname(conf)), {})
    gen = generated.get((volume.get("configMap") or {}).get("name"))
    if gen is None or os.path.basename(conf) not in gen.get("files", []) or \
            rel(repo, os.path.join(repo, "deploy/nats", os.path.basename(conf))) != NATS_CONF:
        problem(where, f"--config must be {NATS_CONF} from the generated ConfigMap")
    data_dir = nats_conf_mount_dir(repo)
    claims = {c["metadata"]["name"] for c in spec.get("volumeClaimTemplates") or []}
    if mounts.get(data_dir) not in claims:
        problem(where, f"{data_dir} (the configuration's store) must be the volumeClaimTemplate")
    return pods, labels, nats_kinds.get("PodDisruptionBudget", [])


def check_edge_sidecar(where, spec, listen):
    """The pod's `edge` container runs sitrep-edge.cfg (deploy/kubernetes's
    copy) against sitrepd's --listen, which is the pod's loopback."""
    pod = spec["template"]["spec"]
    [edge] = [c for c in pod["containers"] if c["name"] == "edge"] or [None]
    if edge is None:
        return
    if not any(a.endswith("/sitrep-edge.cfg") for a in edge.get("args") or []):
        problem(where, "edge: must run sitrep-edge.cfg")
    env = {e["name"]: e.get("value") for e in edge.get("env") or []}
    if not listen or not listen.startswith("127.0.0.1:"):
        problem(where, f"sitrepd --listen must be on the pod's loopback behind the edge, not {listen}")
    elif env.get("SITREP_EDGE_UPSTREAM") != listen:
        problem(where, f"edge: SITREP_EDGE_UPSTREAM must be sitrepd's --listen {listen}")
    volumes = {v["name"]: v for v in pod.get("volumes") or []}
    mounts = {m["mountPath"]: m["name"] for m in edge.get("volumeMounts") or []}
    cfg = next((a for a in edge.get("args") or [] if a.endswith(".cfg")), "")
    volume = volumes.get(mounts.get(os.path.dirname(cfg)), {})
    if (volume.get("configMap") or {}).get("name") != "sitrep-edge":
        problem(where, "edge: its configuration must come from the ConfigMap sitrep-edge")


def check_kubernetes_scale_out(repo, base_names):
    """deploy/kubernetes-scale-out: deploy/kubernetes with a Deployment of
    sitrepd replicas instead of the StatefulSet, over deploy/nats. As files;
    check-deploy.sh renders them with `kubectl kustomize` when installed."""
    nats = check_nats_kubernetes(repo)
    if nats is None:
        return
    pods, nlabels, nats_pdbs = nats
    odir = "deploy/kubernetes-scale-out"
    [okust] = load_yaml_docs(os.path.join(repo, odir, "kustomization.yaml"))
    for needed in ("../kubernetes", "../nats"):
        if needed not in (okust.get("resources") or []):
            problem(f"{odir}/kustomization.yaml", f"resources must include {needed}")
    deleted, flags_text = set(), None
    for p in okust.get("patches") or []:
        [doc] = load_yaml_docs_text(p.get("patch", ""))
        if doc.get("$patch") == "delete":
            deleted.add((doc["kind"], doc["metadata"]["name"]))
        elif doc.get("kind") == "ConfigMap":
            flags_text = (doc.get("data") or {}).get("sitrepd.flags")
    if ("StatefulSet", "sitrepd") not in deleted:
        problem(f"{odir}/kustomization.yaml", "must delete the StatefulSet sitrepd (one writer of SQLite)")
    flags = flag_values((flags_text or "").split())
    if flags.get("store") != "jetstream" or flags.get("replicas") != "3":
        problem(f"{odir}/kustomization.yaml", "the sitrepd.flags patch needs --store=jetstream and --replicas=3")
    if set((flags.get("nats_url") or "").split(",")) != {f"nats://{p}:4222" for p in pods}:
        problem(f"{odir}/kustomization.yaml", f"--nats_url must name the NATS pods {pods} on 4222")
    objects = k8s_objects(repo, odir)
    kinds = by_kind(objects)
    names = base_names | {(o["kind"], o["metadata"]["name"]) for _, o in objects}
    deployments = kinds.get("Deployment", [])
    if len(deployments) != 1:
        problem(odir, f"expected one Deployment, found {len(deployments)}")
        return
    where, dep = deployments[0]
    if (dep["spec"].get("replicas") or 1) < 2:
        problem(where, "replicas must be 2 or more")
    labels, ports, _, container = check_pod_template(
        where, dep["spec"], "sitrepd", names, {"metrics": 9464})
    if (container.get("readinessProbe") or {}).get("httpGet", {}).get("path") != "/readyz":
        problem(where, "readinessProbe must be /readyz (not ready while NATS is lost)")
    # Each replica's gRPC only through its edge sidecar (docs/security.md,
    # C-1), as in deploy/kubernetes.
    if "grpc" in ports:
        problem(where, "sitrepd must not serve the grpc port itself (the edge sidecar does)")
    _, edge_ports, _, _ = check_pod_template(
        where, dep["spec"], "edge", names, {"grpc": 50051})
    check_edge_sidecar(where, dep["spec"], flags.get("listen"))
    ports = {**ports, **edge_ports}
    base_kinds = by_kind(k8s_objects(repo))
    check_services({"Service": [s for s in base_kinds.get("Service", [])
                                if ("Service", s[1]["metadata"]["name"]) not in deleted]},
                   labels, ports, "Deployment")
    for pwhere, pdb in kinds.get("PodDisruptionBudget", []) + nats_pdbs:
        sel = pdb["spec"]["selector"]["matchLabels"]
        if not (all(labels.get(k) == v for k, v in sel.items()) or
                all(nlabels.get(k) == v for k, v in sel.items())):
            problem(pwhere, f"PodDisruptionBudget {pdb['metadata']['name']} selects no pods here")


def load_yaml_docs_text(text):
    return [d for d in yaml.safe_load_all(text) if d is not None]


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
    for name in ("docker-compose.yml", "scale-out.yml"):
        [compose] = load_yaml_docs(os.path.join(repo, "deploy/compose", name))
        out += [(f"deploy/compose/{name}", n)
                for n in flag_names(compose["services"]["sitrepd"].get("command") or [])]
    odir = "deploy/kubernetes-scale-out"
    [okust] = load_yaml_docs(os.path.join(repo, odir, "kustomization.yaml"))
    patches = [(f"{odir}/kustomization.yaml", doc) for p in okust.get("patches") or []
               for doc in load_yaml_docs_text(p.get("patch", "")) if "$patch" not in doc]
    for where, obj in k8s_objects(repo) + k8s_objects(repo, odir) + patches:
        if obj.get("kind") == "ConfigMap" and "sitrepd.flags" in (obj.get("data") or {}):
            out += [(where, n) for n in flag_names(obj["data"]["sitrepd.flags"].split())]
        if obj.get("kind") in ("StatefulSet", "Deployment"):
            for c in obj["spec"]["template"]["spec"]["containers"]:
                out += [(where, n) for n in flag_names(c.get("args") or [])]
    return out


def check_scale_out_rendered(text):
    """`kubectl kustomize deploy/kubernetes-scale-out` (on stdin): the
    StatefulSet of the embedded store is gone, the Deployment and NATS are
    there, the flags patch applied, and the NATS ConfigMap reference follows
    the generated (hashed) name."""
    where = "kubectl kustomize deploy/kubernetes-scale-out"
    objects = load_yaml_docs_text(text)
    names = {(o["kind"], o["metadata"]["name"]) for o in objects}
    if ("StatefulSet", "sitrepd") in names or ("Service", "sitrepd-headless") in names:
        problem(where, "still has the StatefulSet sitrepd or its Service sitrepd-headless")
    for needed in (("Deployment", "sitrepd"), ("StatefulSet", "nats"), ("Service", "sitrepd"),
                   ("Service", "nats-headless"), ("NetworkPolicy", "sitrepd"),
                   ("NetworkPolicy", "nats")):
        if needed not in names:
            problem(where, f"no {needed[0]} {needed[1]}")
    for o in objects:
        if o.get("metadata", {}).get("namespace", "sitrep") != "sitrep" and o["kind"] != "Namespace":
            problem(where, f"{o['kind']} {o['metadata']['name']} is not in namespace sitrep")
        if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "sitrepd-config":
            if "--store=jetstream" not in o["data"].get("sitrepd.flags", ""):
                problem(where, "sitrepd-config's flags are not the scale-out ones")
        if o["kind"] == "Deployment" and o["metadata"]["name"] == "sitrepd":
            containers = {c["name"] for c in o["spec"]["template"]["spec"]["containers"]}
            if "edge" not in containers:
                problem(where, "the Deployment sitrepd has no edge sidecar (docs/security.md, C-1)")
        if o["kind"] in ("StatefulSet", "Deployment"):
            for v in o["spec"]["template"]["spec"].get("volumes") or []:
                cm = (v.get("configMap") or {}).get("name")
                if cm and ("ConfigMap", cm) not in names:
                    problem(where, f"{o['kind']} {o['metadata']['name']}: ConfigMap {cm} is not rendered")


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
    elif check == "scale-out-rendered":
        check_scale_out_rendered(sys.stdin.read())
    elif check == "runtime-packages":
        print("\n".join(sorted(runtime_packages(repo))))
    else:
        sys.exit(f"unknown check {check}")
    for p in problems:
        print(p, file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
