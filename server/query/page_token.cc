#include "server/query/page_token.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace sitrep {
namespace {

// Layout (little-endian): version(1) flags(1) next_sequence(8)
// request_fingerprint(8) log_hash(8). A new layout takes a new version.
constexpr uint8_t kVersion = 1;
constexpr uint8_t kDescendingFlag = 0x01;
constexpr size_t kTokenBytes = 1 + 1 + 8 + 8 + 8;
// base64 of kTokenBytes plus slack for padding; anything longer is not ours
// and is rejected before decoding.
constexpr size_t kMaxEncodedChars = 64;

constexpr absl::string_view kRestart =
    "; send the request again without page_token to start from the first "
    "page";

void PutFixed64(std::string* out, uint64_t value) {
  for (int i = 0; i < 8; ++i) {
    out->push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
  }
}

uint64_t GetFixed64(const char* p) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) {
    value = (value << 8) | static_cast<unsigned char>(p[i]);
  }
  return value;
}

absl::Status Malformed(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(
      "page_token: is not a token this server issued (", why,
      "); pass next_page_token from the previous response unchanged, or "
      "leave page_token empty for the first page"));
}

}  // namespace

uint64_t Fnv1a64(absl::string_view bytes) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

uint64_t ListRequestFingerprint(const v1::ListUpdatesRequest& request) {
  v1::ListUpdatesRequest copy = request;
  copy.clear_page_token();
  copy.clear_page_size();
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream raw(&bytes);
    google::protobuf::io::CodedOutputStream out(&raw);
    // Deterministic: map fields (none today) and unknown-field order would
    // otherwise make equal requests hash differently.
    out.SetSerializationDeterministic(true);
    copy.SerializeToCodedStream(&out);  // computes the sizes it writes
  }
  return Fnv1a64(bytes);
}

std::string EncodePageToken(const PageToken& token,
                            const v1::ListUpdatesRequest& request,
                            absl::string_view log_id) {
  std::string raw;
  raw.reserve(kTokenBytes);
  raw.push_back(static_cast<char>(kVersion));
  raw.push_back(static_cast<char>(token.descending ? kDescendingFlag : 0));
  PutFixed64(&raw, token.next_sequence);
  PutFixed64(&raw, ListRequestFingerprint(request));
  PutFixed64(&raw, Fnv1a64(log_id));
  return absl::WebSafeBase64Escape(raw);
}

absl::StatusOr<PageToken> DecodePageToken(const v1::ListUpdatesRequest& request,
                                          absl::string_view log_id) {
  const std::string& encoded = request.page_token();
  if (encoded.empty()) return Malformed("it is empty");
  if (encoded.size() > kMaxEncodedChars) return Malformed("it is too long");
  std::string raw;
  if (!absl::WebSafeBase64Unescape(encoded, &raw)) {
    return Malformed("it is not URL-safe base64");
  }
  if (raw.size() != kTokenBytes) return Malformed("it has the wrong length");
  if (static_cast<uint8_t>(raw[0]) != kVersion) {
    return Malformed(absl::StrCat("unknown format version ",
                                  static_cast<uint8_t>(raw[0])));
  }
  const auto flags = static_cast<uint8_t>(raw[1]);
  if ((flags & ~kDescendingFlag) != 0) return Malformed("unknown flags");
  PageToken token;
  token.descending = (flags & kDescendingFlag) != 0;
  token.next_sequence = GetFixed64(&raw[2]);
  if (token.next_sequence == 0) return Malformed("sequence 0");

  if (GetFixed64(&raw[18]) != Fnv1a64(log_id)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page_token: was issued by another log than this server's (",
        log_id, "): the store was replaced or the token came from another "
                "deployment",
        kRestart));
  }
  if (token.descending != request.descending()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page_token: was issued for descending=",
        token.descending ? "true" : "false", " but the request has descending=",
        request.descending() ? "true" : "false",
        "; keep every field but page_size unchanged between pages", kRestart));
  }
  if (GetFixed64(&raw[10]) != ListRequestFingerprint(request)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page_token: was issued for a request with another filter, range or "
        "order; keep every field but page_size unchanged between pages",
        kRestart));
  }
  return token;
}

}  // namespace sitrep
