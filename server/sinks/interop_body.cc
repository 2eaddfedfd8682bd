#include "server/sinks/interop_body.h"

#include "server/fanout/entry_encodings.h"
#include "server/interop/cap_alert.h"
#include "server/interop/cloud_event.h"

namespace sitrep {

InteropBody EncodeInteropBody(WebhookFormat format, const LogEntry& entry,
                              absl::string_view log_id) {
  InteropBody out;
  if (format == WebhookFormat::kCap) {
    std::vector<CapReference> references;
    if (entry.previous != nullptr && entry.previous->sequence() != 0) {
      references.push_back(
          {entry.previous->sequence(), entry.previous->received_at()});
    }
    CapSender sender;
    sender.log_id = std::string(log_id);
    out.body = RenderCapAlert(entry.update, references, sender);
    out.content_type = "application/cap+xml";
    return out;
  }
  CloudEvent event = MakeCloudEvent(entry.update, EntryJson(entry), log_id);
  if (format == WebhookFormat::kCloudEventsBinary) {
    out.headers = BinaryCloudEventHeaders(event);
    out.body = std::move(event.data_json);
    out.content_type = "application/json";
    return out;
  }
  out.body = StructuredCloudEvent(event);
  out.content_type = "application/cloudevents+json";
  return out;
}

}  // namespace sitrep
