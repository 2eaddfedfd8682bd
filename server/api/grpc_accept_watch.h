#ifndef SITREP_SERVER_API_GRPC_ACCEPT_WATCH_H_
#define SITREP_SERVER_API_GRPC_ACCEPT_WATCH_H_

#include <functional>
#include <string>

namespace sitrep {

// Descriptor exhaustion (docs/security.md, H-2): gRPC 1.51's TCP server
// stops accepting for good after an accept4() error other than EAGAIN,
// EINTR or ECONNABORTED (EMFILE, ENFILE, ENOBUFS...). It logs
// "Failed accept4: <error>" once and nothing else tells; later gRPC
// releases retry, 1.51 cannot be made to. So the log line is the signal:
// the server turns NOT_SERVING (gRPC health and /readyz 503) and a
// supervisor restarts it.
//
// Installs (once per process) a gRPC log function that passes every line
// on to gRPC's default one and calls every registered callback with the
// error when the line is that one. A process cannot tell which server's
// listener failed: every registered server is told.
//
// Thread safety: all functions may be called from any thread; a callback
// runs on one of gRPC's threads and must not block.
using AcceptFailureCallback = std::function<void(const std::string& error)>;

// Returns a handle for UnwatchGrpcAcceptFailures.
int WatchGrpcAcceptFailures(AcceptFailureCallback callback);
void UnwatchGrpcAcceptFailures(int handle);

}  // namespace sitrep

#endif  // SITREP_SERVER_API_GRPC_ACCEPT_WATCH_H_
