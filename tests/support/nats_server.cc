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
#include <fstream>
#include <functional>
#include <iterator>
#include <regex>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
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

namespace {

// The port of a socket bound to 127.0.0.1:0 by the kernel, or an error; the
// socket stays open in *fd.
absl::StatusOr<int> BindLoopback(int* fd) {
  *fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (*fd < 0) return absl::InternalError(strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (bind(*fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      getsockname(*fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return absl::InternalError(strerror(errno));
  }
  return ntohs(address.sin_port);
}

// A port that was free a moment ago (a cluster's route ports only: see
// StartCluster).
absl::StatusOr<int> RecentlyFreePort() {
  int fd = -1;
  absl::StatusOr<int> port = BindLoopback(&fd);
  if (fd >= 0) close(fd);
  return port;
}

}  // namespace

RefusingLoopbackPort::RefusingLoopbackPort() {
  absl::StatusOr<int> port = BindLoopback(&fd_);
  EXPECT_TRUE(port.ok()) << port.status();
  if (port.ok()) port_ = *port;
}

RefusingLoopbackPort::~RefusingLoopbackPort() {
  if (fd_ >= 0) close(fd_);
}

namespace {

// Connects to `url` and makes one JetStream request. UNAVAILABLE: no
// connection; FAILED_PRECONDITION: connected, but the request failed
// (JetStream is not ready, or not yet for this request).
absl::Status RequestJetStream(
    const std::string& url, const std::string& what,
    const std::function<natsStatus(jsCtx*, jsErrCode*)>& request) {
  natsConnection* nc = nullptr;
  natsStatus s = natsConnection_ConnectTo(&nc, url.c_str());
  if (s != NATS_OK) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to ", url, ": ", natsStatus_GetText(s)));
  }
  jsCtx* js = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  s = natsConnection_JetStream(&js, nc, nullptr);
  if (s == NATS_OK) s = request(js, &code);
  if (js != nullptr) jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  if (s != NATS_OK) {
    return absl::FailedPreconditionError(
        absl::StrCat(what, " at ", url, ": ", natsStatus_GetText(s),
                     " (JetStream error ", static_cast<int>(code), ")"));
  }
  return absl::OkStatus();
}

// The server is ready for the tests when JetStream answers.
absl::Status CheckJetStream(const std::string& url) {
  return RequestJetStream(url, "JetStream does not answer",
                          [](jsCtx* js, jsErrCode* code) {
                            jsAccountInfo* info = nullptr;
                            natsStatus s = js_GetAccountInfo(&info, js, nullptr, code);
                            if (info != nullptr) jsAccountInfo_Destroy(info);
                            return s;
                          });
}

// Creates and deletes a stream with `replicas` replicas: a cluster can
// place one only once its metadata leader knows that many servers.
absl::Status CheckPlacement(const std::string& url, int replicas) {
  return RequestJetStream(
      url, absl::StrCat("no R", replicas, " stream yet"),
      [replicas](jsCtx* js, jsErrCode* code) {
        jsStreamConfig config;
        jsStreamConfig_Init(&config);
        config.Name = "SITREP_TEST_PLACEMENT";
        const char* subjects[] = {"sitrep-test-placement"};
        config.Subjects = subjects;
        config.SubjectsLen = 1;
        config.Replicas = replicas;
        natsStatus s = js_AddStream(nullptr, js, &config, nullptr, code);
        if (s == NATS_OK) s = js_DeleteStream(js, config.Name, nullptr, code);
        return s;
      });
}

// Runs `check` until it says anything but FAILED_PRECONDITION (not yet) or
// `deadline` passes. Between two tries it waits for the next line of
// `server`'s log that contains `needle` (news about routes or leaders), at
// most 250 ms.
absl::Status RetryWhileNotYet(const std::function<absl::Status()>& check,
                              Subprocess& server, const std::string& needle,
                              absl::Time deadline) {
  absl::Status status = check();
  while (absl::IsFailedPrecondition(status) && absl::Now() < deadline) {
    server.WaitForStderr(needle, absl::Milliseconds(250));
    status = check();
  }
  return status;
}

}  // namespace

absl::StatusOr<std::unique_ptr<NatsServer>> NatsServer::Start() {
  const std::string binary = FindNatsServer();
  if (binary.empty()) {
    return absl::NotFoundError("nats-server is not installed");
  }
  std::unique_ptr<NatsServer> server(new NatsServer());
  server->binary_ = binary;
  absl::Status status = server->Launch();
  if (!status.ok()) return status;
  return server;
}

absl::Status NatsServer::Spawn() {
  // -1: nats-server's "any free port".
  std::vector<std::string> argv = {
      binary_, "-js", "-a", "127.0.0.1", "-p",
      port_ == 0 ? "-1" : absl::StrCat(port_), "-sd", store_.path(),
      "--ports_file_dir", store_.path()};
  argv.insert(argv.end(), cluster_args_.begin(), cluster_args_.end());
  process_ = std::make_unique<Subprocess>(std::move(argv));
  // The server says so once it accepts clients.
  if (!process_->WaitForStderr("Server is ready", absl::Seconds(30))) {
    return absl::UnavailableError(
        absl::StrCat("nats-server did not start (port ",
                     port_ == 0 ? "any" : absl::StrCat(port_),
                     "): ", process_->stderr_text()));
  }
  if (port_ == 0) return ReadPortsFile();
  return absl::OkStatus();
}

absl::Status NatsServer::ReadPortsFile() {
  // <dir>/<executable>_<pid>.ports: {"nats":["nats://127.0.0.1:4222"],...},
  // written right after the listeners start, at about "Server is ready":
  // polling the child's port file (bounded) is the one wait allowed.
  const std::string path =
      absl::StrCat(store_.path(), "/nats-server_", process_->pid(), ".ports");
  const std::regex client_url("\"nats\":\\[\"nats://[^\"]*:([0-9]+)\"");
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  std::string text;
  while (absl::Now() < deadline) {
    std::ifstream in(path);
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    std::smatch match;
    if (std::regex_search(text, match, client_url) &&
        absl::SimpleAtoi(match[1].str(), &port_) && port_ > 0) {
      url_ = absl::StrCat("nats://127.0.0.1:", port_);
      return absl::OkStatus();
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::UnavailableError(absl::StrCat(
      "nats-server wrote no client port to ", path, " ('", text, "')"));
}

absl::Status NatsServer::Launch() {
  absl::Status status = Spawn();
  if (!status.ok()) return status;
  return WaitForJetStream(absl::Now() + absl::Seconds(60));
}

absl::Status NatsServer::WaitForJetStream(absl::Time deadline) {
  // A cluster member answers once it knows the metadata leader, which it
  // does not always log ("JetStream cluster new metadata leader" comes only
  // after an election it took part in).
  absl::Status status = RetryWhileNotYet([this] { return CheckJetStream(url_); },
                                         *process_, "leader", deadline);
  if (absl::IsFailedPrecondition(status)) {
    return absl::UnavailableError(absl::StrCat(
        status.message(), "; nats-server said: ", process_->stderr_text()));
  }
  return status;
}

absl::StatusOr<std::vector<std::unique_ptr<NatsServer>>>
NatsServer::StartCluster(int size) {
  const std::string binary = FindNatsServer();
  if (binary.empty()) {
    return absl::NotFoundError("nats-server is not installed");
  }
  absl::StatusOr<std::vector<std::unique_ptr<NatsServer>>> cluster;
  for (int attempt = 0; attempt < 3; ++attempt) {
    cluster = TryStartCluster(binary, size);
    // Another process took a route port between its choice and the bind.
    if (cluster.ok() ||
        !absl::StrContains(cluster.status().message(), "address already in use")) {
      break;
    }
  }
  return cluster;
}

absl::StatusOr<std::vector<std::unique_ptr<NatsServer>>>
NatsServer::TryStartCluster(const std::string& binary, int size) {
  std::vector<std::unique_ptr<NatsServer>> servers;
  std::vector<std::string> routes;
  std::vector<int> route_ports;
  for (int i = 0; i < size; ++i) {
    absl::StatusOr<int> route = RecentlyFreePort();
    if (!route.ok()) return route.status();
    std::unique_ptr<NatsServer> server(new NatsServer());
    server->binary_ = binary;
    servers.push_back(std::move(server));
    route_ports.push_back(*route);
    routes.push_back(absl::StrCat("nats://127.0.0.1:", *route));
  }
  for (int i = 0; i < size; ++i) {
    servers[i]->name_ = absl::StrCat("n", i + 1);
    servers[i]->cluster_args_ = {
        "--server_name", servers[i]->name_, "--cluster_name",
        "sitrep-test", "--cluster",
        absl::StrCat("nats://127.0.0.1:", route_ports[i]), "--routes",
        absl::StrJoin(routes, ",")};
  }
  // All processes first: none elects a leader alone.
  for (auto& server : servers) {
    absl::Status status = server->Spawn();
    if (!status.ok()) return status;
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  for (auto& server : servers) {
    absl::Status status = server->WaitForJetStream(deadline);
    if (!status.ok()) return status;
  }
  // Answering is not enough for the tests' R<size> streams: until the
  // metadata leader knows every server, creating one fails with "no
  // suitable peers for placement".
  const std::string url = servers[0]->url_;
  absl::Status placed = RetryWhileNotYet(
      [&url, size] { return CheckPlacement(url, size); },
      *servers[0]->process_, "Route", deadline);
  if (!placed.ok()) return placed;
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
