#include "client/usage_hints.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace sitrep::cli {
namespace {

std::vector<std::string>& CommandLine() {
  static auto* words = new std::vector<std::string>;  // never freed: read until exit
  return *words;
}

// The selected command furthest down (the root when none was entered).
const CLI::App* EnteredCommand(const CLI::App* root) {
  const CLI::App* app = root;
  while (!app->get_subcommands().empty()) app = app->get_subcommands().front();
  return app;
}

// Every "--long" and "-s" name of `app`'s options, and of the root's when
// `app` falls through to it.
void AddFlagNames(const CLI::App* app, std::vector<std::string>* names) {
  for (const CLI::Option* option : app->get_options()) {
    for (const std::string& l : option->get_lnames()) names->push_back("--" + l);
    for (const std::string& s : option->get_snames()) names->push_back("-" + s);
  }
}

std::vector<std::string> CommandNames(const CLI::App* root) {
  std::vector<std::string> names;
  for (const CLI::App* sub : root->get_subcommands({})) {
    names.push_back(sub->get_name());
    for (const std::string& alias : sub->get_aliases()) names.push_back(alias);
  }
  return names;
}

std::string UnknownCommand(const CLI::App* root, const std::string& word) {
  const std::vector<std::string> commands = CommandNames(root);
  std::string line = absl::StrCat("sitrep: unknown command ", word);
  const std::string near = Closest(word, commands);
  if (!near.empty()) absl::StrAppend(&line, "; did you mean ", near, "?");
  absl::StrAppend(&line, " (commands: ", absl::StrJoin(commands, ", "),
                  "; sitrep COMMAND --help for one)\n");
  return line;
}

std::string Extra(const CLI::App* root, const CLI::App* command, const std::string& word) {
  if (absl::StartsWith(word, "-") && word.size() > 1) {
    const std::string flag = word.substr(0, word.find('='));
    std::vector<std::string> names;
    AddFlagNames(command, &names);
    if (command != root) AddFlagNames(root, &names);
    std::string line = absl::StrCat("sitrep: unknown flag ", flag);
    if (command != root) absl::StrAppend(&line, " for ", command->get_name());
    const std::string near = Closest(flag, names);
    if (!near.empty()) {
      absl::StrAppend(&line, "; did you mean ", near, "?");
    } else {
      absl::StrAppend(&line, " (sitrep ", command == root ? "" : command->get_name() + " ",
                      "--help lists the flags)");
    }
    return line + "\n";
  }
  if (command == root) return UnknownCommand(root, word);
  const std::string hint = QuoteHint(word);
  return absl::StrCat("sitrep: ", command->get_name(), ": unexpected argument '", word, "'",
                      hint.empty() ? "" : absl::StrCat("; ", hint), "\n");
}

}  // namespace

size_t EditDistance(absl::string_view a, absl::string_view b) {
  // Optimal string alignment: Levenshtein plus adjacent transpositions
  // ("tial" is one edit from "tail").
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1,
                          d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::string Closest(absl::string_view word, const std::vector<std::string>& candidates) {
  const size_t limit = std::max<size_t>(1, word.size() / 3);
  std::string best;
  size_t best_distance = limit + 1;
  for (const std::string& candidate : candidates) {
    const size_t d = EditDistance(word, candidate);
    if (d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

void RememberCommandLine(int argc, const char* const* argv) {
  CommandLine().assign(argv, argv + argc);
}

std::string QuoteHint(absl::string_view word) {
  const std::vector<std::string>& words = CommandLine();
  for (size_t i = 2; i < words.size(); ++i) {
    if (words[i] != word) continue;
    // Walk back over the other unquoted words to the option they belong to.
    size_t first = i - 1;
    while (first > 1 && !absl::StartsWith(words[first - 1], "-")) --first;
    if (first < 1 || !absl::StartsWith(words[first - 1], "--") ||
        absl::StartsWith(words[first], "-")) {
      return "";
    }
    std::vector<std::string> value(words.begin() + first, words.begin() + i + 1);
    return absl::StrCat("to give a value with spaces, quote it: ", words[first - 1], " \"",
                        absl::StrJoin(value, " "), "\"");
  }
  return "";
}

std::string UsageFailureMessage(const CLI::App* root, const CLI::Error& error) {
  const CLI::App* command = EnteredCommand(root);
  const std::vector<std::string> extras = root->remaining(/*recurse=*/true);
  // CLI11 names an ExtrasError after the app that threw it: the type tells.
  if (dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr && !extras.empty()) {
    for (const std::string& extra : extras) {
      if (absl::StartsWith(extra, "-")) return Extra(root, command, extra);
    }
    return Extra(root, command, extras.front());
  }
  if (dynamic_cast<const CLI::RequiredError*>(&error) != nullptr && command == root) {
    if (!extras.empty()) return Extra(root, command, extras.front());
    return absl::StrCat("sitrep: give a command: ", absl::StrJoin(CommandNames(root), ", "),
                        " (sitrep --help says more)\n");
  }
  return absl::StrCat("sitrep: ", command == root ? "" : command->get_name() + ": ",
                      error.what(), "\n");
}

}  // namespace sitrep::cli
