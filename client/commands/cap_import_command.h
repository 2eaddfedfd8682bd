// `sitrep import --format cap FILE|-`: one CAP 1.2 alert published as an
// update (server/interop/cap_import.h has the mapping, docs/interop.md
// the table).
#ifndef SITREP_CLIENT_COMMANDS_CAP_IMPORT_COMMAND_H_
#define SITREP_CLIENT_COMMANDS_CAP_IMPORT_COMMAND_H_

#include <string>

#include "client/commands/commands.h"

namespace sitrep::cli {

// Reads the alert from `input` (a file, or "-" for stdin), maps it (the
// mission from `mission` when the alert names none) and publishes it.
// Prints "#<sequence> published (CAP <identifier>)"; a mapping error is a
// usage error naming the element, a refused publish an RPC error (a CAP
// Update whose incident sitrep does not know says so).
int RunCapImport(const std::string& input, const std::string& mission,
                 const GlobalFlags& global);

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_COMMANDS_CAP_IMPORT_COMMAND_H_
