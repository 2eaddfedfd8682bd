#ifndef SITREP_TESTS_INTEGRATION_FEED_CALLS_H_
#define SITREP_TESTS_INTEGRATION_FEED_CALLS_H_

// Helpers shared by the integration tests of tests/integration/:
//   - synchronous wrappers over the SituationFeed stub that return
//     absl::StatusOr, so tests can say StatusIs(code, "field");
//   - text-proto builders for filters and requests;
//   - ClockedServer: a real sitrepd on a clock the test moves (FakeClock),
//     for expiry and retention by age without sleeping.
// Header-only: each integration test is one executable.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "server/config/server_config.h"
#include "server/runtime/clock.h"
#include "server/runtime/proto_time.h"
#include "server/server.h"
#include "sitrep/v1/situation_feed.grpc.pb.h"
#include "tests/support/fake_clock.h"
#include "tests/support/test_server.h"
#include "tests/support/updates.h"

namespace sitrep::testing {

// Every unary call of these tests has this much time; a hang fails the test.
inline std::chrono::system_clock::time_point CallDeadline() {
  return absl::ToChronoTime(absl::Now() + absl::Seconds(30));
}

inline absl::Status ToAbslStatus(const grpc::Status& status) {
  // grpc::StatusCode and absl::StatusCode share the google.rpc.Code values.
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

inline absl::StatusOr<v1::PublishResponse> Publish(
    v1::SituationFeed::Stub& stub, const v1::SituationUpdate& update,
    std::optional<uint64_t> expected_incident_version = std::nullopt) {
  grpc::ClientContext context;
  context.set_deadline(CallDeadline());
  v1::PublishRequest request;
  *request.mutable_update() = update;
  if (expected_incident_version.has_value()) {
    request.set_expected_incident_version(*expected_incident_version);
  }
  v1::PublishResponse response;
  grpc::Status status = stub.Publish(&context, request, &response);
  if (!status.ok()) return ToAbslStatus(status);
  return response;
}

// Writes `messages` on one PublishStream, closes the sending side and
// returns every answer, in order (the stream's status when it did not end
// OK).
inline absl::StatusOr<std::vector<v1::PublishAck>> PublishStreamAnswers(
    v1::SituationFeed::Stub& stub,
    const std::vector<v1::PublishRequest>& messages) {
  grpc::ClientContext context;
  context.set_deadline(CallDeadline());
  auto stream = stub.PublishStream(&context);
  for (const v1::PublishRequest& message : messages) {
    if (!stream->Write(message)) break;
  }
  stream->WritesDone();
  std::vector<v1::PublishAck> answers;
  v1::PublishAck answer;
  while (stream->Read(&answer)) answers.push_back(answer);
  grpc::Status status = stream->Finish();
  if (!status.ok()) return ToAbslStatus(status);
  return answers;
}

// Publishes and fails the test (returning 0) unless the publish succeeded;
// returns the sequence.
inline uint64_t MustPublish(v1::SituationFeed::Stub& stub,
                            const v1::SituationUpdate& update) {
  absl::StatusOr<v1::PublishResponse> response = Publish(stub, update);
  EXPECT_TRUE(response.ok()) << response.status() << "\n"
                             << update.DebugString();
  return response.ok() ? response->sequence() : 0;
}

inline absl::StatusOr<v1::Situation> GetSituation(
    v1::SituationFeed::Stub& stub, const v1::Filter& filter = {}) {
  grpc::ClientContext context;
  context.set_deadline(CallDeadline());
  v1::GetSituationRequest request;
  *request.mutable_filter() = filter;
  v1::Situation situation;
  grpc::Status status = stub.GetSituation(&context, request, &situation);
  if (!status.ok()) return ToAbslStatus(status);
  return situation;
}

inline absl::StatusOr<v1::IncidentThread> GetIncident(
    v1::SituationFeed::Stub& stub, const std::string& incident_id) {
  grpc::ClientContext context;
  context.set_deadline(CallDeadline());
  v1::GetIncidentRequest request;
  request.set_incident_id(incident_id);
  v1::IncidentThread thread;
  grpc::Status status = stub.GetIncident(&context, request, &thread);
  if (!status.ok()) return ToAbslStatus(status);
  return thread;
}

inline absl::StatusOr<v1::ListUpdatesResponse> ListUpdates(
    v1::SituationFeed::Stub& stub, const v1::ListUpdatesRequest& request) {
  grpc::ClientContext context;
  context.set_deadline(CallDeadline());
  v1::ListUpdatesResponse response;
  grpc::Status status = stub.ListUpdates(&context, request, &response);
  if (!status.ok()) return ToAbslStatus(status);
  return response;
}

// Follows next_page_token until it is empty and returns every page.
inline absl::StatusOr<std::vector<v1::ListUpdatesResponse>> ListAllPages(
    v1::SituationFeed::Stub& stub, v1::ListUpdatesRequest request) {
  std::vector<v1::ListUpdatesResponse> pages;
  for (;;) {
    absl::StatusOr<v1::ListUpdatesResponse> page = ListUpdates(stub, request);
    if (!page.ok()) return page.status();
    pages.push_back(*page);
    if (page->next_page_token().empty()) return pages;
    if (pages.size() > 10000) {
      return absl::InternalError("more than 10000 pages: the token loops");
    }
    request.set_page_token(page->next_page_token());
  }
}

// The updates of every page, concatenated.
inline absl::StatusOr<std::vector<v1::SituationUpdate>> ListAll(
    v1::SituationFeed::Stub& stub, const v1::ListUpdatesRequest& request) {
  absl::StatusOr<std::vector<v1::ListUpdatesResponse>> pages =
      ListAllPages(stub, request);
  if (!pages.ok()) return pages.status();
  std::vector<v1::SituationUpdate> updates;
  for (const v1::ListUpdatesResponse& page : *pages) {
    updates.insert(updates.end(), page.updates().begin(), page.updates().end());
  }
  return updates;
}

template <typename Message>
Message ProtoFromText(absl::string_view text) {
  Message message;
  EXPECT_TRUE(
      google::protobuf::TextFormat::ParseFromString(std::string(text), &message))
      << text;
  return message;
}

inline v1::Filter FilterFromText(absl::string_view text) {
  return ProtoFromText<v1::Filter>(text);
}

inline bool IsCaughtUp(const v1::SubscribeResponse& r) {
  return r.has_caught_up();
}
inline bool IsSnapshotEnd(const v1::SubscribeResponse& r) {
  return r.has_snapshot_end();
}
// Any message but a heartbeat (which may come at any time).
inline bool IsNotHeartbeat(const v1::SubscribeResponse& r) {
  return !r.has_heartbeat();
}

// The next message of `reader` that is not a heartbeat; nullopt if the
// stream ended.
inline std::optional<v1::SubscribeResponse> NextNonHeartbeat(
    StreamReader& reader) {
  for (;;) {
    std::optional<v1::SubscribeResponse> response = reader.Next();
    if (!response || !response->has_heartbeat()) return response;
  }
}

// A real in-process sitrepd (127.0.0.1:0, SQLite in a temporary directory)
// like TestServer, but on a clock the test owns. The background sweeps are
// made hourly, so expiry and retention happen only when the test calls
// RunExpiryNow() / RunRetentionNow() (a tweak may change that).
// `clock` is borrowed and must outlive the server.
class ClockedServer {
 public:
  explicit ClockedServer(Clock* clock,
                         std::function<void(ServerConfig&)> tweak = nullptr) {
    config_.listen = "127.0.0.1:0";
    config_.data_dir = dir_.path() + "/data";
    config_.fsync = FsyncPolicy::kOff;
    config_.min_heartbeat = absl::Milliseconds(10);
    config_.expiry_interval = absl::Hours(1);
    config_.retention_interval = absl::Hours(1);
    config_.shutdown_grace = absl::Seconds(2);
    config_.metrics_address = "127.0.0.1:0";
    config_.shutdown_drain = absl::ZeroDuration();
    if (tweak) tweak(config_);
    absl::StatusOr<std::unique_ptr<Server>> server =
        Server::Start(config_, clock);
    if (!server.ok()) {
      ADD_FAILURE() << "sitrepd did not start: " << server.status();
      return;
    }
    server_ = *std::move(server);
  }
  ~ClockedServer() {
    if (server_ != nullptr) server_->Shutdown();
  }
  ClockedServer(const ClockedServer&) = delete;
  ClockedServer& operator=(const ClockedServer&) = delete;

  bool started() const { return server_ != nullptr; }
  Server& server() { return *server_; }
  std::unique_ptr<v1::SituationFeed::Stub> NewStub() const {
    return v1::SituationFeed::NewStub(grpc::CreateChannel(
        server_->address(), grpc::InsecureChannelCredentials()));
  }

 private:
  TempDir dir_;
  ServerConfig config_;
  std::unique_ptr<Server> server_;
};

}  // namespace sitrep::testing

#endif  // SITREP_TESTS_INTEGRATION_FEED_CALLS_H_
