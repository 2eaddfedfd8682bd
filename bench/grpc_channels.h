// The gRPC channels a scenario's clients share: each with the raw
// Subscribe method (bench/grpc_subscriber.h) and a stub.
#ifndef SITREP_BENCH_GRPC_CHANNELS_H_
#define SITREP_BENCH_GRPC_CHANNELS_H_

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "sitrep/v1/situation_feed.grpc.pb.h"

namespace sitrep::bench {

struct Channel {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<grpc::internal::RpcMethod> subscribe;
  std::unique_ptr<v1::SituationFeed::Stub> stub;
};

// `count` channels to `address`, each on a subchannel of its own, waited
// for (up to 10 s each) until connected.
std::vector<Channel> MakeChannels(const std::string& address, int count);

grpc::ByteBuffer ToByteBuffer(const std::string& bytes);

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_GRPC_CHANNELS_H_
