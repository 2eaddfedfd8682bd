#include "client/commands/cap_import_command.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "client/feed_client.h"
#include "client/filter_flags.h"
#include "client/status_text.h"
#include "server/interop/cap_import.h"

namespace sitrep::cli {

int RunCapImport(const std::string& input, const std::string& mission,
                 const GlobalFlags& global) {
  std::stringstream buffer;
  if (input == "-") {
    buffer << std::cin.rdbuf();
  } else {
    std::ifstream in(input, std::ios::binary);
    if (!in) return ReportUsageError(absl::StrCat("cannot read ", input));
    buffer << in.rdbuf();
  }
  CapImportOptions options;
  if (!mission.empty()) {
    absl::StatusOr<sitrep::v1::Mission> m = ParseMission(mission);
    if (!m.ok()) return ReportUsageError(m.status());
    options.mission = *m;
  }
  absl::StatusOr<sitrep::v1::PublishRequest> request =
      ParseCapAlert(buffer.str(), options);
  if (!request.ok()) {
    return ReportUsageError(absl::StrCat(input == "-" ? "stdin" : input, ": ",
                                         request.status().message()));
  }
  absl::StatusOr<std::unique_ptr<FeedClient>> client = MakeFeedClient(global);
  if (!client.ok()) return ReportUsageError(client.status());
  sitrep::v1::PublishResponse response;
  const grpc::Status status = (*client)->Publish(*request, &response);
  if (!status.ok()) {
    // A CAP Update or Cancel names its incident through the alert it follows.
    const std::string& kind = sitrep::v1::Kind_Name(request->update().kind());
    const std::string what =
        request->update().kind() == sitrep::v1::KIND_NEW
            ? std::string("CAP import failed")
            : absl::StrCat("CAP import failed (", kind, " of incident '",
                           request->update().incident_id(),
                           "', named by the alert's <incidents> or <references>)");
    return ReportRpcError(what, status, global.server);
  }
  std::printf("#%llu %s (event id %s)\n",
              static_cast<unsigned long long>(response.sequence()),
              response.duplicate() ? "duplicate: imported before" : "published",
              response.event_id().c_str());
  return 0;
}

}  // namespace sitrep::cli
