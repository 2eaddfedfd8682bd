// The flags of sitrep-bench (bench/bench_flags.h). A table: one flag per
// entry, each with its meaning and default.
#include "bench/bench_flags.h"

#include "absl/flags/flag.h"

#ifndef SITREP_BENCH_SITREPD
#define SITREP_BENCH_SITREPD "sitrepd"
#endif
#ifndef SITREP_BENCH_CEILING
#define SITREP_BENCH_CEILING "ceiling_server"
#endif

ABSL_FLAG(std::string, scenario, "fanout",
          "fanout | replicas | jetstream-ingest | ingest | catchup | idle | "
          "fairness | sqlite");
ABSL_FLAG(std::string, systems, "sitrep,ceiling",
          "Comma-separated servers to measure: sitrep, ceiling (gRPC); sse, "
          "sse-ceiling (browsers); jetstream, natscore, natscore-browser; "
          "replicas-K");
ABSL_FLAG(std::string, sitrepd, SITREP_BENCH_SITREPD, "Path of sitrepd");
ABSL_FLAG(std::string, ceiling, SITREP_BENCH_CEILING,
          "Path of ceiling_server");
ABSL_FLAG(int, ceiling_threads, 0,
          "ceiling_server --fanout_threads (0: its default)");
ABSL_FLAG(int, subscribers, 100, "fanout: subscribers");
ABSL_FLAG(int, channels, 8, "gRPC channels the subscribers share");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(2), "Warm-up before phase A");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10),
          "Length of each measured phase");
ABSL_FLAG(double, rate, 2000, "fanout phase B: updates/s");
ABSL_FLAG(std::string, scenario_suffix, "",
          "fanout: appended to the scenario's name in the results, to tell "
          "repeated runs apart (bench/run.sh: \" #2\")");
ABSL_FLAG(int, fanout_publish_batch, 1,
          "fanout phase A: updates per PublishStream message (sitrep and the "
          "ceiling; phase B always sends one per message)");
ABSL_FLAG(int64_t, lag_limit, 8192,
          "fanout phase A: most updates the publisher may be ahead of the "
          "slowest subscriber");
ABSL_FLAG(absl::Duration, drain_timeout, absl::Seconds(60),
          "Longest wait for subscribers to receive everything published");
ABSL_FLAG(std::string, fsync, "batch",
          "--fsync of sitrepd (ingest: comma-separated list)");
ABSL_FLAG(int, callers, 32, "ingest: concurrent unary Publish callers");
ABSL_FLAG(int, window, 1024, "PublishStream: most unacknowledged requests");
ABSL_FLAG(int64_t, catchup_updates, 1000000, "catchup: stored updates");
ABSL_FLAG(int, ingest_pairs, 1,
          "jetstream-ingest: pairs of raw JetStream and sitrep's batched phase, "
          "alternated, each on a fresh nats-server; the target is judged on the "
          "median of their ratios");
ABSL_FLAG(int, publish_batch, 64,
          "ingest (second run) and the catchup fill: requests per "
          "PublishStream message");
ABSL_FLAG(absl::Duration, fill_timeout, absl::Seconds(300),
          "catchup: longest time to store the updates");
ABSL_FLAG(int, idle_subscribers, 10000, "idle: subscribers");
ABSL_FLAG(int64_t, sqlite_rows, 300000, "sqlite: rows to insert (at most)");
ABSL_FLAG(int, fair_idle_subscribers, 1000,
          "fairness: idle streams of the flooding principal");
ABSL_FLAG(double, fair_rate, 5500,
          "fairness: the flooding publisher's updates/s");
ABSL_FLAG(std::string, fair_idle_filter, "box",
          "fairness: the idle streams' filter, box (no wake key: every "
          "append wakes them) or label (skipped by the wake keys)");
ABSL_FLAG(std::string, fair_idle_mission, "kp",
          "fairness: the idle streams' mission, kp (nobody publishes it) or "
          "eulex (the victim's)");
ABSL_FLAG(int, fair_ring_capacity, 16384,
          "fairness: sitrepd's --ring_capacity (smaller: idle cursors fall "
          "off the ring sooner, as a longer run would make them)");
ABSL_FLAG(absl::Duration, fair_idle_heartbeat, absl::Seconds(5),
          "fairness: the idle streams' heartbeat interval");
ABSL_FLAG(int, fair_flood_batch, 1,
          "fairness: updates per PublishStream message of the flood (1: one "
          "message per update, as many small clients publish)");
ABSL_FLAG(absl::Duration, fair_max_p99, absl::Seconds(1),
          "fairness --check: the victim's phase B p99 must stay below this");
ABSL_FLAG(double, stalled_fraction, 0,
          "fanout: this fraction of the subscribers stops reading after "
          "CaughtUp (isolation); they are left out of the figures");
#ifdef SITREP_BENCH_NATS
ABSL_FLAG(std::string, nats_server, "nats-server",
          "Path of nats-server (systems jetstream and natscore)");
ABSL_FLAG(std::string, jetstream_consumer, "push",
          "system jetstream: the consumer each subscriber gets. push: "
          "ephemeral push consumer, AckNone, consumer state in memory "
          "(mem_storage), no flow control; ordered: libnats' ordered "
          "consumer (push, AckNone, flow control + heartbeats, state in "
          "memory, re-created on a gap); push-file: as push but with the "
          "consumer state in the stream's file store (the set-up before "
          "2026-11-29)");
#endif
ABSL_FLAG(std::string, replica_counts, "1,2",
          "replicas: the numbers of sitrepd replicas (--store=jetstream over "
          "one nats-server) to run the fanout scenario against");
ABSL_FLAG(int, replica_rounds, 1,
          "replicas: run --replica_counts this many times, alternated (1, 2, "
          "3, 1, 2, 3, ...); the capacity ratios are each round's against its "
          "own one-replica run and the verdict takes their median (the "
          "latency-bound search runs in the first round only)");
ABSL_FLAG(double, replica_cpu, 0.25,
          "replicas: CPU budget of each replica in cores (a cgroup of its "
          "own; needs root and a cgroup cpu controller); 0: no budgets");
ABSL_FLAG(absl::Duration, replica_cpu_period, absl::Milliseconds(100),
          "replicas: the CFS period of each budget (the quota is "
          "--replica_cpu times it); 100ms is the kernel's default and the "
          "issue's verdict: a replica that spends its quota stands still "
          "for the rest of the period, so a shorter period shortens each "
          "stop, not the budget");
ABSL_FLAG(absl::Duration, latency_bound, absl::Milliseconds(250),
          "replicas: after phase A, search the highest publish rate whose "
          "every step keeps publish->deliver p99 under this bound with "
          "nothing lost (bench/capacity_search.h); 0: no search");
ABSL_FLAG(absl::Duration, capacity_step, absl::Seconds(3),
          "replicas: length of each step of the capacity search");
ABSL_FLAG(double, capacity_start_rate, 0,
          "replicas: the search's first rate in updates/s; 0: half of phase "
          "A's published/s");
ABSL_FLAG(double, capacity_growth, 1.5,
          "replicas: the search multiplies the rate by this while it passes");
ABSL_FLAG(int, capacity_refinements, 3,
          "replicas: bisections after the search's first failing step");
ABSL_FLAG(int, capacity_steps, 12, "replicas: most steps of the search");
ABSL_FLAG(std::string, server_cpus, "",
          "CPUs (e.g. \"0\") every server this run starts is pinned to; "
          "empty: not pinned (bench/cpu_pinning.h)");
ABSL_FLAG(std::string, client_cpus, "",
          "CPUs (e.g. \"1\") sitrep-bench itself (publishers, subscribers, "
          "load generators) is pinned to; empty: not pinned");
ABSL_FLAG(bool, check, false,
          "Exit 1 on any loss, duplicate, reorder or contract violation");
