// The handover report of a shift (`sitrep report`): what happened between
// two moments and what is still open at the end, as Markdown or as one
// self-contained HTML page (inline CSS and SVG, nothing fetched).
//
// It is built from three answers of the server, so that it agrees with
// GetSituation at both ends of the window: the situation as of the start,
// the situation as of the end, and every update between their sequences.
#ifndef SITREP_CLIENT_HANDOVER_REPORT_H_
#define SITREP_CLIENT_HANDOVER_REPORT_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep::cli {

struct ShiftData {
  // GetSituation as of the window's start and end; `end.sequence()` >=
  // `start.sequence()`.
  sitrep::v1::Situation start;
  sitrep::v1::Situation end;
  // Every update (of the filter) with start.sequence() < sequence <=
  // end.sequence(), in sequence order.
  std::vector<sitrep::v1::SituationUpdate> updates;
  // The window as asked for (start.as_of() / end.as_of() when unset).
  absl::Time from;
  absl::Time to;
  // Shown in the title when not empty (e.g. "KFOR only").
  std::string scope;
};

enum class ReportFormat { kMarkdown, kHtml };

std::string RenderHandoverReport(const ShiftData& shift, ReportFormat format);

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_HANDOVER_REPORT_H_
