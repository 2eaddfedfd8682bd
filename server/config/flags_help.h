// `sitrepd --help`: sitrepd's flags grouped by what they configure, each
// with its default, instead of abseil's one list headed by the source file
// that defines them.
#ifndef SITREP_SERVER_CONFIG_FLAGS_HELP_H_
#define SITREP_SERVER_CONFIG_FLAGS_HELP_H_

#include <string>

namespace sitrep {

// The help text for every flag registered from server/config/ (abseil's and
// gRPC's own are left out), under headings "Serving:", "TLS and access:",
// "Storage:", ... in a fixed order; a flag no group claims is listed under
// "Other:". Each flag reads "  --name=DEFAULT" and its help wrapped at 80
// columns below it.
std::string SitrepdFlagsHelp();

}  // namespace sitrep

#endif  // SITREP_SERVER_CONFIG_FLAGS_HELP_H_
