#ifndef SITREP_TESTS_SUPPORT_NATS_SERVER_H_
#define SITREP_TESTS_SUPPORT_NATS_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/log/jetstream_event_log.h"
#include "tests/support/scoped_temp_dir.h"
#include "tests/support/subprocess.h"

namespace sitrep::testing {

// The nats-server binary (Debian's package installs /usr/sbin/nats-server),
// or "" when it is not installed: tests that need it skip then.
std::string FindNatsServer();

// A real `nats-server -js` on a free loopback port with its JetStream store
// in a temporary directory; killed (and the store removed) on destruction.
// Start() returns once a client connected and JetStream answered, so there
// is no sleep anywhere.
class NatsServer {
 public:
  static absl::StatusOr<std::unique_ptr<NatsServer>> Start();
  // A JetStream cluster of `size` servers with routes on loopback; returns
  // once each answers JetStream requests (a metadata leader was elected).
  static absl::StatusOr<std::vector<std::unique_ptr<NatsServer>>>
  StartCluster(int size);
  ~NatsServer();

  // Kills the server (SIGKILL) and waits for it to end.
  void Kill();
  // Starts it again on the same port and store; true once it is ready.
  absl::Status Restart();

  // nats://127.0.0.1:<port>
  const std::string& url() const { return url_; }
  int port() const { return port_; }
  // --server_name of a cluster member (n1, n2, ...); "" for a single server.
  const std::string& name() const { return name_; }

 private:
  NatsServer() = default;
  // Starts the process and waits until a client can use JetStream (a
  // cluster member: until it knows the metadata leader).
  absl::Status Launch();
  absl::Status Spawn();
  // Asks JetStream until it answers (bounded by `deadline`).
  absl::Status WaitForJetStream(absl::Time deadline);

  ScopedTempDir store_;
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

// A free TCP port on 127.0.0.1 (bound to port 0, then released).
absl::StatusOr<int> FreeLoopbackPort();

}  // namespace sitrep::testing

#endif  // SITREP_TESTS_SUPPORT_NATS_SERVER_H_
