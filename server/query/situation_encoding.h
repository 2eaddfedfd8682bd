#ifndef SITREP_SERVER_QUERY_SITUATION_ENCODING_H_
#define SITREP_SERVER_QUERY_SITUATION_ENCODING_H_

// GetSituation's answer encoded straight from the index (issue 24). Building
// a v1::Situation of 10,000 incidents copied every incident's state and
// latest update into new messages (~58M instructions by callgrind, 88 % of
// the call, most of it protobuf copies and allocations) only to serialise
// them again. Here an incident's latest update is the bytes the log already
// holds (LogEntry::encoded, sent by AppendUpdatesField), and the state is serialised from the record
// itself; only a reader who may not read every mission has its state copied
// and redacted (RedactForReader).
//
// The bytes parse to exactly the Situation that ToIncidentProtoFor() would
// build (fields in another order, which protobuf allows).

#include <string>

#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "server/incident/mission_set.h"
#include "server/situation/json_line.h"
#include "server/situation/situation_index.h"

namespace sitrep {

// Appends `shown`, as a reader of `readable_missions` sees it, as one
// element of Situation.incidents (field 1) to `out`.
void AppendEncodedIncident(const SituationIndex::Shown& shown,
                           MissionSet readable_missions, std::string* out);

// The encoded v1::Situation of `snapshot` as a reader of `readable_missions`
// sees it.
std::string EncodeSituation(const SituationIndex::Snapshot& snapshot,
                            MissionSet readable_missions,
                            const std::string& log_id, absl::Time as_of);

// The same Situation in protobuf's JSON mapping (what HTTP's /v1/situation
// sends), built the same way: each latest update's JSON is the one the log
// entry keeps for Server-Sent Events (EntryJson()), each state's is
// made once per record. Parses to the JSON of the built Situation (keys in
// another order).
std::string SituationJson(const SituationIndex::Snapshot& snapshot,
                          MissionSet readable_missions, const std::string& log_id,
                          absl::Time as_of);

}  // namespace sitrep

#endif  // SITREP_SERVER_QUERY_SITUATION_ENCODING_H_
