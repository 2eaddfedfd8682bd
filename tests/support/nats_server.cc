#include "tests/support/nats_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "nats/nats.h"

namespace sitrep::testing {

std::string FindNatsServer() {
  for (const char* path : {"/usr/sbin/nats-server", "/usr/bin/nats-server",
                           "/usr/local/bin/nats-server"}) {
    if (access(path, X_OK) == 0) return path;
  }
  return "";
}

absl::StatusOr<int> FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const std::string error = strerror(errno);
    close(fd);
    return absl::InternalError(error);
  }
  close(fd);
  return ntohs(address.sin_port);
}

namespace {

// Connects to `url` and asks JetStream for the account's info: the server
// is ready for the tests when this answers.
absl::Status CheckJetStream(const std::string& url) {
  natsConnection* nc = nullptr;
  natsStatus s = natsConnection_ConnectTo(&nc, url.c_str());
  if (s != NATS_OK) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to ", url, ": ", natsStatus_GetText(s)));
  }
  jsCtx* js = nullptr;
  jsAccountInfo* info = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  s = natsConnection_JetStream(&js, nc, nullptr);
  if (s == NATS_OK) s = js_GetAccountInfo(&info, js, nullptr, &code);
  if (info != nullptr) jsAccountInfo_Destroy(info);
  if (js != nullptr) jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  if (s != NATS_OK) {
    return absl::UnavailableError(absl::StrCat(
        "JetStream at ", url, " does not answer: ", natsStatus_GetText(s)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<NatsServer>> NatsServer::Start() {
  const std::string binary = FindNatsServer();
  if (binary.empty()) {
    return absl::NotFoundError("nats-server is not installed");
  }
  absl::StatusOr<int> port = FreeLoopbackPort();
  if (!port.ok()) return port.status();
  std::unique_ptr<NatsServer> server(new NatsServer());
  server->binary_ = binary;
  server->port_ = *port;
  server->url_ = absl::StrCat("nats://127.0.0.1:", *port);
  absl::Status status = server->Launch();
  if (!status.ok()) return status;
  return server;
}

absl::Status NatsServer::Spawn() {
  std::vector<std::string> argv = {binary_, "-js", "-a", "127.0.0.1", "-p",
                                   absl::StrCat(port_), "-sd", store_.path()};
  argv.insert(argv.end(), cluster_args_.begin(), cluster_args_.end());
  process_ = std::make_unique<Subprocess>(std::move(argv));
  // The server says so once it accepts clients.
  if (!process_->WaitForStderr("Server is ready", absl::Seconds(30))) {
    return absl::UnavailableError(
        absl::StrCat("nats-server did not start on port ", port_, ": ",
                     process_->stderr_text()));
  }
  return absl::OkStatus();
}

absl::Status NatsServer::Launch() {
  absl::Status status = Spawn();
  if (!status.ok()) return status;
  if (!cluster_args_.empty()) {
    // "JetStream cluster new metadata leader" / "Self is new JetStream
    // cluster metadata leader".
    if (!process_->WaitForStderr("metadata leader", absl::Seconds(30))) {
      return absl::UnavailableError(
          absl::StrCat("nats-server on port ", port_,
                       " saw no JetStream metadata leader: ",
                       process_->stderr_text()));
    }
  }
  // Then a real client checks.
  return CheckJetStream(url_);
}

absl::StatusOr<std::vector<std::unique_ptr<NatsServer>>>
NatsServer::StartCluster(int size) {
  const std::string binary = FindNatsServer();
  if (binary.empty()) {
    return absl::NotFoundError("nats-server is not installed");
  }
  std::vector<std::unique_ptr<NatsServer>> servers;
  std::vector<std::string> routes;
  std::vector<int> route_ports;
  for (int i = 0; i < size; ++i) {
    absl::StatusOr<int> port = FreeLoopbackPort();
    absl::StatusOr<int> route = FreeLoopbackPort();
    if (!port.ok()) return port.status();
    if (!route.ok()) return route.status();
    std::unique_ptr<NatsServer> server(new NatsServer());
    server->binary_ = binary;
    server->port_ = *port;
    server->url_ = absl::StrCat("nats://127.0.0.1:", *port);
    servers.push_back(std::move(server));
    route_ports.push_back(*route);
    routes.push_back(absl::StrCat("nats://127.0.0.1:", *route));
  }
  for (int i = 0; i < size; ++i) {
    servers[i]->cluster_args_ = {
        "--server_name", absl::StrCat("n", i + 1), "--cluster_name",
        "sitrep-test", "--cluster",
        absl::StrCat("nats://127.0.0.1:", route_ports[i]), "--routes",
        absl::StrJoin(routes, ",")};
  }
  // All processes first: none elects a leader alone.
  for (auto& server : servers) {
    absl::Status status = server->Spawn();
    if (!status.ok()) return status;
  }
  for (auto& server : servers) {
    if (!server->process_->WaitForStderr("metadata leader", absl::Seconds(30))) {
      return absl::UnavailableError(absl::StrCat(
          "nats-server on port ", server->port_,
          " saw no JetStream metadata leader: ",
          server->process_->stderr_text()));
    }
    absl::Status status = CheckJetStream(server->url_);
    if (!status.ok()) return status;
  }
  return servers;
}

void NatsServer::Kill() {
  if (process_ == nullptr) return;
  process_->Signal(SIGKILL);
  process_->Wait();
  process_.reset();
}

absl::Status NatsServer::Restart() {
  Kill();
  return Launch();
}

NatsServer::~NatsServer() = default;

NatsServer* SharedNatsServer() {
  static NatsServer* const server = [] {
    absl::StatusOr<std::unique_ptr<NatsServer>> started = NatsServer::Start();
    if (absl::IsNotFound(started.status())) return static_cast<NatsServer*>(nullptr);
    EXPECT_TRUE(started.ok()) << started.status();
    // Lives until the process ends; its Subprocess kills nats-server then
    // through the atexit handler below.
    return started.ok() ? started->release() : nullptr;
  }();
  static const bool cleanup = [] {
    std::atexit([] { delete server; });
    return true;
  }();
  (void)cleanup;
  return server;
}

JetStreamOptions StreamOfItsOwn(absl::string_view base) {
  static std::atomic<int> streams{0};
  const int n = ++streams;
  JetStreamOptions options;
  options.nats_url = SharedNatsServer()->url();
  options.stream = absl::StrCat(absl::AsciiStrToUpper(base), n);
  options.subject_prefix = absl::StrCat(absl::AsciiStrToLower(base), n);
  return options;
}

}  // namespace sitrep::testing
