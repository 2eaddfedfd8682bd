#ifndef SITREP_CLIENT_TERMINAL_TEXT_H_
#define SITREP_CLIENT_TERMINAL_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace sitrep::cli {

// `text` safe to print in a table on a terminal (issue 17, L-6): C0 and C1
// control characters and DEL become \xHH or \u00HH, the bidirectional
// embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069)
// become \uHHHH, and bytes that are not UTF-8 become \xHH. So text stored
// before the server refused them cannot move the cursor, recolour the
// terminal or show a table cell in another order than it was written.
// Everything else is kept as it is.
std::string TerminalSafe(absl::string_view text);

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_TERMINAL_TEXT_H_
