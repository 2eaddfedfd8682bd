// `sitrep import` / `sitrep publish -` as a hostile file sees them: raw bytes
// through sitrep::cli::ParsePublishJson and DeriveEventId
// (client/update_json.h), then what the CLI sends through the server's
// wire parse and validator.
//
// Checks: an error is INVALID_ARGUMENT; the derived id is "imp-" and 32
// lower-case hex digits, ignores event_id, and survives a JSON round trip of
// the request (same content, same id); what the CLI would send parses on the
// server (a string the server cannot parse would fail the whole
// PublishStream, not one line); the validator's contract holds.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "client/update_json.h"
#include "google/protobuf/util/json_util.h"
#include "sitrep/v1/situation_feed.pb.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/validator_contract.h"

namespace {

bool IsDerivedId(const std::string& id) {
  if (id.size() != 4 + 32 || !absl::StartsWith(id, "imp-")) return false;
  for (size_t i = 4; i < id.size(); ++i) {
    const char c = id[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view json(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<sitrep::v1::PublishRequest> parsed =
      sitrep::cli::ParsePublishJson(json);
  if (!parsed.ok()) {
    SITREP_FUZZ_CHECK(
        parsed.status().code() == absl::StatusCode::kInvalidArgument,
        "unexpected code: ", parsed.status().ToString());
    return 0;
  }
  sitrep::v1::PublishRequest request = *std::move(parsed);

  const std::string id = sitrep::cli::DeriveEventId(request);
  SITREP_FUZZ_CHECK(IsDerivedId(id), "malformed derived id '", id, "'");
  SITREP_FUZZ_CHECK(sitrep::cli::DeriveEventId(request) == id,
                    "DeriveEventId is not deterministic");
  {
    sitrep::v1::PublishRequest renamed = request;
    renamed.mutable_update()->set_event_id("some-other-id");
    SITREP_FUZZ_CHECK(sitrep::cli::DeriveEventId(renamed) == id,
                      "the derived id depends on event_id");
  }
  if (request.has_update()) {
    std::string printed;
    if (google::protobuf::util::MessageToJsonString(request, &printed).ok()) {
      absl::StatusOr<sitrep::v1::PublishRequest> again =
          sitrep::cli::ParsePublishJson(printed);
      SITREP_FUZZ_CHECK(again.ok(), "the request's own JSON does not parse: ",
                        again.status().ToString(), " for ", printed);
      SITREP_FUZZ_CHECK(sitrep::cli::DeriveEventId(*again) == id,
                        "same content, another id: ", printed);
    }
  }

  // What `sitrep import` sends: the derived id when the line names none.
  if (request.update().event_id().empty()) {
    request.mutable_update()->set_event_id(id);
  }
  std::string wire;
  SITREP_FUZZ_CHECK(request.SerializeToString(&wire), "cannot serialise");
  sitrep::v1::PublishRequest on_server;
  SITREP_FUZZ_CHECK(on_server.ParseFromString(wire),
                    "the server cannot parse what the CLI sends: ",
                    request.ShortDebugString());
  sitrep::fuzz::CheckValidatorContract(on_server.update());
  return 0;
}
