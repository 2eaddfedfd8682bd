#ifndef SITREP_SERVER_AUTH_SECRET_FILE_H_
#define SITREP_SERVER_AUTH_SECRET_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace sitrep {

// Writes `content` to a new file at `path` readable and writable by its
// owner only (0600, whatever the umask), for secrets such as bearer tokens
// (issue 17, I-5: `sitrepd new-token > file` left the token world-readable
// under the usual umask). The file must not exist yet, so no other process
// can hold it open or have chosen its mode: ALREADY_EXISTS names the path
// (remove it first, or choose another path); a symbolic link at `path` is
// refused too. Other failures are FAILED_PRECONDITION with the path and the
// system's reason. The content is flushed to disk before it returns.
absl::Status WriteSecretFile(const std::string& path,
                             absl::string_view content);

}  // namespace sitrep

#endif  // SITREP_SERVER_AUTH_SECRET_FILE_H_
