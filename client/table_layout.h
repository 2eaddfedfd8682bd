// Fitting a table to the terminal: how wide the output may be, and how wide
// each column gets. The last column (the headline) takes what is left and is
// cut last; columns marked `keep` (the municipality) are cut only after it.
#ifndef SITREP_CLIENT_TABLE_LAYOUT_H_
#define SITREP_CLIENT_TABLE_LAYOUT_H_

#include <cstddef>
#include <string>
#include <vector>

namespace sitrep::cli {

// The width tables must fit, in columns; 0 means no limit. As ps and
// systemctl do: $COLUMNS when it is set to a positive number, else the
// terminal's width (TIOCGWINSZ) when stdout is a terminal, else no limit (a
// pipe or file gets whole lines).
size_t OutputColumns();

struct ColumnSpec {
  size_t preferred = 0;  // the width when there is room
  size_t min = 0;        // never narrower
  bool keep = false;     // shrink only once the last column is at its minimum
};

struct TableLayout {
  // The widths of the columns plus, last, the width of the flexible last
  // column (0: unlimited).
  std::vector<size_t> widths;
  std::string gap;  // between two cells: two spaces, one when tight
};

// The layout of `columns` and a flexible last column for lines of at most
// `total` columns (0: no limit), with `indent` columns before the first.
// Shrinks, in this order: the gap from two spaces to one; the columns
// without `keep` (in the order given) towards their minimum while the last
// column has less than `last_comfort`; then the last column down to
// `last_min`; then the `keep` columns. When even that does not fit, the
// line is longer than `total`.
TableLayout FitColumns(const std::vector<ColumnSpec>& columns, size_t total, size_t indent,
                       size_t last_comfort, size_t last_min);

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_TABLE_LAYOUT_H_
