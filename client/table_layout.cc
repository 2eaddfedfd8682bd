#include "client/table_layout.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "absl/strings/numbers.h"

namespace sitrep::cli {

size_t OutputColumns() {
  const char* env = std::getenv("COLUMNS");
  int columns = 0;
  if (env != nullptr && absl::SimpleAtoi(env, &columns) && columns > 0) {
    return static_cast<size_t>(columns);
  }
  winsize size{};
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    return size.ws_col;
  }
  return 0;
}

TableLayout FitColumns(const std::vector<ColumnSpec>& columns, size_t total, size_t indent,
                       size_t last_comfort, size_t last_min) {
  TableLayout layout;
  layout.gap = "  ";
  std::vector<size_t>& widths = layout.widths;
  size_t used = indent + 2 * columns.size();
  for (const ColumnSpec& c : columns) {
    widths.push_back(c.preferred);
    used += c.preferred;
  }
  if (total == 0) {
    widths.push_back(0);
    return layout;
  }
  if (used + last_comfort > total) {
    layout.gap = " ";
    used -= columns.size();
  }
  // Frees up to `want` columns from the columns with keep == `keep`.
  auto shrink = [&](bool keep, size_t want) {
    for (size_t i = 0; i < columns.size() && want > 0; ++i) {
      if (columns[i].keep != keep || widths[i] <= columns[i].min) continue;
      const size_t cut = std::min(want, widths[i] - columns[i].min);
      widths[i] -= cut;
      used -= cut;
      want -= cut;
    }
  };
  if (used + last_comfort > total) shrink(false, used + last_comfort - total);
  if (used + last_min > total) shrink(true, used + last_min - total);
  widths.push_back(total > used + last_min ? total - used : last_min);
  return layout;
}

}  // namespace sitrep::cli
