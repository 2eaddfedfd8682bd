#ifndef SITREP_SERVER_HTTP_GZIP_BODY_H_
#define SITREP_SERVER_HTTP_GZIP_BODY_H_

// Content-Encoding: gzip for the gateway's read answers (docs/http.md).
// The situation of 10,000 open incidents is ~10 MB of JSON; gzip at zlib's
// fastest level makes it ~10x smaller (issue 24). Browsers ask for it by
// themselves (fetch sends Accept-Encoding: gzip), so the dashboard needs no
// change; curl asks with --compressed.

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sitrep {

// Bodies shorter than this are sent as they are: the gzip header and the
// work would cost more than they save.
inline constexpr size_t kGzipMinBytes = 1024;

// Whether an Accept-Encoding header value accepts gzip: "gzip" or "*" as a
// coding whose q is not 0 (RFC 9110 12.5.3), case-insensitive.
bool AcceptsGzip(absl::string_view accept_encoding);

// `body` as a gzip member (RFC 1952), at zlib's fastest level.
// Errors: INTERNAL when zlib fails (then send the body as it is).
absl::StatusOr<std::string> GzipBody(absl::string_view body);

}  // namespace sitrep

#endif  // SITREP_SERVER_HTTP_GZIP_BODY_H_
