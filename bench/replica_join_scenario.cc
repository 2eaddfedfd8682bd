#include "bench/replica_join_scenario.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"

ABSL_FLAG(int64_t, join_updates, 1000000,
          "replica_join: updates in the stream before the second replica "
          "starts");
ABSL_FLAG(std::string, join_dir, "",
          "replica_join: keep the NATS store in this directory and reuse "
          "it: the first run fills it (through a first replica) and marks "
          "it filled; a later run with the same --join_updates starts "
          "nats-server on it and only the joining replica (so that "
          "several sitrepd binaries join the same stream: the quiet "
          "rerun). Empty: a fresh store, removed at the end");

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

// The stream's head recorded by the run that filled `dir` with `updates`,
// or 0 when it was not filled with that many.
uint64_t FilledHead(const std::string& dir, int64_t updates) {
  std::ifstream in(dir + "/filled");
  int64_t filled = 0;
  uint64_t head = 0;
  if (!(in >> filled >> head) || filled != updates) return 0;
  return head;
}

void MarkFilled(const std::string& dir, int64_t updates, uint64_t head) {
  std::ofstream(dir + "/filled") << updates << " " << head << "\n";
}

// Fills the stream through a first replica (kept running: it is the
// replica the second one joins) and returns the stream's head; 0 on an
// error.
uint64_t Fill(const std::string& sitrepd, const std::string& dir,
              const std::vector<std::string>& store, int64_t updates,
              const std::string& scenario, const ResultFn& result,
              std::unique_ptr<ServerProcess>* first) {
  *first = StartSitrepd(sitrepd, dir + "/a", dir + "/a-port", store);
  if (*first == nullptr) return 0;
  std::unique_ptr<v1::SituationFeed::Stub> stub = NewStub((*first)->address());
  const auto fill_start = Clock::now();
  if (!PublishBatches(stub.get(), updates)) return 0;
  result(scenario, "fill updates/s",
         static_cast<double>(updates) / SecondsSince(fill_start));
  return HeadOf(stub.get());
}

// Starts the joining replica and reports its times, memory and CPU (and
// nats-server's CPU meanwhile). False when it did not catch up.
bool Join(const std::string& sitrepd, const std::string& dir,
          const std::vector<std::string>& store, uint64_t head,
          const std::string& scenario, const ResultFn& result,
          const ServerProcess& nats) {
  std::error_code ignored;
  std::filesystem::remove_all(dir + "/b", ignored);
  const double nats_cpu = ReadProcStats(nats.pid()).cpu_seconds;
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
  const ProcStats joined = ReadProcStats(second->pid());
  result(scenario, "SERVING s", serving);
  result(scenario, "caught up s", caught_up ? seconds : -1);
  result(scenario, "joining replica RSS MiB", joined.rss_kib / 1024);
  result(scenario, "joining replica CPU s", joined.cpu_seconds);
  result(scenario, "nats-server CPU s during the join",
         ReadProcStats(nats.pid()).cpu_seconds - nats_cpu);
  second->Stop();
  return caught_up;
}

}  // namespace

bool RunReplicaJoin(const std::string& sitrepd, const std::string& nats_server,
                    const ResultFn& result) {
  const int64_t updates = absl::GetFlag(FLAGS_join_updates);
  const std::string scenario = absl::StrCat("replica join ", updates);
  const std::string kept = absl::GetFlag(FLAGS_join_dir);
  char pattern[] = "/tmp/sitrep-join-XXXXXX";
  const std::string dir =
      !kept.empty() ? kept : (mkdtemp(pattern) ? pattern : "/tmp/sitrep-join");
  uint64_t head = kept.empty() ? 0 : FilledHead(dir, updates);
  std::error_code ignored;
  if (head == 0) std::filesystem::remove_all(dir + "/js", ignored);
  std::filesystem::create_directories(dir, ignored);
  ServerProcess nats;
  if (!nats.Start({nats_server, "-a", "127.0.0.1", "-p", "-1", "-js", "-sd",
                   dir + "/js"},
                  "", absl::Seconds(30), "Server is ready")) {
    return false;
  }
  const std::vector<std::string> store = {
      "--store=jetstream", "--nats_url=nats://" + nats.address(),
      "--stream=JOIN", "--nats_subject_prefix=join"};
  std::unique_ptr<ServerProcess> first;
  if (head == 0) {
    head = Fill(sitrepd, dir, store, updates, scenario, result, &first);
    if (head == 0) return false;
  }
  result(scenario, "stream updates", static_cast<double>(head));
  const bool caught_up = Join(sitrepd, dir, store, head, scenario, result, nats);
  if (first != nullptr) first->Stop();
  nats.Stop();
  if (kept.empty()) {
    std::filesystem::remove_all(dir, ignored);
  } else if (FilledHead(dir, updates) == 0) {
    MarkFilled(dir, updates, head);
  }
  return caught_up;
}

}  // namespace sitrep::bench
