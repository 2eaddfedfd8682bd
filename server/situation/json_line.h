#ifndef SITREP_SERVER_SITUATION_JSON_LINE_H_
#define SITREP_SERVER_SITUATION_JSON_LINE_H_

#include <string>

#include "google/protobuf/message.h"

namespace sitrep {

// `message` in protobuf's JSON mapping on one line; "{}" if it cannot print.
// (The situation index keeps each incident state's JSON once; the HTTP
// gateway and GetSituation's JSON use the same printer.)
std::string ToJsonLine(const google::protobuf::Message& message);

}  // namespace sitrep

#endif  // SITREP_SERVER_SITUATION_JSON_LINE_H_
