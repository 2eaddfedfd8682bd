// Publish and PublishStream as a hostile publisher sees them: arbitrary bytes
// parsed as a v1::PublishRequest (what gRPC hands the service), then the
// server's validator with municipality normalisation
// (server/ingest/validator.h, server/ingest/municipality.h).
//
// Seeds: corpus/publish_request/*.txtpb, encoded to the wire format when the
// ctest copies them (see run_fuzzer.sh).
#include <cstddef>
#include <cstdint>

#include "sitrep/v1/situation_feed.pb.h"
#include "tests/fuzz/validator_contract.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sitrep::v1::PublishRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  sitrep::fuzz::CheckValidatorContract(request.update());
  return 0;
}
