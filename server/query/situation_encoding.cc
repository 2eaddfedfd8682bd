#include "server/query/situation_encoding.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/util/json_util.h"
#include "server/fanout/entry_encodings.h"
#include "server/query/compact_incident_json.h"
#include "server/incident/incident_readers.h"
#include "server/runtime/proto_time.h"

namespace sitrep {
namespace {

// Wire-format tags (field number << 3 | wire type 2: length-delimited).
constexpr char kSituationIncidentsTag = (1 << 3) | 2;
// Incident.latest, written by AppendUpdatesField.
constexpr int kIncidentLatestField = 2;
// Incident.incident_id (1, length-delimited), version (8, varint), closed
// (17, varint: a two-byte tag).
constexpr char kIncidentIdTag = (1 << 3) | 2;
constexpr char kIncidentVersionTag = 8 << 3;
constexpr char kIncidentClosedTag[] = {static_cast<char>(0x80 | ((17 << 3) & 0x7f)),
                                       (17 << 3) >> 7};

void AppendVarint(uint64_t value, std::string* out) {
  char bytes[10];
  const uint8_t* end = google::protobuf::io::CodedOutputStream::WriteVarint64ToArray(
      value, reinterpret_cast<uint8_t*>(bytes));
  out->append(bytes, reinterpret_cast<const char*>(end) - bytes);
}

}  // namespace

void AppendEncodedIncident(const SituationIndex::Shown& shown,
                           MissionSet readable_missions, std::string* out) {
  const IncidentRecord& record = *shown.record;
  if (shown.latest_replaced() || record.state.has_latest()) {
    // The reader sees an older update than the thread's latest: location,
    // category and peak severity come from it (rare: the slow path).
    const std::string incident =
        ToIncidentProtoFor(shown, readable_missions).SerializeAsString();
    out->push_back(kSituationIncidentsTag);
    AppendVarint(incident.size(), out);
    out->append(incident);
    return;
  }
  // The state: encoded once per record for a reader of every mission,
  // copied and redacted for any other.
  std::string redacted_bytes;
  const std::string* state = &redacted_bytes;
  if (readable_missions.IsAll() && shown.encoded_state != nullptr) {
    state = &shown.encoded_state->Get(record.state);
  } else {
    v1::Incident redacted = record.state;
    RedactForReader(readable_missions, /*latest_replaced=*/false, &redacted);
    redacted.SerializeToString(&redacted_bytes);
  }
  // ToIncidentProto's own fields, written even when they hold their
  // default: a scalar field that comes again replaces the state's value
  // when parsed, as set_...() does. (A v1::Incident for these three cost a
  // third of the call.)
  std::string own_bytes;
  own_bytes.push_back(kIncidentIdTag);
  AppendVarint(record.incident_id.size(), &own_bytes);
  own_bytes.append(record.incident_id);
  own_bytes.push_back(kIncidentVersionTag);
  AppendVarint(record.version, &own_bytes);
  own_bytes.append(kIncidentClosedTag, sizeof(kIncidentClosedTag));
  own_bytes.push_back(record.closed ? 1 : 0);
  // `latest` (field 2): the stored encoding, with its tag and length.
  out->push_back(kSituationIncidentsTag);
  AppendVarint(
      state->size() + own_bytes.size() + UpdatesFieldSize(*shown.latest), out);
  out->append(*state);
  out->append(own_bytes);
  AppendUpdatesField(*shown.latest, out, kIncidentLatestField);
}

namespace {

// Appends `shown` as one JSON object of Situation.incidents.
void AppendIncidentJson(const SituationIndex::Shown& shown,
                        MissionSet readable_missions, std::string* out) {
  const IncidentRecord& record = *shown.record;
  const v1::Incident& state = record.state;
  if (shown.latest_replaced() || state.has_latest() ||
      !state.incident_id().empty() || state.version() != 0 || state.closed()) {
    // Keys would repeat, or the reader sees an older update: the slow path.
    out->append(ToJsonLine(ToIncidentProtoFor(shown, readable_missions)));
    return;
  }
  std::string redacted_json;
  const std::string* state_json = &redacted_json;
  if (readable_missions.IsAll() && shown.encoded_state != nullptr) {
    state_json = &shown.encoded_state->Json(state);
  } else {
    v1::Incident redacted = state;
    RedactForReader(readable_missions, /*latest_replaced=*/false, &redacted);
    redacted_json = ToJsonLine(redacted);
  }
  out->append("{\"incidentId\":");
  AppendJsonString(record.incident_id, out);
  out->append(",\"latest\":");
  out->append(EntryJson(*shown.latest));
  if (state_json->size() > 2) {  // "{...}": its members
    out->push_back(',');
    out->append(*state_json, 1, state_json->size() - 2);
  }
  if (record.version != 0) {
    absl::StrAppend(out, ",\"version\":\"", record.version, "\"");
  }
  if (record.closed) out->append(",\"closed\":true");
  out->push_back('}');
}

}  // namespace

std::string SituationJson(const SituationIndex::Snapshot& snapshot,
                          MissionSet readable_missions, const std::string& log_id,
                          absl::Time as_of) {
  v1::Situation rest;
  rest.set_sequence(snapshot.sequence);
  rest.set_log_id(log_id);
  *rest.mutable_as_of() = ToProtoTime(as_of);
  const std::string rest_json = ToJsonLine(rest);  // "{...}", never empty
  std::string out;
  size_t estimate = rest_json.size() + 16;
  for (const SituationIndex::Shown& shown : snapshot.incidents) {
    estimate += 2 * EntryJson(*shown.latest).size();  // the state is as long
  }
  out.reserve(estimate);
  out.append("{");
  if (!snapshot.incidents.empty()) {
    out.append("\"incidents\":[");
    bool first = true;
    for (const SituationIndex::Shown& shown : snapshot.incidents) {
      if (!first) out.push_back(',');
      first = false;
      AppendIncidentJson(shown, readable_missions, &out);
    }
    out.append("]");
    if (rest_json.size() > 2) out.push_back(',');
  }
  out.append(rest_json, 1, std::string::npos);
  return out;
}

std::string EncodeSituation(const SituationIndex::Snapshot& snapshot,
                            MissionSet readable_missions,
                            const std::string& log_id, absl::Time as_of) {
  std::string out;
  size_t estimate = 64;
  for (const SituationIndex::Shown& shown : snapshot.incidents) {
    estimate += 2 * UpdatesFieldSize(*shown.latest);  // the state is as long
  }
  out.reserve(estimate);
  for (const SituationIndex::Shown& shown : snapshot.incidents) {
    AppendEncodedIncident(shown, readable_missions, &out);
  }
  v1::Situation rest;
  rest.set_sequence(snapshot.sequence);
  rest.set_log_id(log_id);
  *rest.mutable_as_of() = ToProtoTime(as_of);
  rest.AppendToString(&out);
  return out;
}

}  // namespace sitrep
