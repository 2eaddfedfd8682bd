#include "tests/security/rapid_reset_client.h"

#include <vector>

#include "absl/time/clock.h"
#include "tests/security/h2_client.h"

namespace sitrep::testing {
namespace {

// Streams opened per round before they are all reset: the server sees
// HEADERS x kBatch then RST_STREAM x kBatch in one write.
constexpr int kBatch = 64;

// One round on `client`: kBatch calls, then their resets. False when the
// server ended the connection or `deadline` passed.
bool Round(H2Client& client, const std::string& path, absl::Time deadline,
           uint64_t* streams) {
  std::vector<int32_t> ids;
  for (int i = 0; i < kBatch; ++i) {
    const int32_t id = client.SubmitCall(path);
    if (id < 0) return false;  // GOAWAY received: no new streams.
    ids.push_back(id);
  }
  // Each stream's HEADERS goes out before its RST_STREAM (nghttp2 drops a
  // request it has not sent yet when it is reset).
  if (!client.Serialise()) return false;
  for (int32_t id : ids) client.SubmitReset(id);
  if (!client.Send(deadline)) return false;
  *streams += ids.size();
  return client.Drain();
}

}  // namespace

absl::StatusOr<RapidResetResult> RunRapidReset(int port,
                                               const std::string& path,
                                               absl::Duration duration,
                                               bool reconnect) {
  const absl::Time deadline = absl::Now() + duration;
  RapidResetResult result;
  // Bounded: a server that refuses at once cannot make this spin.
  for (int attempt = 0; attempt < 100000 && absl::Now() < deadline;
       ++attempt) {
    H2Client connection;
    absl::Status opened = connection.Open(port);
    if (!opened.ok()) {
      if (result.connections == 0) return opened;
      result.server_closed = true;
      break;
    }
    ++result.connections;
    while (absl::Now() < deadline &&
           Round(connection, path, deadline, &result.streams)) {
    }
    if (absl::Now() < deadline) result.server_closed = true;
    if (!reconnect) break;
  }
  return result;
}

}  // namespace sitrep::testing
