#include "bench/fanout_target.h"

#include <utility>

#include "absl/flags/flag.h"
#include "bench/bench_flags.h"
#include "bench/grpc_subscriber.h"
#include "bench/system_under_test.h"

namespace sitrep::bench {

bool FanoutTarget::AllSubscribed(
    const std::vector<std::unique_ptr<VerifyingSubscriber>>& all) {
  return WaitFor(
      [&] {
        for (auto& s : all) {
          if (!s->caught_up()) return false;
        }
        return true;
      },
      absl::Seconds(120));
}

std::unique_ptr<VerifyingSubscriber> GrpcChannelsTarget::Subscribe(
    int index, int mission_index, bool stall) {
  auto s = std::make_unique<Subscriber>(mission_index, stall, publishers_);
  Channel* channel = &channels_[static_cast<size_t>(index) % channels_.size()];
  if (stall) {
    std::vector<Channel> own = MakeChannels(address_, 1);
    stalled_channels_.push_back(std::move(own.front()));
    channel = &stalled_channels_.back();
  }
  s->Start(channel, MissionRequest(mission_index, 5));
  return s;
}

std::unique_ptr<FanoutPublisher> GrpcChannelsTarget::NewPublisher(
    const std::string& run) {
  if (publishers_ <= 1) {
    return std::make_unique<StreamPublisher>(publisher_channel_[0].stub.get(),
                                             run);
  }
  return NewSpreadPublisher(run);
}

std::unique_ptr<SpreadPublisher> GrpcChannelsTarget::NewSpreadPublisher(
    const std::string& run) {
  std::vector<std::unique_ptr<StreamPublisher>> each;
  for (int p = 0; p < publishers_; ++p) {
    Channel& channel = publisher_channel_[static_cast<size_t>(p) % publisher_channel_.size()];
    each.push_back(std::make_unique<StreamPublisher>(channel.stub.get(), run));
  }
  return std::make_unique<SpreadPublisher>(std::move(each));
}

namespace {

class GrpcTarget final : public GrpcChannelsTarget {
 public:
  explicit GrpcTarget(const std::string& name) : system_{name} {}

  bool Start() override {
    if (!system_.Start(absl::GetFlag(FLAGS_fsync))) return false;
    address_ = system_.process.address();
    channels_ = MakeChannels(address_, absl::GetFlag(FLAGS_channels));
    publisher_channel_ = MakeChannels(system_.process.address(), 1);
    return true;
  }
  ProcStats Stats() override { return system_.Stats(); }
  int64_t WalBytes() override { return system_.WalBytes(); }
  void Stop() override { system_.process.Stop(); }

 private:
  System system_;
};

}  // namespace

std::unique_ptr<FanoutTarget> NewFanoutTarget(const std::string& system_name,
                                              const std::string& scenario) {
  if (system_name == "sitrep" || system_name == "ceiling") {
    return std::make_unique<GrpcTarget>(system_name);
  }
  if (system_name == "sse" || system_name == "sse-ceiling") {
    return NewSseTarget(scenario, system_name == "sse-ceiling");
  }
  return NewNatsTarget(system_name);
}

}  // namespace sitrep::bench
