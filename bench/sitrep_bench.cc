// sitrep-bench: the instrument of issue 4. Starts the server under test
// (sitrepd or bench/ceiling_server) as a child process on 127.0.0.1 with a
// fresh data dir, drives it over gRPC and prints one line per figure:
//
//   RESULT<TAB>scenario<TAB>system<TAB>figure<TAB>value
//
// Scenarios (--scenario):
//   fanout   N filtered subscribers (one mission each), one PublishStream
//            publisher. Phase A: max rate (flow-controlled: the publisher
//            stays at most --lag_limit updates ahead of the slowest
//            subscriber, so the figure is the sustainable rate and the drain
//            is bounded) for --duration after --warmup. Phase B: --rate
//            updates/s for --duration; publish->deliver latency from a
//            timestamp in label "b". Both phases verify exactly-once,
//            in-order delivery of every matching update.
//   ingest   PublishStream at max rate and unary Publish with --callers
//            concurrent callers, for each --fsync mode.
//   ingest-count  exactly --ingest_count updates through one PublishStream,
//            --publish_batch per message, to --ingest_address or a sitrepd
//            it starts: a fixed workload for callgrind instruction counts
//            (bench/callgrind_ingest.sh).
//   catchup  --catchup_updates stored updates; one subscriber from_beginning
//            filtered to one mission; updates/s until CaughtUp.
//   idle     --idle_subscribers idle subscribers; server RSS delta / N.
//   fairness issue 17's M-5: one principal's --fair_idle_subscribers idle
//            streams and another's --fair_rate updates/s against a third
//            principal's publish->deliver latency (phase A alone, B with
//            the flood). --check fails above --fair_max_p99 or on a loss.
//   replicas the fanout scenario against K sitrepd replicas on
//            --store=jetstream sharing one nats-server -js stream, for each
//            K in --replica_counts; subscribers spread over the replicas
//            (system "replicas-K"). Each replica runs in its own CPU budget
//            (--replica_cpu cores, a cgroup: bench/cpu_budget.h). Between
//            phases A and B a search finds the highest rate whose deliveries
//            keep p99 <= --latency_bound (bench/capacity_search.h). The
//            capacity tables (at the bound; phase A's lag-limit one for
//            continuity), the ratios against issue 20's targets and the
//            scaling law follow the runs (bench/replica_scaling.h).
//   jetstream-ingest  sitrep's PublishStream ingest through one
//            --store=jetstream replica next to raw js_PublishAsync with the
//            same payloads and stream settings (bench/jetstream_peer.h),
//            with sitrepd's CPU per update.
// Systems (--systems): sitrep, ceiling, sse, and when built with libnats,
// jetstream, natscore and natscore-browser (NATS core with a connection per
// subscriber, as browsers have; fanout only).
//
//   big_situation  GetSituation, /v1/situation (full and compact) and a
//            `situation` Subscribe's snapshot with --situation_incidents
//            open incidents (bench/big_situation_scenario.h).
//   sqlite   raw SQLite: 1024-row transactions into the `updates` table
//            shape of server/log/sqlite_event_log.cc; rows/s.
//
// Subscribers are callback-API reactors (grpc::ClientReadReactor over a raw
// ByteBuffer method, so the client decodes only the fields it checks),
// multiplexed over --channels channels and gRPC's callback threads: no
// thread per subscriber. --check exits 1 on any loss, duplicate, reorder or
// contract violation (the CTest smoke).
//
// The files: bench_flags.{h,cc} (every flag), bench_common.h (RESULT lines,
// notes, percentiles, waits), system_under_test.h (sitrepd or the ceiling
// as a child), one *_scenario.cc per scenario (scenarios.h), and for the
// fan-out its targets (fanout_target.h: gRPC, SSE, NATS, replicas), its
// subscribers (verifying_subscriber.h, grpc_subscriber.h) and publishers
// (stream_publisher.h). This file only dispatches.

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bench/bench_common.h"
#include "bench/bench_flags.h"
#include "bench/big_situation_scenario.h"
#include "bench/cpu_pinning.h"
#include "bench/dashboards_scenario.h"
#include "bench/fanout_target.h"
#include "bench/recovery_scenario.h"
#include "bench/replica_join_scenario.h"
#include "bench/replica_scaling.h"
#include "bench/scenarios.h"
#include "bench/server_process.h"

namespace sitrep::bench {
namespace {

using Systems = std::vector<std::string>;
using Scenario = std::function<void(const Systems&, FanoutOutcome*)>;

// The scenarios of their own files (recovery, dashboards, replica_join):
// sitrep only, a bool for their outcome.
Scenario SitrepdScenario(
    std::function<bool(const std::string& sitrepd, const ResultFn&)> run) {
  return [run](const Systems&, FanoutOutcome* outcome) {
    const ResultFn result = [](const std::string& s, const std::string& f,
                               double v) { Result(s, "sitrep", f, v); };
    if (!run(absl::GetFlag(FLAGS_sitrepd), result)) ++outcome->failures;
  };
}

// --scenario: what each name runs. A table, one line per scenario.
const std::map<std::string, Scenario>& Scenarios() {
  static const auto* scenarios = new std::map<std::string, Scenario>{
      {"fanout",
       [](const Systems& systems, FanoutOutcome* outcome) {
         for (const std::string& system : systems) {
           RunFanout(system, absl::GetFlag(FLAGS_subscribers), outcome);
         }
       }},
      // The fanout run against 1, 2, ... sitrepd replicas over one stream.
      // Alternated rounds (--replica_rounds): 1, 2, 3, 1, 2, 3, ...
      {"replicas",
       [](const Systems&, FanoutOutcome* outcome) {
         const int rounds = std::max(1, absl::GetFlag(FLAGS_replica_rounds));
         for (int round = 1; round <= rounds; ++round) {
           g_replica_round = round;
           for (absl::string_view count :
                absl::StrSplit(absl::GetFlag(FLAGS_replica_counts), ',',
                               absl::SkipEmpty())) {
             RunFanout(absl::StrCat("replicas-", count),
                       absl::GetFlag(FLAGS_subscribers), outcome,
                       round == 1 && absl::GetFlag(FLAGS_latency_bound) >
                                         absl::ZeroDuration());
           }
         }
         ReportReplicaScaling(g_replica_runs, g_bounded_runs,
                              outcome->failures);
       }},
#ifdef SITREP_BENCH_NATS
      {"jetstream-ingest",
       [](const Systems&, FanoutOutcome* outcome) { RunJetStreamIngest(outcome); }},
#endif
      {"ingest",
       [](const Systems& systems, FanoutOutcome*) {
         for (const std::string& system : systems) {
           if (system == "ceiling") {
             RunIngest(system, "off");
             continue;
           }
           for (absl::string_view fsync :
                absl::StrSplit(absl::GetFlag(FLAGS_fsync), ',')) {
             RunIngest(system, std::string(fsync));
           }
         }
       }},
      {"catchup", [](const Systems&, FanoutOutcome* outcome) { RunCatchup(outcome); }},
      {"ingest-count",
       [](const Systems&, FanoutOutcome* outcome) { RunIngestCount(outcome); }},
      {"fairness", [](const Systems&, FanoutOutcome* outcome) { RunFairness(outcome); }},
      {"idle",
       [](const Systems& systems, FanoutOutcome*) {
         for (const std::string& system : systems) RunIdle(system);
       }},
      {"sqlite", [](const Systems&, FanoutOutcome*) { RunSqlite(); }},
      // bench/{recovery,dashboards,big_situation,replica_join}_scenario.h
      {"recovery", SitrepdScenario(RunRecovery)},
      {"dashboards", SitrepdScenario(RunDashboards)},
      {"big_situation", SitrepdScenario(RunBigSituation)},
      {"replica_join",
       SitrepdScenario([](const std::string& sitrepd, const ResultFn& result) {
         return RunReplicaJoin(sitrepd, absl::GetFlag(FLAGS_nats_server), result);
       })},
  };
  return *scenarios;
}

}  // namespace
}  // namespace sitrep::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "sitrep-bench --scenario=fanout|replicas|jetstream-ingest|ingest|"
      "ingest-count|catchup|"
      "idle|fairness|"
      "sqlite|recovery|dashboards|big_situation|replica_join "
      "[--systems=sitrep,ceiling] ...: prints RESULT lines (see "
      "bench/run.sh)");
  absl::ParseCommandLine(argc, argv);
  signal(SIGPIPE, SIG_IGN);
  using namespace sitrep::bench;
  // Before any thread: every thread made later inherits it.
  ServerProcess::SetServerCpus(absl::GetFlag(FLAGS_server_cpus));
  if (!PinProcess(absl::GetFlag(FLAGS_client_cpus))) {
    std::fprintf(stderr, "sitrep-bench: cannot pin to --client_cpus=%s\n",
                 absl::GetFlag(FLAGS_client_cpus).c_str());
    return 2;
  }
  const std::string scenario = absl::GetFlag(FLAGS_scenario);
  const auto run = Scenarios().find(scenario);
  if (run == Scenarios().end()) {
    std::fprintf(stderr, "sitrep-bench: unknown --scenario=%s\n",
                 scenario.c_str());
    return 2;
  }
  const std::vector<std::string> systems =
      absl::StrSplit(absl::GetFlag(FLAGS_systems), ',', absl::SkipEmpty());
  FanoutOutcome outcome;
  run->second(systems, &outcome);
  if (outcome.failures > 0) {
    std::fprintf(stderr, "sitrep-bench: %llu failures (loss, duplicate, "
                 "reorder, contract violation or error)\n",
                 static_cast<unsigned long long>(outcome.failures));
    if (absl::GetFlag(FLAGS_check)) return 1;
  }
  return 0;
}
