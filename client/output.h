// Rendering of updates, markers and the situation: an aligned table (with
// colour by severity on a terminal), JSON, and JSON lines. JSON is protobuf's
// JSON mapping (lowerCamelCase names, enum names, 64-bit integers as strings),
// so it parses back with any protobuf library.
#ifndef SITREP_CLIENT_OUTPUT_H_
#define SITREP_CLIENT_OUTPUT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/time_display.h"
#include "google/protobuf/message.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep::cli {

enum class OutputFormat { kTable, kJson, kJsonl };

// "table" | "json" | "jsonl"; empty: table on a terminal, jsonl otherwise.
absl::StatusOr<OutputFormat> ParseOutputFormat(absl::string_view text,
                                               bool stdout_is_tty);

// True when stdout is a terminal and NO_COLOR is not set.
bool ColorByDefault();

struct RenderOptions {
  bool color = false;
  TimeDisplay time;              // UTC unless --local / SITREP_TZ=local
  size_t width = 0;              // fit tables to this many columns; 0: no limit
  absl::Time now = absl::Now();  // for ages
};

// One line of JSON (no newline), or indented JSON when `pretty`.
std::string ToJson(const google::protobuf::Message& message, bool pretty);

// The table of updates: header, then one row per update. Times as
// FormatTimePoint (the header names the zone: "TIME (UTC)"); with
// options.width the columns fit it, the headline taking the rest and cut
// last (after the other columns shrank; the municipality only after it).
std::string UpdateTableHeader(const RenderOptions& options);
std::string UpdateTableRow(const sitrep::v1::SituationUpdate& update,
                           const RenderOptions& options);

// An update that is how its incident leaves a filtered view
// (SubscribeResponse.left_view): the row marked "<< left your view: REASON"
// (dimmed with colour), so it does not read as a match of the filter.
std::string LeftViewTableRow(const sitrep::v1::SituationUpdate& update,
                             absl::string_view reason, const RenderOptions& options);
// The same in JSON: the update's JSON with a first field "leftView": REASON
// (not a SituationUpdate field: strict parsers skip it with
// ignore_unknown_fields; `jq 'select(.leftView|not)'` drops such lines).
std::string LeftViewJson(const sitrep::v1::SituationUpdate& update, absl::string_view reason,
                         bool pretty);

// A human line for a marker ("caught up at #42: live from here"), or empty
// for messages that are not worth a line (heartbeats).
std::string MarkerText(const sitrep::v1::SubscribeResponse& response);

// The situation (fitted to options.width like the update table) grouped by the incidents' municipality (Incident.location:
// where the incident is, not where its latest update was), with who leads
// (mission and tier), severity, peak, age, support state ("EULEX asked 4m"),
// a "!exception" mark for incidents with chain exceptions, and a footer
// naming the sequence it is consistent at.
std::string SituationTable(const sitrep::v1::Situation& situation,
                           const RenderOptions& options);

// "45s", "12m", "2h13m", "3d4h".
std::string FormatAge(absl::Duration age);

// `s` cut to `width` code points (ending in "…" when cut) and padded to it.
std::string TableCell(absl::string_view s, size_t width);

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_OUTPUT_H_
