#include "client/update_json.h"

#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/json_input.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace sitrep::cli {

absl::StatusOr<sitrep::v1::PublishRequest> ParsePublishJson(absl::string_view json) {
  google::protobuf::Struct object;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &object);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a JSON object: ", std::string(status.message())));
  }
  // Short enum names and every wrong field at once: the same rules as the
  // flags (common/json_input.h).
  sitrep::v1::PublishRequest request;
  if (object.fields().count("update") > 0) {
    if (absl::Status s = ParseJsonInput(json, &request); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("not a PublishRequest: ", s.message()));
    }
    return request;
  }
  if (absl::Status s = ParseJsonInput(json, request.mutable_update()); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not a SituationUpdate (or a PublishRequest with \"update\"): ",
        s.message()));
  }
  return request;
}

std::string DeriveEventId(const sitrep::v1::PublishRequest& request) {
  sitrep::v1::PublishRequest copy = request;
  copy.mutable_update()->clear_event_id();
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream raw(&bytes);
    google::protobuf::io::CodedOutputStream out(&raw);
    // Map entries in key order: the same content, the same bytes.
    out.SetSerializationDeterministic(true);
    copy.SerializeToCodedStream(&out);
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return absl::StrCat(
      "imp-", absl::BytesToHexString(absl::string_view(
                  reinterpret_cast<const char*>(digest), 16)));
}

}  // namespace sitrep::cli
