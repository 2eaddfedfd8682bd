#include "bench/sitrepd_client.h"

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"

namespace sitrep::bench {

std::unique_ptr<ServerProcess> StartSitrepd(
    const std::string& sitrepd, const std::string& data_dir,
    const std::string& port_file, const std::vector<std::string>& extra) {
  std::error_code ignored;
  std::filesystem::remove(port_file, ignored);
  std::vector<std::string> argv = {
      sitrepd, "--listen=127.0.0.1:0", "--port_file=" + port_file,
      "--data_dir=" + data_dir, "--fsync=batch", "--publish_rate=0",
      "--max_streams_per_principal=0", "--metrics_address=127.0.0.1:0",
      "--http_address="};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto server = std::make_unique<ServerProcess>();
  if (!server->Start(argv, port_file)) return nullptr;
  return server;
}

void KillHard(std::unique_ptr<ServerProcess> process) {
  kill(process->pid(), SIGKILL);
  process->Stop();  // reaps; the drainer sees the pipe close
}

std::unique_ptr<v1::SituationFeed::Stub> NewStub(const std::string& address) {
  return v1::SituationFeed::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

bool PublishOne(v1::SituationFeed::Stub* stub,
                const v1::PublishRequest& request, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(2));
    context.set_wait_for_ready(true);
    v1::PublishResponse response;
    const grpc::Status status = stub->Publish(&context, request, &response);
    if (status.ok()) return true;
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE &&
        status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
      std::fprintf(stderr, "sitrep-bench: Publish: %s\n",
                   status.error_message().c_str());
      return false;  // refused: retrying will not help
    }
  }
  return false;
}

bool WaitUntil(const std::function<bool()>& pred, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!pred()) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

}  // namespace sitrep::bench
