#ifndef SITREP_TESTS_SUPPORT_NATS_SERVER_H_
#define SITREP_TESTS_SUPPORT_NATS_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/log/jetstream_event_log.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace sitrep::testing {

// The nats-server binary (Debian's package installs /usr/sbin/nats-server),
// or "" when it is not installed: tests that need it skip then (fail under
// CI=true, SITREP_MISSING_TOOL).
std::string FindNatsServer();

// What a test that needs nats-server says when there is none.
inline constexpr char kNoNatsServer[] =
    "nats-server is not installed (scripts/install-deps.sh installs it)";

// A real `nats-server -js` on loopback with its JetStream store in a
// temporary directory; killed (and the store removed) on destruction. It
// picks its client port itself (-p -1) and reports it in its ports file
// (--ports_file_dir): no port is chosen here and handed over. Start()
// returns once a client connected and JetStream answered, so there is no
// sleep anywhere.
class NatsServer {
 public:
  static absl::StatusOr<std::unique_ptr<NatsServer>> Start();
  // A JetStream cluster of `size` servers with routes on loopback; returns
  // once each answers JetStream requests (a metadata leader was elected).
  // Client ports as above. The route ports must be known to every member
  // before any starts (a member started alone elects itself), so they are
  // free ports chosen here: when one was taken meanwhile (a parallel test),
  // the member fails to bind and the cluster starts again on new ones, at
  // most three times.
  static absl::StatusOr<std::vector<std::unique_ptr<NatsServer>>>
  StartCluster(int size);
  ~NatsServer();

  // Kills the server (SIGKILL) and waits for it to end.
  void Kill();
  // Starts it again on the same port and store (clients reconnect to the
  // same URL, so the port is fixed now); OK once it is ready.
  absl::Status Restart();

  // nats://127.0.0.1:<port>
  const std::string& url() const { return url_; }
  int port() const { return port_; }
  // --server_name of a cluster member (n1, n2, ...); "" for a single server.
  const std::string& name() const { return name_; }

 private:
  NatsServer() = default;
  static absl::StatusOr<std::vector<std::unique_ptr<NatsServer>>>
  TryStartCluster(const std::string& binary, int size);
  // Starts the process and waits until a client can use JetStream (a
  // cluster member: until it knows the metadata leader).
  absl::Status Launch();
  // Starts the process; with port_ 0 it picks its client port, read from
  // its ports file.
  absl::Status Spawn();
  absl::Status ReadPortsFile();
  // Asks JetStream until it answers (bounded by `deadline`).
  absl::Status WaitForJetStream(absl::Time deadline);

  TempDir store_;
  std::unique_ptr<Subprocess> process_;
  std::string binary_;
  // Cluster flags (--server_name, --cluster, --routes...); empty: single.
  std::vector<std::string> cluster_args_;
  int port_ = 0;
  std::string url_;
  std::string name_;
};

// One server for the whole test binary, started on first use; null when
// nats-server is not installed (the caller skips). Any other failure to
// start is a test failure.
NatsServer* SharedNatsServer();

// Options for a stream of its own on SharedNatsServer() (which must be
// running): stream <BASE><n>, subjects <base><n>.*.*.*, n unique in the
// process, so that tests never share a stream.
JetStreamOptions StreamOfItsOwn(absl::string_view base);

// A TCP port on 127.0.0.1 that refuses connections: bound (by the kernel's
// choice) and held, but not listening, so no other process can take it
// while the object lives. For "NATS is unreachable" tests.
class RefusingLoopbackPort {
 public:
  RefusingLoopbackPort();
  ~RefusingLoopbackPort();
  RefusingLoopbackPort(const RefusingLoopbackPort&) = delete;
  RefusingLoopbackPort& operator=(const RefusingLoopbackPort&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace sitrep::testing

#endif  // SITREP_TESTS_SUPPORT_NATS_SERVER_H_
