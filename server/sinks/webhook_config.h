// The configuration of webhook sinks: parsed and checked once at start, so a
// mistake stops sitrepd with the field's name instead of failing every POST.
#ifndef SITREP_SERVER_SINKS_WEBHOOK_CONFIG_H_
#define SITREP_SERVER_SINKS_WEBHOOK_CONFIG_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "sitrep/v1/filter.pb.h"

namespace sitrep {

enum class WebhookFormat {
  // One sitrep.v1.SubscribeResponse (updates + cursor) in protobuf JSON.
  kJson,
  // An Alertmanager /api/v2/alerts array (alertmanager_body.h).
  kAlertmanager,
  // One CAP 1.2 <alert> per POST, application/cap+xml (interop_body.h).
  kCap,
  // One CloudEvent per POST, structured mode (application/cloudevents+json).
  kCloudEvents,
  // One CloudEvent per POST, binary mode (ce-* headers, the update as body).
  kCloudEventsBinary,
};

// The format's name in the webhooks file ("json", "cap", ...).
const char* WebhookFormatName(WebhookFormat format);

// One sink, checked. The secrets (bearer_token, header values) are never
// logged and never appear in an error message.
struct WebhookSinkConfig {
  std::string name;
  std::string url;
  // Compiles with FilterMatcher::Compile (checked by the parser).
  v1::Filter filter;
  WebhookFormat format = WebhookFormat::kJson;
  std::string bearer_token;
  // "Name: value" lines, in the file's order.
  std::vector<std::pair<std::string, std::string>> headers;
  size_t max_batch = 100;
  absl::Duration timeout = absl::Seconds(10);
  absl::Duration backoff_initial = absl::Seconds(1);
  absl::Duration backoff_max = absl::Minutes(5);
  // A sink without a cursor file starts at the oldest retained update
  // instead of the head.
  bool start_at_beginning = false;
  std::string ca_file;
  std::string proxy;
};

// Parses the JSON of server/sinks/webhooks_file.proto. INVALID_ARGUMENT
// names `source` and the field: "<source>: webhooks[1].url: ...",
// "<source>: webhooks[0].filter.municipalities[0]: ...". An empty list is
// valid (no sinks).
absl::StatusOr<std::vector<WebhookSinkConfig>> ParseWebhooksFile(
    absl::string_view json, absl::string_view source);

// Reads and parses `path`. NOT_FOUND / UNAVAILABLE when it cannot be read.
absl::StatusOr<std::vector<WebhookSinkConfig>> LoadWebhooksFile(
    const std::string& path);

}  // namespace sitrep

#endif  // SITREP_SERVER_SINKS_WEBHOOK_CONFIG_H_
