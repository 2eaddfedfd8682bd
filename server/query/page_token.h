#ifndef SITREP_SERVER_QUERY_PAGE_TOKEN_H_
#define SITREP_SERVER_QUERY_PAGE_TOKEN_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep {

// Where the next page of a ListUpdates call starts.
struct PageToken {
  // The next sequence to scan: the first one not yet considered (ascending),
  // or the last one not yet considered (descending). Never 0.
  uint64_t next_sequence = 1;
  bool descending = false;
};

// ListUpdates page tokens are opaque to clients but bound to the request and
// the log they came from: a token only continues the listing that issued it.
// The token carries a format version, the direction, the next sequence, a
// fingerprint of the request (every field except page_token and page_size,
// so a client may change the page size between pages) and a hash of the
// log_id (a token from a wiped or other store is rejected instead of
// silently mapping onto other updates). Hashes are FNV-1a 64 over
// deterministic serialisation, so tokens stay valid across restarts and
// replicas built from the same protos. Tokens are not secret and not
// signed: a client that edits one can only start its own listing elsewhere,
// which start_sequence allows anyway.
//
// Encoded as URL-safe base64 without padding.
//
// Thread safety: pure functions.

// The token that continues `request` at `token.next_sequence` in `log_id`.
std::string EncodePageToken(const PageToken& token,
                            const v1::ListUpdatesRequest& request,
                            absl::string_view log_id);

// Decodes `request.page_token()`, which must have been issued by
// EncodePageToken for an equal request (page_token and page_size aside) and
// the same `log_id`. INVALID_ARGUMENT "page_token: ..." when it is empty,
// malformed, from another log, for the other direction, or for a request
// with other fields. Callers treat an empty page_token as "first page" and
// do not call this.
absl::StatusOr<PageToken> DecodePageToken(const v1::ListUpdatesRequest& request,
                                          absl::string_view log_id);

// The fingerprint bound into tokens: FNV-1a 64 of the deterministic
// serialisation of `request` with page_token and page_size cleared.
uint64_t ListRequestFingerprint(const v1::ListUpdatesRequest& request);

// FNV-1a 64 of `bytes`: stable across processes, unlike absl::Hash.
uint64_t Fnv1a64(absl::string_view bytes);

}  // namespace sitrep

#endif  // SITREP_SERVER_QUERY_PAGE_TOKEN_H_
