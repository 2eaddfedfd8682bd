// Bearer tokens and the only form in which sitrep stores them: a token is 32
// random bytes, base64url, prefixed "sitrep_"; an access policy keeps the
// SHA-256 of it in lowercase hex. The token is high-entropy, so a plain
// (unsalted, fast) hash is safe: there is nothing to guess from it.
#ifndef SITREP_SERVER_AUTH_TOKEN_HASH_H_
#define SITREP_SERVER_AUTH_TOKEN_HASH_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sitrep {

// SHA-256 of `token`, 64 lowercase hex digits.
std::string HashToken(absl::string_view token);

// True for 64 lowercase or uppercase hex digits.
bool IsTokenHash(absl::string_view text);

// A new random token from the OS's CSPRNG (via OpenSSL). INTERNAL if it
// cannot be read.
absl::StatusOr<std::string> GenerateToken();

}  // namespace sitrep

#endif  // SITREP_SERVER_AUTH_TOKEN_HASH_H_
