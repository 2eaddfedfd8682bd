#ifndef SITREP_SERVER_HTTP_STATIC_FILES_H_
#define SITREP_SERVER_HTTP_STATIC_FILES_H_

#include "absl/strings/string_view.h"

namespace sitrep {

// One file of the bundled dashboard (client/dashboard/), compiled into the
// binary so that sitrepd serves it wherever it runs.
struct StaticFile {
  absl::string_view content_type;
  absl::string_view body;
};

// The file served at `path` ("/" is index.html, "/dashboard/<name>" the
// others), or null.
const StaticFile* FindStaticFile(absl::string_view path);

}  // namespace sitrep

#endif  // SITREP_SERVER_HTTP_STATIC_FILES_H_
