// The "cap", "cloudevents" and "cloudevents-binary" webhook formats: one
// update per POST in the alerting world's formats (server/interop/,
// docs/interop.md).
#ifndef SITREP_SERVER_SINKS_INTEROP_BODY_H_
#define SITREP_SERVER_SINKS_INTEROP_BODY_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "server/log/log_entry.h"
#include "server/sinks/webhook_config.h"

namespace sitrep {

struct InteropBody {
  std::string body;
  std::string content_type;
  // Extra "Name: value" headers (the ce-* attributes in binary mode).
  std::vector<std::string> headers;
};

// The POST for `entry` in `format` (kCap, kCloudEvents or
// kCloudEventsBinary). A CAP alert references the incident's previous
// update (LogEntry::previous), which references its own, and so on.
InteropBody EncodeInteropBody(WebhookFormat format, const LogEntry& entry,
                              absl::string_view log_id);

}  // namespace sitrep

#endif  // SITREP_SERVER_SINKS_INTEROP_BODY_H_
