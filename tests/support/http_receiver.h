#ifndef SITREP_TESTS_SUPPORT_HTTP_RECEIVER_H_
#define SITREP_TESTS_SUPPORT_HTTP_RECEIVER_H_

#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace sitrep::testing {

// A tiny HTTP/1.1 server on 127.0.0.1 with a free port, for webhook tests:
// records every request and answers as the test says. One thread for all
// connections (poll). Keep-alive; bodies by Content-Length only (what
// libcurl sends for a POST of known size).
//
// Thread safety: all methods are safe to call concurrently.
class HttpReceiver {
 public:
  struct Request {
    std::string method;
    std::string target;
    // Header names in lower case.
    std::map<std::string, std::string> headers;
    std::string body;
    // The status answered; 0 when none was (Hang or Drop).
    int answered = 0;
    absl::Time received_at;
  };

  HttpReceiver();  // Listening, answering 200.
  ~HttpReceiver();
  HttpReceiver(const HttpReceiver&) = delete;
  HttpReceiver& operator=(const HttpReceiver&) = delete;

  int port() const { return port_; }
  // http://127.0.0.1:<port><path>
  std::string Url(const std::string& path = "/hook") const;

  // Requests from now on are answered `status`, with a Retry-After header
  // when `retry_after` is not empty.
  void Answer(int status, const std::string& retry_after = "");
  // Requests from now on are answered `status` with the request's header
  // lines and body as the response body (an endpoint that echoes what it
  // got, secrets included).
  void Echo(int status);
  // Requests from now on are recorded and never answered (the connection
  // stays open): a POST in flight for as long as the test likes.
  void Hang();
  // Requests from now on are recorded, then the connection is closed
  // without an answer (an endpoint that crashes on each request).
  void Drop();
  // Closes the listening socket and every connection (connection refused),
  // and returns once it is closed. Up() listens on the same port again.
  void Down();
  void Up();

  std::vector<Request> requests() const;
  // Waits until `done` holds for the requests so far; false after
  // `timeout` (a safety bound that fails a hung test, not a pause).
  bool WaitUntil(const std::function<bool(const std::vector<Request>&)>& done,
                 absl::Duration timeout = absl::Seconds(30)) const;

 private:
  enum class Mode { kAnswer, kHang, kDrop };
  // A client connection and the bytes read from it that do not yet make a
  // whole request.
  struct Connection {
    int fd;
    std::string in;
  };

  // The serving thread's loop: poll the wake pipe, the listener and the
  // connections until the destructor stops it.
  void Serve();
  bool Listen();
  void Notify();
  // Opens or closes the listener as Up() / Down() asked.
  void ListenAsWantedLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Reads what `connection` sent and handles each whole request in it.
  // False when the connection is to be closed (closed by the client, or
  // Drop()).
  bool ReadRequests(Connection& connection);
  // Records `request` and says how to answer it: with `*response` when
  // the mode is kAnswer.
  Mode Record(Request* request, std::string* response);
  std::string ResponseLocked(const Request& request) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CloseConnection(int fd);
  void CloseAllConnections();

  int port_ = 0;
  int wake_pipe_[2] = {-1, -1};
  std::thread thread_;

  mutable absl::Mutex mu_;
  Mode mode_ ABSL_GUARDED_BY(mu_) = Mode::kAnswer;
  int status_ ABSL_GUARDED_BY(mu_) = 200;
  std::string retry_after_ ABSL_GUARDED_BY(mu_);
  bool echo_ ABSL_GUARDED_BY(mu_) = false;
  bool want_up_ ABSL_GUARDED_BY(mu_) = true;
  bool is_up_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<Request> requests_ ABSL_GUARDED_BY(mu_);
  // Owned by the serving thread only once it runs.
  int listener_ = -1;
  std::vector<Connection> connections_;
};

}  // namespace sitrep::testing

#endif  // SITREP_TESTS_SUPPORT_HTTP_RECEIVER_H_
