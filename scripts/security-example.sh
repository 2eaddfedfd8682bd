#!/usr/bin/env bash
# The README's "Security" walk-through, run for real and checked: a CA, a
# server and a client certificate (openssl), a token and its hash, the access
# policy, sitrepd with mTLS, and the CLI publishing and reading as two
# principals; then the refusals a deployment must give.
#
#   scripts/security-example.sh [BUILD_DIR]      (default: build)
#
# Differences from the README, for tests: sitrepd listens on 127.0.0.1 port
# 0 (a free port, read from --port_file) instead of 0.0.0.0:50051, and
# everything happens in a temporary directory that is removed afterwards.
set -euo pipefail

build_dir=$(cd "${1:-build}" && pwd)
export PATH="$build_dir/server:$build_dir/client:$PATH"
work=$(mktemp -d)
sitrepd_pid=
cleanup() {
  if [ -n "$sitrepd_pid" ]; then kill "$sitrepd_pid" 2>/dev/null || true; wait "$sitrepd_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "security-example: FAILED: $*" >&2; exit 1; }

mkdir -p "$work/pki" && cd "$work/pki"
# 1. A CA, the server's certificate and a client certificate.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
  -subj "/CN=sitrep CA" -keyout ca.key -out ca.crt 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -subj "/CN=localhost" -keyout server.key -out server.csr 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
  -days 365 -extfile server.ext -out server.crt 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -subj "/CN=kfor-gateway" -keyout kfor-gateway.key -out kfor-gateway.csr 2>/dev/null
openssl x509 -req -in kfor-gateway.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
  -days 365 -out kfor-gateway.crt 2>/dev/null
# 2. A token and its hash.
sitrepd new-token --out kp-desk.token 2>/dev/null
KP_HASH=$(sitrepd hash-token < kp-desk.token)
# 3. The policy.
cat > policy.json <<EOF
{"principals": [
  {"name": "kp-desk", "tokenSha256": ["$KP_HASH"],
   "publish": ["KOSOVO_POLICE"], "read": ["*"]},
  {"name": "kfor-gateway", "clientCertNames": ["kfor-gateway"],
   "publish": ["KFOR"], "read": ["KFOR"]}]}
EOF
grep -q "sitrep_" policy.json && fail "a token leaked into the policy"
# 4. The server with mTLS.
sitrepd --listen=127.0.0.1:0 --port_file=port --data_dir=./data --fsync=off \
  --metrics_address=127.0.0.1:0 --http_address=127.0.0.1:0 --tls_cert=server.crt --tls_key=server.key --tls_client_ca=ca.crt \
  --auth_file=policy.json 2> sitrepd.log &
sitrepd_pid=$!
for _ in $(seq 1 300); do [ -s port ] && break; sleep 0.1; done
[ -s port ] || { cat sitrepd.log >&2; fail "sitrepd did not start"; }
export SITREP_SERVER="localhost:$(cat port)"
# 5. Clients.
TLS="--tls_ca=ca.crt --tls_cert=kfor-gateway.crt --tls_key=kfor-gateway.key"
# shellcheck disable=SC2086
sitrep $TLS publish --mission=kfor --role=third --severity=minor \
  --category=patrol --municipality="Zubin Potok" --headline="Patrol at Jarinje" \
  > /dev/null || fail "the KFOR gateway could not publish"
# shellcheck disable=SC2086
sitrep $TLS --token="$(cat kp-desk.token)" publish --mission=kosovo-police \
  --role=first --severity=moderate --category=freedom-of-movement \
  --municipality=Leposavić --headline="Trucks block the road" \
  > /dev/null || fail "the KP desk could not publish"
# shellcheck disable=SC2086
kfor_view=$(sitrep $TLS history -o jsonl)
[ "$(printf '%s\n' "$kfor_view" | grep -c .)" = 1 ] || fail "KFOR saw: $kfor_view"
printf '%s' "$kfor_view" | grep -q "Jarinje" || fail "KFOR missed its patrol"
# shellcheck disable=SC2086
kp_view=$(SITREP_TOKEN="$(cat kp-desk.token)" sitrep $TLS history -o jsonl)
[ "$(printf '%s\n' "$kp_view" | grep -c .)" = 2 ] || fail "the KP desk saw: $kp_view"
printf '%s' "$kp_view" | grep -q '"publisher": *"kp-desk"' || fail "publisher is not the principal: $kp_view"

# The refusals.
set +e
# shellcheck disable=SC2086
sitrep $TLS publish --mission=eulex --role=second --severity=minor \
  --category=patrol --municipality=Prishtinë --headline=x > /dev/null 2> denied.err
code=$?
set -e
[ "$code" != 0 ] && grep -q PERMISSION_DENIED denied.err || fail "publishing as EULEX: exit $code, $(cat denied.err)"
set +e
# shellcheck disable=SC2086
sitrep $TLS --token=sitrep_not-a-real-token history > /dev/null 2> unknown.err
code=$?
set -e
[ "$code" != 0 ] && grep -q UNAUTHENTICATED unknown.err || fail "an unknown token: exit $code, $(cat unknown.err)"
grep -q "not-a-real-token" unknown.err && fail "the CLI echoed the token"
set +e
sitrep --tls_ca=ca.crt --token="$(cat kp-desk.token)" --timeout=5s history > /dev/null 2> nocert.err
code=$?
set -e
[ "$code" = 3 ] || fail "no client certificate: exit $code, $(cat nocert.err)"
grep -q '"component":"audit"\|audit' sitrepd.log || fail "no audit line in the server log"
grep -q "$(cat kp-desk.token)" sitrepd.log && fail "the server logged a token"
echo "security-example: OK (mTLS, tokens, rights, refusals)"
