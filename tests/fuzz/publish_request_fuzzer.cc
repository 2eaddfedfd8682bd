// Publish and PublishStream as a hostile publisher sees them: arbitrary bytes
// through the parse step at the edge (server/wire/request_parse.h, what the
// gRPC service runs on every request), then the server's validator with
// municipality normalisation (server/ingest/validator.h,
// server/ingest/municipality.h).
//
// Properties of the parse step: bytes protobuf refuses are INVALID_ARGUMENT
// whose message is UTF-8 and starts with a field path; bytes it accepts
// leave no unknown field in the request, at any depth.
//
// Seeds: corpus/publish_request/*.txtpb, encoded to the wire format when the
// ctest copies them (see run_fuzzer.sh).
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "server/wire/request_parse.h"
#include "sitrep/v1/situation_feed.pb.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/validator_contract.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  sitrep::v1::PublishRequest request;
  const absl::Status parsed = sitrep::ParseRequest(bytes, &request);
  if (!parsed.ok()) {
    SITREP_FUZZ_CHECK(parsed.code() == absl::StatusCode::kInvalidArgument,
                      "refused with ", parsed.ToString());
    SITREP_FUZZ_CHECK(sitrep::fuzz::IsValidUtf8(parsed.message()),
                      "the refusal is not UTF-8");
    SITREP_FUZZ_CHECK(parsed.message().find(": ") != absl::string_view::npos,
                      "the refusal names no field: ", parsed.message());
    return 0;
  }
  std::string reencoded;
  request.SerializeToString(&reencoded);
  sitrep::v1::PublishRequest again;
  SITREP_FUZZ_CHECK(again.ParseFromString(reencoded), "re-encoding");
  SITREP_FUZZ_CHECK(
      again.GetReflection()->GetUnknownFields(again).empty() &&
          again.update().GetReflection()->GetUnknownFields(again.update())
              .empty(),
      "unknown fields survived the parse step");
  // At any depth (the parse step finds them on the wire: a batch's
  // updates, locations, areas): dropping them would change nothing.
  sitrep::v1::PublishRequest dropped = request;
  dropped.DiscardUnknownFields();
  SITREP_FUZZ_CHECK(dropped.ByteSizeLong() == request.ByteSizeLong(),
                    "unknown fields survived the parse step inside");
  sitrep::fuzz::CheckValidatorContract(request.update());
  return 0;
}
