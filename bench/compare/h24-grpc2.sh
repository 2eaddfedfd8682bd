#!/usr/bin/env bash
# Quiet rerun of h24-grpc2 (issue 24 "gRPC at low rate, many streams" and
# issue 4's "fanout N=1000 B: p99 <= 1.5 x ceiling p99").
#   bash bench/compare/h24-grpc2.sh AFTER_BUILD [BEFORE_BUILD]
# AFTER_BUILD: the merged tree's build dir; BEFORE_BUILD (optional): a build
# of main before the merge. h24-inline.sh's three alternated rounds, each one
# run of the issue's N=1000 command at 200/s:
#   --scenario=fanout --systems=sitrep,ceiling --subscribers=1000
#   --warmup=2s --duration=5s --rate=200 --lag_limit=2048
# (run.sh's N=1000 line with 5 s phases). Prints per run and as medians of
# 3: phase-B server cores (sitrep's target <= 0.6) and p99 of sitrep and of
# the ceiling of the same run, their ratio (target <= 1.5), both p50s and
# phase A's CPU per delivery. "lost" must be 0/0. Both the ceiling and
# sitrepd of a build are that build's: after the merge the ceiling also
# writes without the ByteBuffer copy, so "after" compares sitrep with the
# stronger ceiling. Bounded: 6 runs x <= 40 s.
set -uo pipefail
: "${1:?usage: h24-grpc2.sh AFTER_BUILD [BEFORE_BUILD]}"
LAG_LIMIT=2048 NAME=h24-grpc2 exec bash "$(dirname "$0")/h24-inline.sh" "$@"
