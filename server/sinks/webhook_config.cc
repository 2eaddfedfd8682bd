#include "server/sinks/webhook_config.h"

#include <curl/curl.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/json_input.h"
#include "server/filter/filter_matcher.h"
#include "server/runtime/proto_time.h"
#include "webhooks_file.pb.h"

namespace sitrep {
namespace {

constexpr size_t kDefaultMaxBatch = 100;
constexpr size_t kMaxBatchLimit = 1000;

bool IsValidSinkName(absl::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  for (char c : name) {
    if (!(absl::ascii_islower(static_cast<unsigned char>(c)) ||
          absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '-')) {
      return false;
    }
  }
  return true;
}

// RFC 9110 token characters.
bool IsHeaderName(absl::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) &&
        !absl::StrContains("!#$%&'*+-.^_`|~", c)) {
      return false;
    }
  }
  return true;
}

// No control characters: a CR or LF in a header would split the request.
bool HasControlCharacter(absl::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return true;
  }
  return false;
}

// libcurl's own parser, so that what passes here is what curl will dial.
absl::Status CheckUrl(absl::string_view url) {
  if (!(absl::StartsWith(url, "http://") || absl::StartsWith(url, "https://"))) {
    return absl::InvalidArgumentError(
        "must start with http:// or https://");
  }
  if (HasControlCharacter(url) || absl::StrContains(url, ' ')) {
    return absl::InvalidArgumentError("contains spaces or control characters");
  }
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> parsed(curl_url(),
                                                             curl_url_cleanup);
  if (parsed == nullptr) return absl::ResourceExhaustedError("out of memory");
  const std::string text(url);
  if (curl_url_set(parsed.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    return absl::InvalidArgumentError("is not a valid URL");
  }
  char* host = nullptr;
  const CURLUcode got = curl_url_get(parsed.get(), CURLUPART_HOST, &host, 0);
  const bool has_host = got == CURLUE_OK && host != nullptr && host[0] != '\0';
  curl_free(host);
  if (!has_host) return absl::InvalidArgumentError("has no host");
  return absl::OkStatus();
}

absl::StatusOr<absl::Duration> DurationField(
    const google::protobuf::Duration& value, bool has,
    absl::Duration default_value, absl::Duration min, absl::Duration max,
    absl::string_view range_text) {
  if (!has) return default_value;
  if (!IsValidDuration(value)) {
    return absl::InvalidArgumentError("is not a valid duration");
  }
  const absl::Duration d = FromProtoDuration(value);
  if (d < min || d > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(absl::FormatDuration(d), " is outside ", range_text));
  }
  return d;
}

absl::StatusOr<std::string> ReadTokenFile(const std::string& path) {
  std::ifstream in(path);
  if (!in.is_open()) {
    return absl::InvalidArgumentError(absl::StrCat("cannot open ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  std::string token(absl::StripAsciiWhitespace(text.str()));
  if (token.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is empty"));
  }
  return token;
}

// INVALID_ARGUMENT "<path>.<field>: <what...>".
template <typename... What>
absl::Status Invalid(const std::string& path, absl::string_view field, const What&... what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ".", field, ": ", what...));
}

absl::Status ParseFormat(const sinks::WebhookEntry& entry, const std::string& path,
                         WebhookSinkConfig* config) {
  bool format_known = entry.format().empty();
  for (WebhookFormat format :
       {WebhookFormat::kJson, WebhookFormat::kAlertmanager, WebhookFormat::kCap,
        WebhookFormat::kCloudEvents, WebhookFormat::kCloudEventsBinary}) {
    if (entry.format() == WebhookFormatName(format)) {
      config->format = format;
      format_known = true;
    }
  }
  if (!format_known) {
    return Invalid(path, "format", "'", entry.format(),
                   "' is not a format; use json, alertmanager, cap, "
                   "cloudevents or cloudevents-binary");
  }
  return absl::OkStatus();
}

// bearer_token or bearer_token_file, then the extra headers.
absl::Status ParseCredentials(const sinks::WebhookEntry& entry, const std::string& path,
                              WebhookSinkConfig* config) {
  if (!entry.bearer_token().empty() && !entry.bearer_token_file().empty()) {
    return Invalid(path, "bearer_token", "give bearer_token or bearer_token_file, "
                                         "not both");
  }
  if (!entry.bearer_token_file().empty()) {
    absl::StatusOr<std::string> token =
        ReadTokenFile(entry.bearer_token_file());
    if (!token.ok()) return Invalid(path, "bearer_token_file", token.status().message());
    config->bearer_token = *std::move(token);
  } else {
    config->bearer_token = entry.bearer_token();
  }
  if (HasControlCharacter(config->bearer_token)) {
    return Invalid(path,
                   entry.bearer_token_file().empty() ? "bearer_token"
                                                     : "bearer_token_file",
                   "contains control characters");
  }
  // Sorted, so that the request does not depend on the map's order.
  std::vector<std::pair<std::string, std::string>> headers(
      entry.headers().begin(), entry.headers().end());
  std::sort(headers.begin(), headers.end());
  for (const auto& [name, value] : headers) {
    const std::string field = absl::StrCat("headers[\"", name, "\"]");
    if (!IsHeaderName(name)) return Invalid(path, field, "is not a header name");
    const std::string lower = absl::AsciiStrToLower(name);
    if (lower == "host" || lower == "content-length" ||
        lower == "content-type" || lower == "transfer-encoding" ||
        lower == "connection" || lower == "expect") {
      return Invalid(path, field, "is set by sitrep and cannot be overridden");
    }
    if (lower == "authorization" && !config->bearer_token.empty()) {
      return Invalid(path, field, "conflicts with the bearer token");
    }
    if (HasControlCharacter(value)) {
      return Invalid(path, field, "the value contains control characters");
    }
  }
  config->headers = std::move(headers);
  return absl::OkStatus();
}

// max_batch (after the format, which may allow only 1).
absl::Status ParseMaxBatch(const sinks::WebhookEntry& entry, const std::string& path,
                           WebhookSinkConfig* config) {
  if (entry.max_batch() > kMaxBatchLimit) {
    return Invalid(path, "max_batch", entry.max_batch(), " is more than ",
                   kMaxBatchLimit);
  }
  config->max_batch = entry.max_batch() == 0 ? kDefaultMaxBatch
                                             : entry.max_batch();
  // A CAP alert and a CloudEvent (structured or binary) are one update.
  if (config->format == WebhookFormat::kCap ||
      config->format == WebhookFormat::kCloudEvents ||
      config->format == WebhookFormat::kCloudEventsBinary) {
    if (entry.max_batch() > 1) {
      return Invalid(path, "max_batch", "format ", entry.format(),
                     " posts one update per request; leave max_batch unset "
                     "or 1");
    }
    config->max_batch = 1;
  }
  return absl::OkStatus();
}

// timeout, backoff_initial, backoff_max.
absl::Status ParseDurations(const sinks::WebhookEntry& entry, const std::string& path,
                            WebhookSinkConfig* config) {
  absl::StatusOr<absl::Duration> timeout =
      DurationField(entry.timeout(), entry.has_timeout(),
                    config->timeout, absl::Milliseconds(10), absl::Minutes(10),
                    "10ms..10m");
  if (!timeout.ok()) return Invalid(path, "timeout", timeout.status().message());
  config->timeout = *timeout;
  absl::StatusOr<absl::Duration> initial = DurationField(
      entry.backoff_initial(), entry.has_backoff_initial(),
      config->backoff_initial, absl::Milliseconds(1), absl::Hours(1),
      "1ms..1h");
  if (!initial.ok()) {
    return Invalid(path, "backoff_initial", initial.status().message());
  }
  config->backoff_initial = *initial;
  absl::StatusOr<absl::Duration> max = DurationField(
      entry.backoff_max(), entry.has_backoff_max(),
      std::max(config->backoff_max, config->backoff_initial),
      config->backoff_initial, absl::Hours(24),
      absl::StrCat("backoff_initial (", absl::FormatDuration(*initial),
                   ")..24h"));
  if (!max.ok()) return Invalid(path, "backoff_max", max.status().message());
  config->backoff_max = *max;
  return absl::OkStatus();
}

// Checks one entry; errors carry the field name only (the caller prefixes
// the path).
absl::StatusOr<WebhookSinkConfig> ParseEntry(const sinks::WebhookEntry& entry,
                                             const std::string& path) {
  WebhookSinkConfig config;
  if (!IsValidSinkName(entry.name())) {
    return Invalid(path, "name", "'", entry.name(),
                   "' must be 1-63 of a-z 0-9 - (it names the cursor file "
                   "and the metrics)");
  }
  config.name = entry.name();
  if (entry.url().empty()) return Invalid(path, "url", "is required");
  if (absl::Status url = CheckUrl(entry.url()); !url.ok()) {
    // The URL itself is not repeated: it may hold a secret.
    return Invalid(path, "url", url.message());
  }
  config.url = entry.url();
  absl::StatusOr<std::unique_ptr<const FilterMatcher>> filter =
      FilterMatcher::Compile(entry.filter(), FilterLimits{},
                             absl::StrCat(path, ".filter"));
  if (!filter.ok()) return filter.status();
  config.filter = entry.filter();
  for (auto* step : {&ParseFormat, &ParseCredentials, &ParseMaxBatch, &ParseDurations}) {
    if (absl::Status status = step(entry, path, &config); !status.ok()) return status;
  }
  if (entry.start() == "beginning") {
    config.start_at_beginning = true;
  } else if (!entry.start().empty() && entry.start() != "now") {
    return Invalid(path, "start", "'", entry.start(),
                   "' is not a start; use now or beginning");
  }
  if (!entry.ca_file().empty()) {
    std::ifstream in(entry.ca_file());
    if (!in.is_open()) return Invalid(path, "ca_file", "cannot open ", entry.ca_file());
    config.ca_file = entry.ca_file();
  }
  if (HasControlCharacter(entry.proxy())) {
    return Invalid(path, "proxy", "contains control characters");
  }
  config.proxy = entry.proxy();
  return config;
}

}  // namespace

absl::StatusOr<std::vector<WebhookSinkConfig>> ParseWebhooksFile(
    absl::string_view json, absl::string_view source) {
  sinks::WebhooksFile file;
  // The filters take the CLI's short enum names ("kfor", "severe"), and
  // every wrong field is reported at once.
  if (absl::Status parsed = ParseJsonInput(json, &file); !parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": not a valid webhooks file: ", parsed.message()));
  }
  std::vector<WebhookSinkConfig> sinks;
  absl::flat_hash_set<std::string> names;
  for (int i = 0; i < file.webhooks_size(); ++i) {
    const std::string path = absl::StrCat("webhooks[", i, "]");
    absl::StatusOr<WebhookSinkConfig> sink = ParseEntry(file.webhooks(i), path);
    if (!sink.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": ", sink.status().message()));
    }
    if (!names.insert(sink->name).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ": ", path, ".name: '", sink->name,
          "' is used by another sink; names must be unique"));
    }
    sinks.push_back(*std::move(sink));
  }
  return sinks;
}

absl::StatusOr<std::vector<WebhookSinkConfig>> LoadWebhooksFile(
    const std::string& path) {
  std::ifstream in(path);
  if (!in.is_open()) {
    return absl::NotFoundError(absl::StrCat("cannot open ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::UnavailableError(absl::StrCat("cannot read ", path));
  return ParseWebhooksFile(text.str(), path);
}

const char* WebhookFormatName(WebhookFormat format) {
  switch (format) {
    case WebhookFormat::kJson: return "json";
    case WebhookFormat::kAlertmanager: return "alertmanager";
    case WebhookFormat::kCap: return "cap";
    case WebhookFormat::kCloudEvents: return "cloudevents";
    case WebhookFormat::kCloudEventsBinary: return "cloudevents-binary";
  }
  return "json";
}

}  // namespace sitrep
