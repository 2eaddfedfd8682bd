#include "bench/grpc_channels.h"

#include <chrono>

namespace sitrep::bench {

std::vector<Channel> MakeChannels(const std::string& address, int count) {
  std::vector<Channel> channels(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("sitrep.bench.channel", i);
    args.SetMaxReceiveMessageSize(-1);
    Channel& c = channels[static_cast<size_t>(i)];
    c.channel = grpc::CreateCustomChannel(
        address, grpc::InsecureChannelCredentials(), args);
    c.subscribe = std::make_unique<grpc::internal::RpcMethod>(
        "/sitrep.v1.SituationFeed/Subscribe",
        grpc::internal::RpcMethod::SERVER_STREAMING, c.channel);
    c.stub = v1::SituationFeed::NewStub(c.channel);
  }
  for (Channel& c : channels) {
    c.channel->WaitForConnected(std::chrono::system_clock::now() +
                                std::chrono::seconds(10));
  }
  return channels;
}

grpc::ByteBuffer ToByteBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

}  // namespace sitrep::bench
