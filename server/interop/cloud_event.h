#ifndef SITREP_SERVER_INTEROP_CLOUD_EVENT_H_
#define SITREP_SERVER_INTEROP_CLOUD_EVENT_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {

// The CloudEvents 1.0 type of every sitrep update event.
inline constexpr char kCloudEventType[] = "eu.sitrep.update.v1";
// `dataschema`: the protobuf message `data` holds, in protobuf's JSON
// mapping (docs/interop.md describes its fields).
inline constexpr char kCloudEventDataSchema[] =
    "urn:sitrep:schema:sitrep.v1.SituationUpdate";

// One stored update as a CloudEvent (CloudEvents 1.0, core attributes):
//   id          the update's event_id (unique per publisher)
//   source      /sitrep/<log_id>/publishers/<publisher>: so that source + id
//               is unique, as the spec requires
//   specversion 1.0
//   type        eu.sitrep.update.v1
//   subject     the incident id (absent for a stand-alone report)
//   time        received_at (RFC 3339)
//   datacontenttype application/json, dataschema kCloudEventDataSchema
// and the extensions sitrepsequence (the sequence) and sitrepstatus
// (actual | exercise | test), so a router can drop exercises unread.
struct CloudEvent {
  // (attribute, value) in the order above; values are strings.
  std::vector<std::pair<std::string, std::string>> attributes;
  // The update in protobuf's JSON mapping (EntryJson() in server/fanout/entry_encodings.h).
  std::string data_json;
};

// `update_json` is `update` in protobuf's JSON mapping, one line.
CloudEvent MakeCloudEvent(const v1::SituationUpdate& update,
                          absl::string_view update_json,
                          absl::string_view log_id);

// Structured content mode (application/cloudevents+json): the attributes
// and `data` (the update as a JSON object) in one JSON object.
std::string StructuredCloudEvent(const CloudEvent& event);

// Binary content mode (CloudEvents HTTP binding 3.1): the attributes as
// "ce-<name>: <value>" headers (percent-encoded where the binding says),
// datacontenttype as Content-Type (not among these), `data` as the body.
std::vector<std::string> BinaryCloudEventHeaders(const CloudEvent& event);

}  // namespace sitrep

#endif  // SITREP_SERVER_INTEROP_CLOUD_EVENT_H_
