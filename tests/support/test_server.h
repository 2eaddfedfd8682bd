#ifndef SITREP_TESTS_SUPPORT_TEST_SERVER_H_
#define SITREP_TESTS_SUPPORT_TEST_SERVER_H_

#include <functional>
#include <memory>
#include <optional>
#include <vector>
#include <string>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "server/config/server_config.h"
#include "server/server.h"
#include "sitrep/v1/situation_feed.grpc.pb.h"
#include "tests/support/temp_dir.h"

namespace sitrep::testing {

// An in-process sitrepd on 127.0.0.1 with a free port and its own data
// directory, tuned for tests (fsync off, short heartbeats allowed, quick
// expiry sweeps, no shutdown drain, the metrics endpoint and the HTTP
// gateway on free ports: server().metrics_port(), server().http_port()). Restart() keeps the data directory and the
// ports.
class TestServer {
 public:
  // `tweak` may adjust the config before start (ring size, retention...).
  explicit TestServer(
      std::function<void(ServerConfig&)> tweak = nullptr);
  ~TestServer();

  Server& server() { return *server_; }
  const ServerConfig& config() const { return config_; }
  const std::string& data_dir() const { return dir_.path(); }
  std::string address() const;

  // A new channel / stub to the server.
  std::shared_ptr<grpc::Channel> NewChannel() const;
  std::unique_ptr<v1::SituationFeed::Stub> NewStub() const;

  // Graceful shutdown and start again on the same data directory and port.
  void Restart();
  // Graceful shutdown only.
  void Stop();
  void Start();

 private:
  TempDir dir_;
  ServerConfig config_;
  std::unique_ptr<Server> server_;
};

// Blocking reader of one Subscribe stream. The whole stream has a
// deadline (`lifetime`), so a hang ends as DEADLINE_EXCEEDED and fails the
// test instead of blocking it.
class StreamReader {
 public:
  // A non-empty `token` is sent as "authorization: Bearer <token>".
  StreamReader(v1::SituationFeed::Stub& stub,
               const v1::SubscribeRequest& request,
               absl::Duration lifetime = absl::Seconds(60),
               const std::string& token = "");
  ~StreamReader();

  // The next message, or nullopt when the stream ended (see Finish()).
  std::optional<v1::SubscribeResponse> Next();

  // Reads until `count` updates arrived, collecting them (and remembering
  // the markers seen). Returns fewer if the stream ended first.
  std::vector<v1::SituationUpdate> ReadUpdates(size_t count);

  // Reads until a message satisfies `done` (returned), collecting the
  // updates before it into *updates (nullable). nullopt: the stream ended.
  std::optional<v1::SubscribeResponse> ReadUntil(
      const std::function<bool(const v1::SubscribeResponse&)>& done,
      std::vector<v1::SituationUpdate>* updates = nullptr);

  // The stream's final status (reads what is left).
  grpc::Status Finish();
  // Cancels the call.
  void Cancel();

  // The cursor of the last message read.
  const v1::Cursor& cursor() const { return cursor_; }
  // Markers seen so far by ReadUpdates/Next, in order.
  const std::vector<v1::SubscribeResponse>& markers() const {
    return markers_;
  }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader_;
  v1::Cursor cursor_;
  std::vector<v1::SubscribeResponse> markers_;
  bool ended_ = false;
};

}  // namespace sitrep::testing

#endif  // SITREP_TESTS_SUPPORT_TEST_SERVER_H_
