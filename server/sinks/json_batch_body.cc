#include "server/sinks/json_batch_body.h"

#include "google/protobuf/util/json_util.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep {

std::string EncodeJsonBatch(const std::vector<LogEntryPtr>& updates,
                            const std::string& log_id, uint64_t cursor) {
  v1::SubscribeResponse response;
  response.mutable_updates()->Reserve(static_cast<int>(updates.size()));
  for (const LogEntryPtr& entry : updates) {
    *response.add_updates() = entry->update;
  }
  response.mutable_cursor()->set_log_id(log_id);
  response.mutable_cursor()->set_sequence(cursor);
  std::string json;
  // Cannot fail: every field is a plain message field of a valid message.
  (void)google::protobuf::util::MessageToJsonString(response, &json);
  return json;
}

}  // namespace sitrep
