// Usage errors in words, with a suggestion: CLI11's failure-message
// formatter for the root app ("unknown flag --misson; did you mean
// --mission?", "unknown command foo; commands are ...", a hint to quote a
// value with spaces), and the edit distance behind the suggestions.
#ifndef SITREP_CLIENT_USAGE_HINTS_H_
#define SITREP_CLIENT_USAGE_HINTS_H_

#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/string_view.h"

namespace sitrep::cli {

// Edit distance between `a` and `b`: insertions, deletions, substitutions
// and swaps of two neighbours (bytes; flags and commands are ASCII).
size_t EditDistance(absl::string_view a, absl::string_view b);

// The candidate nearest to `word` when it is close enough to be a typo
// (distance at most 1 for short words, a third of the length for longer
// ones), else "".
std::string Closest(absl::string_view word, const std::vector<std::string>& candidates);

// Keeps the command line for QuoteHint. Call once in main() before parsing.
void RememberCommandLine(int argc, const char* const* argv);

// When `word` followed the value of an option on the command line
// (`--municipality Zubin Potok`), a hint to quote the words together:
// "to give a value with spaces, quote it: --municipality \"Zubin Potok\"";
// otherwise "".
std::string QuoteHint(absl::string_view word);

// For CLI::App::failure_message on the root app: the error of the command
// CLI11 entered, in words, with a suggestion where one fits; no trailing
// newline is missing ("sitrep: ...\n").
std::string UsageFailureMessage(const CLI::App* root, const CLI::Error& error);

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_USAGE_HINTS_H_
