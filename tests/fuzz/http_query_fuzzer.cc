// The HTTP gateway's query parsing (server/http/query_params.h) over raw
// bytes, as a hostile browser or script writes a URL: ParseQuery, then
// ApplyQuery into each request the gateway builds from a query. Checks: an
// error is INVALID_ARGUMENT with a short, valid UTF-8 message (it travels in
// a JSON body); a request that parses holds only valid UTF-8 strings, so it
// survives the wire format and the JSON mapping like a gRPC request.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/util/json_util.h"
#include "server/http/query_params.h"
#include "sitrep/v1/situation_feed.pb.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

void CheckError(const absl::Status& status, absl::string_view query) {
  SITREP_FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument,
                    "error code ", status.ToString(), " for ", query.size(),
                    " bytes");
  SITREP_FUZZ_CHECK(sitrep::fuzz::IsValidUtf8(status.message()),
                    "message not UTF-8");
  // The message quotes at most one parameter (name and value).
  SITREP_FUZZ_CHECK(status.message().size() <= query.size() + 200,
                    "message of ", status.message().size(), " bytes");
}

void Apply(const std::vector<sitrep::QueryParam>& params,
           absl::string_view query, google::protobuf::Message* request) {
  absl::Status applied = sitrep::ApplyQuery(params, {"last_event_id"}, request);
  if (!applied.ok()) {
    CheckError(applied, query);
    return;
  }
  std::string wire;
  SITREP_FUZZ_CHECK(request->SerializeToString(&wire), "does not serialise");
  std::unique_ptr<google::protobuf::Message> back(request->New());
  SITREP_FUZZ_CHECK(back->ParseFromString(wire),
                    "its own encoding does not parse back");
  std::string json;
  SITREP_FUZZ_CHECK(
      google::protobuf::util::MessageToJsonString(*request, &json).ok(),
      "has no JSON mapping");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view query(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::vector<sitrep::QueryParam>> params =
      sitrep::ParseQuery(query);
  if (!params.ok()) {
    CheckError(params.status(), query);
    return 0;
  }
  sitrep::v1::SubscribeRequest subscribe;
  Apply(*params, query, &subscribe);
  sitrep::v1::ListUpdatesRequest list;
  Apply(*params, query, &list);
  sitrep::v1::GetSituationRequest situation;
  Apply(*params, query, &situation);
  return 0;
}
