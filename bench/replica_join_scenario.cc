#include "bench/replica_join_scenario.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"

ABSL_FLAG(int64_t, join_updates, 1000000,
          "replica_join: updates in the stream before the second replica "
          "starts");

namespace sitrep::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Publishes `count` patrol reports through one PublishStream in batches of
// 1024, at most 8 batches unacknowledged. False on an error.
bool PublishBatches(v1::SituationFeed::Stub* stub, int64_t count) {
  constexpr int kBatch = 1024;
  constexpr int kWindow = 8;
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReaderWriter<v1::PublishRequest, v1::PublishAck>>
      stream = stub->PublishStream(&context);
  int64_t sent = 0, sent_batches = 0;
  std::atomic<int64_t> acked_batches{0};
  std::atomic<bool> ok{true};
  std::thread reader([&] {
    v1::PublishAck ack;
    while (stream->Read(&ack)) {
      for (const v1::PublishAck& one : ack.batch()) {
        if (one.has_error()) ok.store(false);
      }
      acked_batches.fetch_add(1);
    }
  });
  v1::PublishRequest message;
  while (sent < count && ok) {
    while (sent_batches - acked_batches.load() >= kWindow) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    message.clear_batch();
    for (int i = 0; i < kBatch && sent < count; ++i, ++sent) {
      v1::SituationUpdate* u = message.add_batch()->mutable_update();
      u->set_mission(v1::MISSION_EULEX);
      u->set_role(v1::ROLE_SUPPORT);
      u->set_severity(v1::SEVERITY_MINOR);
      u->set_category(v1::CATEGORY_PATROL);
      u->set_headline("Border crossing checked, queue of twelve vehicles");
      u->set_description(
          "Customs and police present, waiting time about twenty minutes. "
          "No incidents.");
      u->mutable_location()->set_municipality("Podujevë");
      u->set_event_id(absl::StrCat("join-", getpid(), "-", sent));
    }
    if (!stream->Write(message)) break;
    ++sent_batches;
  }
  stream->WritesDone();
  reader.join();
  const grpc::Status status = stream->Finish();
  if (!status.ok()) {
    std::fprintf(stderr, "replica_join: PublishStream: %s\n",
                 status.error_message().c_str());
  }
  return ok && status.ok() && sent == count;
}

// The head a replica has applied, or 0 when it does not answer.
uint64_t HeadOf(v1::SituationFeed::Stub* stub) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(2));
  v1::ListUpdatesRequest request;
  request.set_page_size(1);
  request.set_descending(true);
  v1::ListUpdatesResponse response;
  if (!stub->ListUpdates(&context, request, &response).ok()) return 0;
  return response.head_sequence();
}

}  // namespace

bool RunReplicaJoin(const std::string& sitrepd, const std::string& nats_server,
                    const ResultFn& result) {
  const int64_t updates = absl::GetFlag(FLAGS_join_updates);
  const std::string scenario = absl::StrCat("replica join ", updates);
  char pattern[] = "/tmp/sitrep-join-XXXXXX";
  const std::string dir = mkdtemp(pattern) ? pattern : "/tmp/sitrep-join";
  ServerProcess nats;
  if (!nats.Start({nats_server, "-a", "127.0.0.1", "-p", "-1", "-js", "-sd",
                   dir + "/js"},
                  "", absl::Seconds(30), "Server is ready")) {
    return false;
  }
  const std::vector<std::string> store = {
      "--store=jetstream", "--nats_url=nats://" + nats.address(),
      "--stream=JOIN", "--nats_subject_prefix=join"};
  std::unique_ptr<ServerProcess> first =
      StartSitrepd(sitrepd, dir + "/a", dir + "/a-port", store);
  if (first == nullptr) return false;
  std::unique_ptr<v1::SituationFeed::Stub> first_stub =
      NewStub(first->address());
  const auto fill_start = Clock::now();
  if (!PublishBatches(first_stub.get(), updates)) return false;
  result(scenario, "fill updates/s",
         static_cast<double>(updates) / SecondsSince(fill_start));
  const uint64_t head = HeadOf(first_stub.get());
  result(scenario, "stream updates", static_cast<double>(head));

  const auto start = Clock::now();
  std::unique_ptr<ServerProcess> second =
      StartSitrepd(sitrepd, dir + "/b", dir + "/b-port", store);
  if (second == nullptr) return false;
  const double serving = SecondsSince(start);
  std::unique_ptr<v1::SituationFeed::Stub> second_stub =
      NewStub(second->address());
  const bool caught_up = WaitUntil(
      [&] { return HeadOf(second_stub.get()) >= head; }, absl::Seconds(120));
  const double seconds = SecondsSince(start);
  result(scenario, "SERVING s", serving);
  result(scenario, "caught up s", caught_up ? seconds : -1);
  result(scenario, "joining replica RSS MiB",
         ReadProcStats(second->pid()).rss_kib / 1024);
  second->Stop();
  first->Stop();
  nats.Stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return caught_up;
}

}  // namespace sitrep::bench
