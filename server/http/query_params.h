#ifndef SITREP_SERVER_HTTP_QUERY_PARAMS_H_
#define SITREP_SERVER_HTTP_QUERY_PARAMS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace sitrep {

using QueryParam = std::pair<std::string, std::string>;

// Splits a URL query (`a=1&b=x%20y`, without the `?`) into decoded pairs, in
// order. `+` is a space (HTML forms). INVALID_ARGUMENT on a bad %-escape.
absl::StatusOr<std::vector<QueryParam>> ParseQuery(absl::string_view query);

// Sets fields of `message` from query parameters the way grpc-gateway maps
// them: the name is a field path (`filter.missions`, proto or JSON names),
// a repeated field takes every occurrence, enums go by name (with or
// without their prefix, any case) or number, Timestamps in RFC 3339,
// Durations as `1.5s` or `90s`. Parameters named in `ignored` are skipped.
// INVALID_ARGUMENT names the parameter: unknown field, value that does not
// parse, a singular field given twice, two members of one oneof.
absl::Status ApplyQuery(const std::vector<QueryParam>& params,
                        const std::vector<std::string>& ignored,
                        google::protobuf::Message* message);

}  // namespace sitrep

#endif  // SITREP_SERVER_HTTP_QUERY_PARAMS_H_
