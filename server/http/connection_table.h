#ifndef SITREP_SERVER_HTTP_CONNECTION_TABLE_H_
#define SITREP_SERVER_HTTP_CONNECTION_TABLE_H_

#include <list>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "server/metrics/metrics.h"

struct bufferevent;
struct event;
struct event_base;
struct evbuffer;
struct evbuffer_cb_entry;
struct evbuffer_cb_info;
struct evhttp;
struct evhttp_connection;
struct evhttp_request;
struct ssl_ctx_st;

namespace sitrep {

// The HTTP listener's open connections (H-2), which libevent 2.1's evhttp
// neither caps nor times as a whole:
//
// - A cap. When a connection arrives and `max_connections` are open, the
//   one that has waited longest for its next request is closed to make
//   room (an idle keep-alive, a client that connected and sent nothing, or
//   one still trickling its request). A connection whose request sitrepd
//   is answering (a read on the executor, a response being written, an
//   event stream) is never shed; when every connection is such, the
//   newcomer is refused (plain HTTP: a 503 first).
// - An absolute request deadline. A request must arrive complete (headers
//   and body) within `request_timeout` of its first byte, the first
//   request of a connection within that time of the accept (TLS handshake
//   included): --http_io_timeout alone holds a client that trickles a byte
//   within each timeout for ever. Once a request is complete the deadline
//   is off: slow responses and event streams are --http_io_timeout's.
//
// How it sees connections without a hook in evhttp for them: it makes
// every connection's bufferevent (evhttp_set_bevcb), and adopts the
// evhttp_connection built around it in an event activated at that moment,
// which runs before any of the connection's input is read; it then owns the
// connection's close callback and its requests' completion callbacks, and
// callers that need them go through SetCloseCallback / SetCompleteCallback.
//
// Thread safety: everything runs on the event loop's thread. The table must
// outlive the evhttp it is installed on (evhttp_free closes connections
// through it).
class ConnectionTable {
 public:
  struct Options {
    // At least 1.
    int max_connections = 512;
    absl::Duration request_timeout = absl::Seconds(10);
  };

  // Installs itself on `http` (its bufferevent callback). `tls`: nullable;
  // with it every connection is HTTPS. `metrics`: nullable.
  ConnectionTable(evhttp* http, event_base* base, ssl_ctx_st* tls,
                  Options options, Metrics* metrics);
  ~ConnectionTable();
  ConnectionTable(const ConnectionTable&) = delete;
  ConnectionTable& operator=(const ConnectionTable&) = delete;

  // evhttp handed `request` (complete) to sitrep: its connection is busy
  // until the response was sent.
  void Dispatched(evhttp_request* request);

  // Instead of evhttp_connection_set_closecb / evhttp_request_set_on_
  // complete_cb, which the table uses itself: called before the table's own
  // handling. Null `callback`: none.
  using CloseCallback = void (*)(evhttp_connection*, void*);
  using CompleteCallback = void (*)(evhttp_request*, void*);
  void SetCloseCallback(evhttp_connection* connection, CloseCallback callback,
                        void* arg);
  void SetCompleteCallback(evhttp_request* request, CompleteCallback callback,
                           void* arg);

  // Open connections (for tests and the metrics).
  size_t size() const { return connections_.size() + pending_.size(); }

 private:
  struct Connection;

  static bufferevent* NewBufferevent(event_base* base, void* self);
  static void OnAdopt(int fd, short what, void* self);
  static void OnClosed(evhttp_connection* connection, void* self);
  static void OnComplete(evhttp_request* request, void* self);
  static void OnInput(evbuffer* input, const evbuffer_cb_info* info,
                      void* connection);
  static void OnDeadline(int fd, short what, void* connection);

  void Adopt(bufferevent* bev);
  // Makes room for one more: closes the connection that waited longest, or
  // returns false when none waits.
  bool ShedOldestWaiting();
  // The connection waits for its next request (from now: in the idle list's
  // tail).
  void Wait(Connection& connection);
  void ArmDeadline(Connection& connection);
  void Count(absl::string_view reason);

  event_base* const base_;
  ssl_ctx_st* const tls_;
  const Options options_;
  Metrics* const metrics_;
  event* const adopt_;

  // Made by NewBufferevent, not adopted yet (each holds a reference).
  std::vector<bufferevent*> pending_;
  absl::flat_hash_map<evhttp_connection*, std::unique_ptr<Connection>>
      connections_;
  // Connections waiting for a request, longest-waiting first.
  std::list<Connection*> waiting_;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_HTTP_CONNECTION_TABLE_H_
