#!/usr/bin/env bash
# Fills a running sitrepd with N open incidents (issue 24, "big situations"):
# N `new` updates of realistic size (headline, place, description, labels,
# a point inside Kosovo), opened by the Kosovo Police as the security chain
# requires, over three severities and categories and ten places, sent through one PublishStream by `sitrep import`
# (batches, ~10-15k lines/s; the default publish burst of 20,000 lets 10,000
# through at once). Event ids are fixed, so a second run stores nothing twice.
#
#   bench/fill_incidents.sh [N] [--server=HOST:PORT] [other sitrep flags...]
#   SITREP_CLI=build/client/sitrep bench/fill_incidents.sh 10000 --server=127.0.0.1:50051
set -euo pipefail
n=${1:-10000}
shift || true
here=$(cd "$(dirname "$0")/.." && pwd)
cli=${SITREP_CLI:-$here/build/client/sitrep}
[[ -x $cli ]] || { echo "fill_incidents: no sitrep CLI at $cli (set SITREP_CLI)" >&2; exit 2; }

awk -v n="$n" 'BEGIN {
  split("kp eulex kfor", mission, " ");
  split("first second third", role, " ");
  split("minor moderate severe", severity, " ");
  split("freedom-of-movement public-order crime", category, " ");
  split("Prishtinë Prizren Pejë Gjakovë Ferizaj Gjilan Mitrovicë Zveçan Zubin_Potok Leposaviq", place, " ");
  for (i = 0; i < n; i++) {
    m = 1;  # the chain: the first responder opens an incident
    lat = 42.05 + (i * 7919 % 10000) / 10000 * 0.95;
    lon = 20.20 + (i * 104729 % 10000) / 10000 * 1.30;
    p = place[i % 10 + 1]; gsub("_", " ", p);
    printf "{\"eventId\":\"fill-%07d\",\"mission\":\"%s\",\"role\":\"%s\",\"severity\":\"%s\",", i, mission[m], role[m], severity[i % 3 + 1];
    printf "\"category\":\"%s\",\"incidentId\":\"fill-%07d\",\"kind\":\"new\",", category[i % 3 + 1], i;
    printf "\"headline\":\"Incident %d: road blocked near %s, traffic diverted\",", i, p;
    printf "\"description\":\"Filler incident %d for the big-situation benchmark; a patrol reports the situation calm, units on site.\",", i;
    printf "\"location\":{\"place\":\"%s, village road %d\",\"point\":{\"latitude\":%.5f,\"longitude\":%.5f}},", p, i % 97, lat, lon;
    printf "\"labels\":{\"unit\":\"Region %d patrol\",\"source\":\"fill_incidents\"}}\n", i % 7;
  }
}' | "$cli" import - "$@"
