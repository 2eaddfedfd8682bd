#!/usr/bin/env bash
# Quiet rerun for branch h24-join (issue 24: a JetStream replica joining a
# stream of 1,000,000 updates: SERVING and caught up <= 5 s).
#   h24-join.sh MERGED_BUILD_DIR BEFORE_BUILD_DIR
# The merged sitrep-bench fills one NATS store once (--join_dir: 1,000,000
# updates through a first replica, the merged sitrepd; ~50 s quiet), which
# is also the first "after" join; then joins the same stream with the
# before and the after sitrepd alternately, 2 more rounds (median of 3 for
# after, of 2 for before). Each join: SERVING s, caught up s, the joining
# replica's RSS and CPU, nats-server's CPU during the join.
# Bounded: the fill at most 240 s; each join at most 60 s (~3.5 min in all
# on a quiet machine). Full output in /tmp/h24-join-quiet-*.txt.
set -uo pipefail
new=${1:?usage: h24-join.sh MERGED_BUILD_DIR BEFORE_BUILD_DIR}
old=${2:?usage: h24-join.sh MERGED_BUILD_DIR BEFORE_BUILD_DIR}
nats=$(command -v nats-server || echo /usr/sbin/nats-server)
store=/tmp/h24-join-quiet-store
bench="$new/bench/sitrep-bench"
common=(--scenario=replica_join --join_updates=1000000 --join_dir="$store"
        --nats_server="$nats")
rm -rf "$store"
join() {  # join LABEL SITREPD TIMEOUT
  local out=/tmp/h24-join-quiet-$1-$RANDOM.txt
  timeout "$3" "$bench" "${common[@]}" --sitrepd="$2" >"$out" 2>"$out.err"
  local rc=$?
  awk -F'\t' -v who="$1" -v rc="$rc" '
    $1 == "RESULT" { v[$4] = $5 }
    END { printf "%-6s SERVING %6.2f s  caught up %6.2f s  RSS %6.0f MiB  replica CPU %5.2f s  nats-server CPU %5.2f s  (exit %d)%s\n",
            who, v["SERVING s"], v["caught up s"], v["joining replica RSS MiB"],
            v["joining replica CPU s"], v["nats-server CPU s during the join"], rc,
            ("fill updates/s" in v) ? sprintf("  [fill %.0f updates/s]", v["fill updates/s"]) : "" }' "$out"
}
uptime
echo "== target: caught up <= 5 s (SERVING <= caught up); main quiet 2026-12-06: 9.1 s"
join after "$new/server/sitrepd" 240
for round in 2 3; do
  join before "$old/server/sitrepd" 60
  join after "$new/server/sitrepd" 60
done
uptime
echo "read: median of the three 'after' lines' caught-up seconds against 5 s; the 'before' lines are main's binary on the same stream"
rm -rf "$store"
