#include "server/http/gzip_body.h"

#include <zlib.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

#include <vector>

namespace sitrep {

bool AcceptsGzip(absl::string_view accept_encoding) {
  bool star = false;
  for (absl::string_view item : absl::StrSplit(accept_encoding, ',')) {
    std::vector<absl::string_view> parts = absl::StrSplit(item, ';');
    const absl::string_view coding = absl::StripAsciiWhitespace(parts[0]);
    double q = 1;
    for (size_t i = 1; i < parts.size(); ++i) {
      absl::string_view param = absl::StripAsciiWhitespace(parts[i]);
      if (param.size() > 2 && absl::AsciiStrToLower(param.substr(0, 2)) == "q=" &&
          !absl::SimpleAtod(param.substr(2), &q)) {
        q = 0;  // An unreadable weight does not grant the coding.
      }
    }
    if (absl::EqualsIgnoreCase(coding, "gzip") ||
        absl::EqualsIgnoreCase(coding, "x-gzip")) {
      return q > 0;  // An explicit "gzip;q=0" refuses it even beside "*".
    }
    if (coding == "*" && q > 0) star = true;
  }
  return star;
}

absl::StatusOr<std::string> GzipBody(absl::string_view body) {
  z_stream stream{};
  // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
  if (deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return absl::InternalError("gzip: deflateInit2 failed");
  }
  std::string out;
  out.resize(deflateBound(&stream, body.size()));
  stream.next_in =
      reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  stream.avail_in = static_cast<uInt>(body.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&stream, Z_FINISH);
  const size_t written = stream.total_out;
  deflateEnd(&stream);
  if (rc != Z_STREAM_END) {
    return absl::InternalError(absl::StrCat("gzip: deflate returned ", rc));
  }
  out.resize(written);
  return out;
}

}  // namespace sitrep
