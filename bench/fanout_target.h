// What a fan-out run (bench/fanout_scenario.cc) needs from a system under
// test: start it, subscribe, a publisher, its process figures. One target
// per system: sitrep and ceiling (gRPC, here), sse and sse-ceiling
// (bench/fanout_sse_target.cc), jetstream and natscore
// (bench/nats_target.cc), replicas-K (bench/replicas_target.cc).
#ifndef SITREP_BENCH_FANOUT_TARGET_H_
#define SITREP_BENCH_FANOUT_TARGET_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "bench/fanout_spread_publisher.h"
#include "bench/grpc_channels.h"
#include "bench/replica_scaling.h"
#include "bench/server_process.h"
#include "bench/stream_publisher.h"
#include "bench/verifying_subscriber.h"

namespace sitrep::bench {

// Thread safety: driven from the run's thread; Stats() from any.
class FanoutTarget {
 public:
  virtual ~FanoutTarget() = default;
  virtual bool Start() = 0;
  // A subscriber to mission_index's updates, started.
  virtual std::unique_ptr<VerifyingSubscriber> Subscribe(int index,
                                                         int mission_index,
                                                         bool stall) = 0;
  // Called once every subscriber exists; false if they are not ready.
  // By default: every one caught up within 120 s.
  virtual bool AllSubscribed(
      const std::vector<std::unique_ptr<VerifyingSubscriber>>& all);
  virtual std::unique_ptr<FanoutPublisher> NewPublisher(
      const std::string& run) = 0;
  virtual ProcStats Stats() = 0;
  // The server's write-ahead log on disk now, in bytes; -1 when it has
  // none the bench can see (issue 24: the WAL stays bounded).
  virtual int64_t WalBytes() { return -1; }
  virtual void Stop() = 0;
  // Phase A (max rate) starts (end false) or ends, `acked` updates
  // published so far.
  virtual void MarkPhaseA(bool /*end*/, uint64_t /*acked*/) {}
  // Replicated targets: each replica's counters so far (CPU, budget
  // periods, its subscribers' deliveries); empty for the others.
  virtual std::vector<ReplicaPhase> ReplicaCounters() { return {}; }
  // The CPU so far of a replica that only tails (no subscribers); < 0: none.
  virtual double TailOnlyCpuSeconds() { return -1; }
  // The capacity search's outcome (bench/capacity_search.h), for the
  // target to complete (replica count, budget) and keep.
  virtual void KeepBoundedCapacity(BoundedCapacity /*capacity*/) {}
};

// Subscribers over gRPC channels (subscriber i on channel i % count), the
// publisher on a channel of its own (or, with publishers_ > 1, publisher p
// of a SpreadPublisher on publisher_channel_[p % their count]): what every
// gRPC server target shares.
// A stalled subscriber (isolation runs) gets a connection of its own, as a
// frozen dashboard has: on a connection shared with ~125 readers, gRPC's
// client transport slowed those readers too (with 25 stalled streams on
// each of 4 of the 8 connections the publish rate fell to 0.66-0.89x; with
// the stalled streams on one connection it did not fall), which is the load
// generator's multiplexing, not the server's isolation.
class GrpcChannelsTarget : public FanoutTarget {
 public:
  std::unique_ptr<VerifyingSubscriber> Subscribe(int index, int mission_index,
                                                 bool stall) override;
  std::unique_ptr<FanoutPublisher> NewPublisher(
      const std::string& run) override;

 protected:
  // publishers_ StreamPublishers of `run` sharing the updates.
  std::unique_ptr<SpreadPublisher> NewSpreadPublisher(const std::string& run);

  std::string address_;
  std::vector<Channel> channels_;
  std::vector<Channel> publisher_channel_;
  // Publishers sharing the updates (PublisherOf): the subscribers verify
  // each one's order. Set before the first Subscribe.
  int publishers_ = 1;
  // A deque: subscribers keep pointers to their channel.
  std::deque<Channel> stalled_channels_;
};

// The target of --systems entry `system_name` (sitrep, ceiling, sse,
// jetstream, natscore, replicas-K) for `scenario`; null (with a note) when
// there is none.
std::unique_ptr<FanoutTarget> NewFanoutTarget(const std::string& system_name,
                                              const std::string& scenario);

// The targets of their own files, for NewFanoutTarget.
std::unique_ptr<FanoutTarget> NewNatsTarget(const std::string& name);
// sse: sitrepd's gateway; with `ceiling`, the ceiling server's bare SSE
// fan-out (sse-ceiling).
std::unique_ptr<FanoutTarget> NewSseTarget(const std::string& scenario,
                                           bool ceiling);
std::unique_ptr<FanoutTarget> NewReplicasTarget(int replicas);

// --scenario=replicas: phase A of each replicas-K run (ReplicasTarget), for
// ReportReplicaScaling.
extern std::vector<ReplicaRun> g_replica_runs;
// --scenario=replicas: the capacity search of each replicas-K run.
extern std::vector<BoundedCapacity> g_bounded_runs;
// --scenario=replicas: the round (of --replica_rounds) being run, kept in
// each ReplicaRun.
extern int g_replica_round;

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_FANOUT_TARGET_H_
