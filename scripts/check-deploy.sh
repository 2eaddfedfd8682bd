#!/usr/bin/env bash
# Validates every file under deploy/ with the tools that understand it;
# docker itself is not needed (nothing is built or run in a container).
#
#   scripts/check-deploy.sh [--sitrepd BIN] [--sitrep BIN] [SECTION...]
#
# Sections (default: all):
#   systemd     systemd-analyze verify of the unit (ExecStart pointed at a
#               stand-in, so no install and no running systemd is needed),
#               its hardening exposure, the directives it promises, the env
#               file and the sysusers entry
#   prometheus  promtool check config / check rules / test rules
#   grafana     the dashboard is JSON; its queries parse (promtool)
#   metrics     alerts and dashboard use only the metrics sitrepd exports
#   yaml        compose, Kubernetes and Grafana provisioning files parse and
#               are consistent (also the scale-out ones: compose/scale-out.yml,
#               nats/, kubernetes-scale-out/); `kubectl kustomize` renders
#               them when kubectl is installed
#   nats        nats/nats-cluster.conf is a valid nats-server configuration
#               (nats-server -t)
#   haproxy     compose/haproxy.cfg and haproxy/sitrep-edge.cfg are valid
#               HAProxy configurations (haproxy -c)
#   policies    the example access policies have sitrepd's shape
#   docker      the Dockerfile builds as the README does (install-deps.sh +
#               make build), runs as non-root, has the volume, ports and
#               health check; .dockerignore leaves out build trees
#   flags       (needs --sitrepd) every flag the deploy files give sitrepd
#               exists in `sitrepd --helpfull`
#   runtime     (needs --sitrepd, --sitrep) the Dockerfile's runtime stage
#               installs the package of every shared library the binaries
#               link (DT_NEEDED, resolved with ldd)
#
# Exit 0: all passed. 1: something failed (one line per problem). 77: nothing
# failed but a section was skipped because its tool or binary is missing
# (ctest reports it as skipped); under CI=true a skipped section fails (1):
# CI must not take a skipped check for a passing one.
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
deploy=$repo/deploy
sitrepd_bin=""
sitrep_bin=""
sections=()
while [ $# -gt 0 ]; do
  case "$1" in
    --sitrepd) sitrepd_bin=$2; shift 2 ;;
    --sitrep) sitrep_bin=$2; shift 2 ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) sections+=("$1"); shift ;;
  esac
done
if [ ${#sections[@]} -eq 0 ]; then
  sections=(systemd prometheus grafana metrics yaml nats haproxy policies docker flags runtime)
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
skipped=0

fail() { echo "FAIL: $*" >&2; failed=1; }
skip() { echo "SKIP: $*" >&2; skipped=1; }
have() { command -v "$1" >/dev/null 2>&1; }
helper() { python3 "$repo/scripts/check_deploy_files.py" "$repo" "$@"; }

check_systemd() {
  local unit=$deploy/systemd/sitrepd.service
  if ! have systemd-analyze; then skip "systemd: systemd-analyze not installed (package systemd)"; return; fi
  # verify insists that ExecStart's binary exists; point it at a stand-in
  # under the temp dir (the real sitrepd when given). The copy keeps the
  # unit's name, which verify derives the unit from.
  mkdir -p "$tmp/systemd"
  if [ -n "$sitrepd_bin" ]; then
    ln -s "$(realpath "$sitrepd_bin")" "$tmp/systemd/sitrepd"
  else
    printf '#!/bin/sh\nexit 0\n' > "$tmp/systemd/sitrepd"
    chmod +x "$tmp/systemd/sitrepd"
  fi
  grep -q '^ExecStart=/usr/local/bin/sitrepd ' "$unit" || fail "$unit: ExecStart must run /usr/local/bin/sitrepd"
  sed "s#/usr/local/bin/sitrepd#$tmp/systemd/sitrepd#" "$unit" > "$tmp/systemd/sitrepd.service"
  # verify exits 0 on unknown or misspelt directives, only warning: any
  # output is a failure.
  local out
  out=$(systemd-analyze verify "$tmp/systemd/sitrepd.service" 2>&1)
  local rc=$?
  if [ $rc -ne 0 ] || [ -n "$out" ]; then fail "systemd-analyze verify $unit (rc $rc): $out"; fi
  # The exposure score (0 = locked down, 10 = unprotected; the threshold is
  # in tenths): stays in systemd's "OK" band.
  if ! systemd-analyze security --offline=yes --threshold=20 "$tmp/systemd/sitrepd.service" >"$tmp/security.txt" 2>&1; then
    fail "systemd-analyze security: exposure above 2.0: $(grep Overall "$tmp/security.txt")"
  fi
  local directive
  for directive in '^StateDirectory=sitrep$' '^ProtectSystem=strict$' '^ProtectHome=yes$' \
      '^PrivateTmp=yes$' '^NoNewPrivileges=yes$' '^CapabilityBoundingSet=$' \
      '^RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX$' '^SystemCallFilter=@system-service$' \
      '^Restart=on-failure$' '^ExecReload=/bin/kill -HUP \$MAINPID$' '^LimitNOFILE=[0-9]+$' \
      '^EnvironmentFile=-/etc/sitrep/sitrepd.env$' '^(User=sitrep|DynamicUser=yes)$'; do
    grep -Eq "$directive" "$unit" || fail "$unit: no line matching $directive"
  done
  if ! bash -c 'set -eu; set -a; . "$1"; [ -n "$SITREPD_FLAGS" ]' - "$deploy/systemd/sitrepd.env" 2>"$tmp/env.err"; then
    fail "$deploy/systemd/sitrepd.env: does not set SITREPD_FLAGS: $(cat "$tmp/env.err")"
  fi
  if have systemd-sysusers; then
    if ! out=$(systemd-sysusers --dry-run --root="$tmp/sysroot" "$deploy/systemd/sitrep.sysusers.conf" 2>&1) ||
        ! grep -q "sitrep" <<<"$out"; then
      fail "systemd-sysusers $deploy/systemd/sitrep.sysusers.conf: $out"
    fi
  fi
}

check_prometheus() {
  if ! have promtool; then skip "prometheus: promtool not installed (package prometheus)"; return; fi
  local f
  for f in prometheus.yml prometheus-compose.yml prometheus-scale-out.yml; do
    promtool check config "$deploy/prometheus/$f" >"$tmp/promtool.txt" 2>&1 ||
      fail "promtool check config $f: $(cat "$tmp/promtool.txt")"
  done
  promtool check rules "$deploy/prometheus/alerts.yml" >"$tmp/promtool.txt" 2>&1 ||
    fail "promtool check rules alerts.yml: $(cat "$tmp/promtool.txt")"
  # Relative paths in the test file resolve against the working directory.
  (cd "$deploy/prometheus" && promtool test rules alerts_test.yml) >"$tmp/promtool.txt" 2>&1 ||
    fail "promtool test rules alerts_test.yml: $(cat "$tmp/promtool.txt")"
  local alert
  for alert in SitrepFeedStale SitrepPublishErrors SitrepSubscribersLagging \
      SitrepStoreNotServing SitrepWebhookLagging; do
    grep -q "alert: $alert\$" "$deploy/prometheus/alerts.yml" || fail "alerts.yml: no alert $alert"
  done
}

check_grafana() {
  local dash=$deploy/grafana/sitrep-dashboard.json
  python3 -m json.tool "$dash" >/dev/null 2>"$tmp/json.err" || { fail "$dash: not JSON: $(cat "$tmp/json.err")"; return; }
  helper grafana >"$tmp/dashboard-rules.yml" || { fail "$dash: see above"; return; }
  if ! have promtool; then skip "grafana: promtool not installed, queries not parsed"; return; fi
  promtool check rules "$tmp/dashboard-rules.yml" >"$tmp/promtool.txt" 2>&1 ||
    fail "dashboard queries do not parse: $(cat "$tmp/promtool.txt")"
}

check_nats() {
  local conf=$deploy/nats/nats-cluster.conf
  if ! have nats-server; then skip "nats: nats-server not installed (package nats-server)"; return; fi
  # What each node gets from its environment (compose, Kubernetes).
  NATS_SERVER_NAME=nats-1 NATS_ROUTE_1=nats://nats-1:6222 NATS_ROUTE_2=nats://nats-2:6222 \
    NATS_ROUTE_3=nats://nats-3:6222 nats-server -t -c "$conf" >"$tmp/nats.txt" 2>&1 ||
    fail "nats-server -t -c $conf: $(cat "$tmp/nats.txt")"
  # Without them it must refuse, not start with an empty name or no routes.
  if nats-server -t -c "$conf" >/dev/null 2>&1; then
    fail "$conf: valid without NATS_SERVER_NAME and NATS_ROUTE_1..3 in the environment"
  fi
  local setting
  for setting in '^jetstream \{' '^cluster \{' '^  name: sitrep$' '^server_name: \$NATS_SERVER_NAME$' \
      '^port: 4222$' '^http_port: 8222$' '^  port: 6222$'; do
    grep -Eq "$setting" "$conf" || fail "$conf: no line matching $setting"
  done
}

check_haproxy() {
  local cfg=$deploy/compose/haproxy.cfg
  if ! have haproxy; then skip "haproxy: haproxy not installed (package haproxy)"; return; fi
  haproxy -c -f "$cfg" >"$tmp/haproxy.txt" 2>&1 || fail "haproxy -c -f $cfg: $(cat "$tmp/haproxy.txt")"
  # The edge (docs/security.md, C-1), in its plaintext shape (the TLS
  # shapes need the deployment's certificate files).
  local edge=$deploy/haproxy/sitrep-edge.cfg
  SITREP_EDGE_UPSTREAM=127.0.0.1:50052 haproxy -c -f "$edge" >"$tmp/edge.txt" 2>&1 ||
    fail "haproxy -c -f $edge: $(cat "$tmp/edge.txt")"
  cmp -s "$edge" "$deploy/kubernetes/sitrep-edge.cfg" ||
    fail "deploy/kubernetes/sitrep-edge.cfg differs from $edge: copy it (kustomize reads no file outside its directory)"
}

check_docker() {
  local df=$deploy/docker/Dockerfile
  # The build stage: from debian:12, then exactly the README's two steps.
  local build_stage
  build_stage=$(awk '/^FROM /{n++} n==1' "$df")
  grep -Eq '^FROM debian:(12|bookworm)[^ ]* AS build' "$df" || fail "$df: the build stage is not FROM debian:12 AS build"
  grep -Eq 'bash scripts/install-deps\.sh' <<<"$build_stage" || fail "$df: the build stage does not run bash scripts/install-deps.sh"
  grep -Eq '(^|[^a-z-])make build([^a-z-]|$)' <<<"$build_stage" || fail "$df: the build stage does not run make build"
  grep -q 'bash scripts/install-deps.sh' "$repo/Makefile" || fail "Makefile: make build no longer runs scripts/install-deps.sh"
  [ "$(grep -c '^FROM ' "$df")" -ge 2 ] || fail "$df: not multi-stage"
  grep -Eq '^FROM debian:(12|bookworm)[^ ]*$' "$df" || fail "$df: the runtime stage is not FROM debian:12"
  grep -Eq '^USER [1-9][0-9]*(:[0-9]+)?$' "$df" || fail "$df: no numeric non-root USER"
  grep -Eq '^VOLUME /var/lib/sitrep$' "$df" || fail "$df: no VOLUME /var/lib/sitrep"
  grep -Eq '^EXPOSE 50051 9464 8080$' "$df" || fail "$df: no EXPOSE 50051 9464 8080"
  grep -Eq '^HEALTHCHECK .*' "$df" && grep -A2 '^HEALTHCHECK' "$df" | grep -q 'sitrep health' ||
    fail "$df: no HEALTHCHECK running sitrep health"
  local ignore=$repo/.dockerignore
  if [ ! -f "$ignore" ]; then fail ".dockerignore missing"; return; fi
  grep -qx '.git' "$ignore" || fail ".dockerignore: .git not ignored"
  grep -Eqx 'build\*?/?' "$ignore" || fail ".dockerignore: build trees not ignored"
}

check_flags() {
  if [ -z "$sitrepd_bin" ]; then skip "flags: no --sitrepd binary given"; return; fi
  "$sitrepd_bin" --helpfull >"$tmp/helpfull.txt" 2>&1
  helper sitrepd-flags >"$tmp/flags.txt" || { fail "could not read the deploy files' flags"; return; }
  local name where
  while read -r name where; do
    grep -Eq -- "^ +--$name \(" "$tmp/helpfull.txt" || fail "$where: sitrepd has no flag --$name"
  done <"$tmp/flags.txt"
  # The health check's command line is one sitrep accepts: with nobody
  # listening it must fail as unreachable (3), not as usage (2).
  if [ -n "$sitrep_bin" ]; then
    local rc
    SITREP_SERVER=127.0.0.1:1 "$sitrep_bin" health -q --timeout=5s >/dev/null 2>&1
    rc=$?
    [ $rc -eq 3 ] || fail "Dockerfile HEALTHCHECK: 'sitrep health -q --timeout=5s' exits $rc against a closed port (expected 3)"
  fi
}

# The Debian package that holds a shared library, whichever of /lib and
# /usr/lib dpkg recorded it under (bookworm's merged /usr).
package_of() {
  local lib=$1 real candidate
  real=$(realpath "$lib")
  for candidate in "$lib" "$real" "${lib#/usr}" "${real#/usr}" "/usr$lib" "/usr$real"; do
    dpkg -S "$candidate" 2>/dev/null | head -1 | cut -d: -f1 && return 0
  done
  return 1
}

check_runtime() {
  if [ -z "$sitrepd_bin" ] || [ -z "$sitrep_bin" ]; then skip "runtime: --sitrepd and --sitrep binaries needed"; return; fi
  if ! have dpkg || ! have objdump; then skip "runtime: dpkg or objdump (binutils) not installed"; return; fi
  helper runtime-packages >"$tmp/runtime.txt"
  local bin lib pkg name
  for bin in "$sitrepd_bin" "$sitrep_bin"; do
    ldd "$bin" >"$tmp/ldd.txt"
    if grep -q 'not found' "$tmp/ldd.txt"; then fail "$bin: ldd: $(grep 'not found' "$tmp/ldd.txt" | tr '\n' ' ')"; fi
    # A sanitizer build links what the image's release build leaves out
    # (libevent-2.1 in full, no jemalloc): the image never holds one, so
    # only its libraries' presence is checked (above).
    if objdump -p "$bin" | awk '$1 == "NEEDED" {print $2}' | grep -q '^libasan'; then
      continue
    fi
    # Only the libraries the binary names itself (DT_NEEDED): their
    # packages' dependencies bring the rest (libcurl4's gnutls, ldap, ...).
    for name in $(objdump -p "$bin" | awk '$1 == "NEEDED" {print $2}'); do
      lib=$(awk -v n="$name" '$1 == n && $2 == "=>" {print $3}' "$tmp/ldd.txt")
      if [ -z "$lib" ]; then fail "$bin: ldd does not resolve $name"; continue; fi
      if ! pkg=$(package_of "$lib"); then fail "$lib (of $bin): no Debian package owns it"; continue; fi
      case "$pkg" in libc6|libasan*|libubsan*|libclang-rt*) continue ;; esac
      grep -qx "$pkg" "$tmp/runtime.txt" ||
        fail "deploy/docker/Dockerfile: the runtime stage does not install $pkg ($lib, needed by $(basename "$bin"))"
    done
  done
}

for section in "${sections[@]}"; do
  case "$section" in
    systemd) check_systemd ;;
    prometheus) check_prometheus ;;
    grafana) check_grafana ;;
    metrics) helper metrics || fail "metrics: see above" ;;
    yaml)
      helper yaml || fail "yaml: see above"
      if have kubectl; then
        for k in kubernetes nats kubernetes-scale-out; do
          kubectl kustomize "$deploy/$k" >"$tmp/$k.yaml" 2>"$tmp/kustomize.err" ||
            fail "kubectl kustomize deploy/$k: $(cat "$tmp/kustomize.err")"
        done
        helper scale-out-rendered <"$tmp/kubernetes-scale-out.yaml" ||
          fail "yaml: kubectl kustomize deploy/kubernetes-scale-out: see above"
      fi
      ;;
    nats) check_nats ;;
    haproxy) check_haproxy ;;
    policies) helper policies || fail "policies: see above" ;;
    docker) check_docker ;;
    flags) check_flags ;;
    runtime) check_runtime ;;
    *) echo "check-deploy: unknown section '$section'" >&2; exit 2 ;;
  esac
done

if [ $failed -ne 0 ]; then exit 1; fi
if [ $skipped -ne 0 ]; then
  if [ "${CI:-}" = true ]; then
    echo "check-deploy: CI=true: a skipped section fails; install what SKIP names" >&2
    exit 1
  fi
  exit 77
fi
echo "check-deploy: ${sections[*]}: ok"
