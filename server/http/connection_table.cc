#include "server/http/connection_table.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/http/json_body.h"

namespace sitrep {

struct ConnectionTable::Connection {
  ConnectionTable* table;
  evhttp_connection* evcon;
  bufferevent* bev;
  // The request deadline's timer, and whether it is pending.
  event* deadline = nullptr;
  bool deadline_armed = false;
  // Our watch on the connection's input: its first byte starts the
  // deadline of a request.
  evbuffer_cb_entry* input_watch = nullptr;
  // sitrep is answering a request of this connection.
  bool busy = false;
  // Its place in waiting_ while it waits (not busy).
  std::list<Connection*>::iterator waiting_at;
  CloseCallback close_callback = nullptr;
  void* close_arg = nullptr;
  CompleteCallback complete_callback = nullptr;
  void* complete_arg = nullptr;
};

ConnectionTable::ConnectionTable(evhttp* http, event_base* base,
                                 ssl_ctx_st* tls, Options options,
                                 Metrics* metrics)
    : base_(base),
      tls_(tls),
      options_(options),
      metrics_(metrics),
      adopt_(event_new(base, -1, 0, &ConnectionTable::OnAdopt, this)) {
  evhttp_set_bevcb(http, &ConnectionTable::NewBufferevent, this);
}

ConnectionTable::~ConnectionTable() {
  // evhttp_free closed every adopted connection (OnClosed); what is left
  // was never adopted because the loop did not run again.
  for (auto& [evcon, connection] : connections_) {
    event_free(connection->deadline);
  }
  for (bufferevent* bev : pending_) bufferevent_decref(bev);
  event_free(adopt_);
}

bufferevent* ConnectionTable::NewBufferevent(event_base* base, void* self) {
  auto* table = static_cast<ConnectionTable*>(self);
  bufferevent* bev =
      table->tls_ != nullptr
          ? bufferevent_openssl_socket_new(base, -1, SSL_new(table->tls_),
                                           BUFFEREVENT_SSL_ACCEPTING,
                                           BEV_OPT_CLOSE_ON_FREE)
          : bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
  if (bev == nullptr) return nullptr;
  // evhttp builds its connection around `bev` after we return, and may
  // even free it at once (a setup failure): our reference keeps it valid
  // until OnAdopt looks at it.
  bufferevent_incref(bev);
  table->pending_.push_back(bev);
  // Active now, so it runs before the loop next polls: before any input
  // of the new connection is read.
  event_active(table->adopt_, EV_TIMEOUT, 0);
  return bev;
}

void ConnectionTable::OnAdopt(int, short, void* self) {
  auto* table = static_cast<ConnectionTable*>(self);
  std::vector<bufferevent*> pending;
  pending.swap(table->pending_);
  for (bufferevent* bev : pending) table->Adopt(bev);
}

void ConnectionTable::Adopt(bufferevent* bev) {
  // evhttp registers its connection as the bufferevent's callback argument
  // (evhttp_connection_base_bufferevent_new); bufferevent_free clears it.
  bufferevent_data_cb read_callback = nullptr;
  void* arg = nullptr;
  bufferevent_getcb(bev, &read_callback, nullptr, nullptr, &arg);
  auto* evcon = static_cast<evhttp_connection*>(arg);
  if (read_callback == nullptr || evcon == nullptr) {
    bufferevent_decref(bev);  // evhttp already let go of it.
    return;
  }
  if (connections_.size() >= static_cast<size_t>(options_.max_connections) &&
      !ShedOldestWaiting()) {
    Count("refused");
    if (tls_ == nullptr) {
      // Cheap and only if the socket takes it at once; TLS would need a
      // handshake first.
      const std::string body = ErrorJson(absl::UnavailableError(
          "the server has too many open HTTP connections "
          "(--http_max_connections); try again"));
      const std::string reply = absl::StrCat(
          "HTTP/1.1 503 Service Unavailable\r\nContent-Type: "
          "application/json\r\nRetry-After: 1\r\nConnection: close\r\n"
          "Content-Length: ",
          body.size(), "\r\n\r\n", body);
      (void)send(bufferevent_getfd(bev), reply.data(), reply.size(),
                 MSG_DONTWAIT | MSG_NOSIGNAL);
    }
    bufferevent_decref(bev);
    evhttp_connection_free(evcon);
    return;
  }
  auto owned = std::make_unique<Connection>();
  Connection& connection = *owned;
  connection.table = this;
  connection.evcon = evcon;
  connection.bev = bev;
  connection.deadline =
      evtimer_new(base_, &ConnectionTable::OnDeadline, &connection);
  connection.input_watch = evbuffer_add_cb(
      bufferevent_get_input(bev), &ConnectionTable::OnInput, &connection);
  connections_[evcon] = std::move(owned);
  evhttp_connection_set_closecb(evcon, &ConnectionTable::OnClosed, this);
  Wait(connection);
  // The first request's deadline runs from the accept.
  ArmDeadline(connection);
  bufferevent_decref(bev);
}

bool ConnectionTable::ShedOldestWaiting() {
  if (waiting_.empty()) return false;
  Count("shed");
  // OnClosed removes it from the table.
  evhttp_connection_free(waiting_.front()->evcon);
  return true;
}

void ConnectionTable::Wait(Connection& connection) {
  connection.busy = false;
  connection.waiting_at = waiting_.insert(waiting_.end(), &connection);
}

void ConnectionTable::ArmDeadline(Connection& connection) {
  const timeval timeout = absl::ToTimeval(options_.request_timeout);
  evtimer_add(connection.deadline, &timeout);
  connection.deadline_armed = true;
}

void ConnectionTable::OnInput(evbuffer*, const evbuffer_cb_info* info,
                              void* raw) {
  auto* connection = static_cast<Connection*>(raw);
  if (info->n_added == 0 || connection->busy || connection->deadline_armed) {
    return;
  }
  connection->table->ArmDeadline(*connection);
}

void ConnectionTable::OnDeadline(int, short, void* raw) {
  auto* connection = static_cast<Connection*>(raw);
  connection->deadline_armed = false;
  if (connection->busy) return;
  connection->table->Count("request_timeout");
  evhttp_connection_free(connection->evcon);
}

void ConnectionTable::Dispatched(evhttp_request* request) {
  auto it = connections_.find(evhttp_request_get_connection(request));
  if (it == connections_.end()) return;
  Connection& connection = *it->second;
  if (connection.deadline_armed) {
    evtimer_del(connection.deadline);
    connection.deadline_armed = false;
  }
  if (!connection.busy) waiting_.erase(connection.waiting_at);
  connection.busy = true;
  connection.complete_callback = nullptr;
  connection.complete_arg = nullptr;
  evhttp_request_set_on_complete_cb(request, &ConnectionTable::OnComplete,
                                    this);
}

void ConnectionTable::SetCloseCallback(evhttp_connection* evcon,
                                       CloseCallback callback, void* arg) {
  auto it = connections_.find(evcon);
  if (it == connections_.end()) {
    // Not adopted (the loop never ran again): libevent's own.
    evhttp_connection_set_closecb(evcon, callback, arg);
    return;
  }
  it->second->close_callback = callback;
  it->second->close_arg = arg;
}

void ConnectionTable::SetCompleteCallback(evhttp_request* request,
                                          CompleteCallback callback,
                                          void* arg) {
  auto it = connections_.find(evhttp_request_get_connection(request));
  if (it == connections_.end()) {
    evhttp_request_set_on_complete_cb(request, callback, arg);
    return;
  }
  it->second->complete_callback = callback;
  it->second->complete_arg = arg;
}

void ConnectionTable::OnComplete(evhttp_request* request, void* self) {
  auto* table = static_cast<ConnectionTable*>(self);
  auto it = table->connections_.find(evhttp_request_get_connection(request));
  if (it == table->connections_.end()) return;
  Connection& connection = *it->second;
  if (CompleteCallback callback =
          std::exchange(connection.complete_callback, nullptr)) {
    callback(request, connection.complete_arg);
  }
  // The connection waits for its next request (or evhttp closes it now).
  if (connection.busy) table->Wait(connection);
}

void ConnectionTable::OnClosed(evhttp_connection* evcon, void* self) {
  auto* table = static_cast<ConnectionTable*>(self);
  auto it = table->connections_.find(evcon);
  if (it == table->connections_.end()) return;
  Connection& connection = *it->second;
  if (CloseCallback callback =
          std::exchange(connection.close_callback, nullptr)) {
    callback(evcon, connection.close_arg);
  }
  if (!connection.busy) table->waiting_.erase(connection.waiting_at);
  evbuffer_remove_cb_entry(bufferevent_get_input(connection.bev),
                           connection.input_watch);
  // Safe inside its own callback (OnDeadline's evhttp_connection_free).
  event_free(connection.deadline);
  table->connections_.erase(it);
}

void ConnectionTable::Count(absl::string_view reason) {
  if (metrics_ != nullptr) metrics_->RecordHttpConnectionClosed(reason);
}

}  // namespace sitrep
