#include "server/sinks/http_poster.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdint>
#include <mutex>

#include "absl/strings/str_cat.h"

namespace sitrep {
namespace {

constexpr size_t kBodyPrefixBytes = 512;

CURLM* Multi(void* multi) { return static_cast<CURLM*>(multi); }

void GlobalInit() {
  // curl_global_init is not thread-safe in every libcurl build: once, here.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t KeepBodyPrefix(char* data, size_t size, size_t count, void* user) {
  auto* out = static_cast<std::string*>(user);
  const size_t bytes = size * count;
  if (out->size() < kBodyPrefixBytes) {
    out->append(data, std::min(bytes, kBodyPrefixBytes - out->size()));
  }
  return bytes;  // The rest is read and dropped.
}

long Milliseconds(absl::Duration d) {  // NOLINT(runtime/int): curl's type
  return static_cast<long>(  // NOLINT(runtime/int)
      std::clamp<int64_t>(absl::ToInt64Milliseconds(d), 1, INT32_MAX));
}

}  // namespace

struct HttpPoster::Transfer {
  ~Transfer() {
    if (easy != nullptr) curl_easy_cleanup(easy);
    curl_slist_free_all(headers);
  }
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  HttpPostRequest request;
  Done done;
  std::string body_prefix;
  char error[CURL_ERROR_SIZE] = {};
  // Set when the transfer could not even start; reported by the next Run().
  bool failed_to_start = false;
  bool finished = false;
  CURLcode result = CURLE_OK;
};

HttpPoster::HttpPoster() {
  GlobalInit();
  multi_ = curl_multi_init();
}

HttpPoster::~HttpPoster() {
  AbortAll();
  if (multi_ != nullptr) curl_multi_cleanup(Multi(multi_));
}

void HttpPoster::Post(HttpPostRequest request, Done done) {
  auto transfer = std::make_unique<Transfer>();
  transfer->request = std::move(request);
  transfer->done = std::move(done);
  Transfer* t = transfer.get();
  transfers_.push_back(std::move(transfer));

  t->easy = multi_ == nullptr ? nullptr : curl_easy_init();
  if (t->easy == nullptr) {
    t->failed_to_start = true;
    return;
  }
  const HttpPostRequest& r = t->request;
  t->headers = curl_slist_append(
      t->headers, absl::StrCat("Content-Type: ", r.content_type).c_str());
  // No "Expect: 100-continue" round trip before larger bodies.
  t->headers = curl_slist_append(t->headers, "Expect:");
  for (const std::string& header : r.headers) {
    t->headers = curl_slist_append(t->headers, header.c_str());
  }
  CURL* e = t->easy;
  curl_easy_setopt(e, CURLOPT_PRIVATE, t);
  curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(e, CURLOPT_POST, 1L);
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.data());
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                   static_cast<curl_off_t>(r.body.size()));
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "sitrep-webhook/1");
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, Milliseconds(r.timeout));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, Milliseconds(r.timeout));
  // Timeouts without SIGALRM: sitrepd is multi-threaded.
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  // A redirect would carry the bearer token to another place: not followed
  // (a 3xx is retried, and shows in the log and metrics).
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  // "" disables proxies, including the *_proxy environment variables, so
  // the endpoint is reached the way the configuration says.
  curl_easy_setopt(e, CURLOPT_PROXY, r.proxy.c_str());
  if (!r.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, r.ca_file.c_str());
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &KeepBodyPrefix);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t->body_prefix);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
  if (curl_multi_add_handle(Multi(multi_), e) != CURLM_OK) {
    t->failed_to_start = true;
  }
}

size_t HttpPoster::Collect() {
  int left = 0;
  while (CURLMsg* message = curl_multi_info_read(Multi(multi_), &left)) {
    if (message->msg != CURLMSG_DONE) continue;
    Transfer* t = nullptr;
    curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &t);
    if (t == nullptr) continue;
    t->finished = true;
    t->result = message->data.result;
  }
  // Callbacks may Post() again: take the finished ones out first.
  std::vector<std::unique_ptr<Transfer>> done;
  for (auto it = transfers_.begin(); it != transfers_.end();) {
    if ((*it)->finished || (*it)->failed_to_start) {
      done.push_back(std::move(*it));
      it = transfers_.erase(it);
    } else {
      ++it;
    }
  }
  for (const std::unique_ptr<Transfer>& t : done) {
    HttpPostResult result;
    if (t->failed_to_start) {
      result.error = "could not start the request (out of memory?)";
    } else if (t->result != CURLE_OK) {
      result.error = t->error[0] != '\0' ? std::string(t->error)
                                         : curl_easy_strerror(t->result);
    } else {
      long status = 0;  // NOLINT(runtime/int): curl's type
      curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
      result.status = static_cast<int>(status);
      curl_off_t retry_after = 0;
      if (curl_easy_getinfo(t->easy, CURLINFO_RETRY_AFTER, &retry_after) ==
              CURLE_OK &&
          retry_after > 0) {
        result.retry_after = absl::Seconds(retry_after);
      }
      result.body_prefix = std::move(t->body_prefix);
      if (result.status == 0) result.error = "no HTTP status in the answer";
    }
    if (t->easy != nullptr && !t->failed_to_start) {
      curl_multi_remove_handle(Multi(multi_), t->easy);
    }
    t->done(std::move(result));
  }
  return done.size();
}

void HttpPoster::Run(absl::Duration max_wait) {
  if (multi_ == nullptr) {
    Collect();
    return;
  }
  int running = 0;
  curl_multi_perform(Multi(multi_), &running);
  if (Collect() > 0 || max_wait <= absl::ZeroDuration()) return;
  const int wait_ms = static_cast<int>(std::clamp<int64_t>(
      absl::ToInt64Milliseconds(max_wait), 0, 60 * 1000));
  curl_multi_poll(Multi(multi_), nullptr, 0, wait_ms, nullptr);
  curl_multi_perform(Multi(multi_), &running);
  Collect();
}

void HttpPoster::Wakeup() {
  if (multi_ != nullptr) curl_multi_wakeup(Multi(multi_));
}

void HttpPoster::AbortAll() {
  for (const std::unique_ptr<Transfer>& t : transfers_) {
    if (t->easy != nullptr && !t->failed_to_start) {
      curl_multi_remove_handle(Multi(multi_), t->easy);
    }
  }
  transfers_.clear();
}

size_t HttpPoster::in_flight() const { return transfers_.size(); }

}  // namespace sitrep
