#include "tests/support/test_server.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace sitrep::testing {

TestServer::TestServer(std::function<void(ServerConfig&)> tweak) {
  config_.listen = "127.0.0.1:0";
  config_.data_dir = dir_.path() + "/data";
  config_.fsync = FsyncPolicy::kOff;
  config_.min_heartbeat = absl::Milliseconds(10);
  config_.expiry_interval = absl::Milliseconds(20);
  config_.shutdown_grace = absl::Seconds(2);
  // Any free port (tests run in parallel) and no drain pause, unless a
  // tweak asks for them.
  config_.metrics_address = "127.0.0.1:0";
  config_.http_address = "127.0.0.1:0";
  config_.shutdown_drain = absl::ZeroDuration();
  if (tweak) tweak(config_);
  Start();
}

TestServer::~TestServer() { Stop(); }

void TestServer::Start() {
  absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(config_);
  if (!server.ok()) {
    ADD_FAILURE() << "sitrepd did not start: " << server.status();
    return;
  }
  server_ = *std::move(server);
  // Keep the ports across restarts so clients can dial the same address.
  config_.listen = absl::StrCat("127.0.0.1:", server_->port());
  if (server_->metrics_port() != 0) {
    config_.metrics_address =
        absl::StrCat("127.0.0.1:", server_->metrics_port());
  }
  if (server_->http_port() != 0) {
    config_.http_address = absl::StrCat("127.0.0.1:", server_->http_port());
  }
}

void TestServer::Stop() {
  if (server_ != nullptr) {
    server_->Shutdown();
    server_.reset();
  }
}

void TestServer::Restart() {
  Stop();
  Start();
}

std::string TestServer::address() const { return config_.listen; }

std::shared_ptr<grpc::Channel> TestServer::NewChannel() const {
  return grpc::CreateChannel(address(), grpc::InsecureChannelCredentials());
}

std::unique_ptr<v1::SituationFeed::Stub> TestServer::NewStub() const {
  return v1::SituationFeed::NewStub(NewChannel());
}

StreamReader::StreamReader(v1::SituationFeed::Stub& stub,
                           const v1::SubscribeRequest& request,
                           absl::Duration lifetime, const std::string& token) {
  context_.set_deadline(absl::ToChronoTime(absl::Now() + lifetime));
  if (!token.empty()) context_.AddMetadata("authorization", "Bearer " + token);
  reader_ = stub.Subscribe(&context_, request);
}

StreamReader::~StreamReader() {
  if (!ended_) {
    context_.TryCancel();
    v1::SubscribeResponse ignored;
    while (reader_->Read(&ignored)) {
    }
    reader_->Finish().ok();
  }
}

std::optional<v1::SubscribeResponse> StreamReader::Next() {
  if (ended_) return std::nullopt;
  v1::SubscribeResponse response;
  if (!reader_->Read(&response)) return std::nullopt;
  if (response.has_cursor()) cursor_ = response.cursor();
  if (response.marker_case() != v1::SubscribeResponse::MARKER_NOT_SET) {
    markers_.push_back(response);
  }
  return response;
}

std::vector<v1::SituationUpdate> StreamReader::ReadUpdates(size_t count) {
  std::vector<v1::SituationUpdate> updates;
  while (updates.size() < count) {
    std::optional<v1::SubscribeResponse> response = Next();
    if (!response) break;
    for (auto& update : *response->mutable_updates()) {
      updates.push_back(std::move(update));
    }
  }
  return updates;
}

std::optional<v1::SubscribeResponse> StreamReader::ReadUntil(
    const std::function<bool(const v1::SubscribeResponse&)>& done,
    std::vector<v1::SituationUpdate>* updates) {
  for (;;) {
    std::optional<v1::SubscribeResponse> response = Next();
    if (!response) return std::nullopt;
    if (done(*response)) return response;
    if (updates != nullptr) {
      for (const auto& update : response->updates()) {
        updates->push_back(update);
      }
    }
  }
}

grpc::Status StreamReader::Finish() {
  v1::SubscribeResponse ignored;
  while (!ended_ && reader_->Read(&ignored)) {
  }
  ended_ = true;
  return reader_->Finish();
}

void StreamReader::Cancel() { context_.TryCancel(); }

}  // namespace sitrep::testing
