#include "server/log/jetstream_nats.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/log/append_rules.h"

namespace sitrep {
namespace jetstream {
namespace {

// The subject token of an enum value: MISSION_KFOR -> kfor.
template <typename Enum>
std::string Token(const std::string& name, Enum value) {
  if (name.empty()) return absl::StrCat(static_cast<int>(value));
  absl::string_view rest = name;
  const size_t underscore = rest.find('_');
  if (underscore != absl::string_view::npos) rest.remove_prefix(underscore + 1);
  return absl::AsciiStrToLower(rest);
}

}  // namespace

std::string NatsErrorText(absl::string_view what, natsStatus status,
                          jsErrCode code) {
  std::string text = absl::StrCat(what, ": ", natsStatus_GetText(status));
  // The library's detail, when it says more than the status.
  const char* last = nats_GetLastError(nullptr);
  if (last != nullptr && !absl::StrContains(last, natsStatus_GetText(status))) {
    absl::StrAppend(&text, " (", last, ")");
  }
  if (code != 0) absl::StrAppend(&text, " [JetStream error ", code, "]");
  return text;
}

std::string SubjectOf(const std::string& prefix,
                      const v1::SituationUpdate& update) {
  return absl::StrCat(prefix, ".",
                      Token(v1::Mission_Name(update.mission()), update.mission()),
                      ".", Token(v1::Role_Name(update.role()), update.role()),
                      ".",
                      Token(v1::Severity_Name(update.severity()),
                            update.severity()));
}

std::string EventKey(const v1::SituationUpdate& update) {
  return absl::StrCat(update.publisher().size(), ":", update.publisher(),
                      update.event_id());
}

absl::StatusOr<LogEntryPtr> EntryFromMessage(natsMsg* msg, uint64_t sequence) {
  std::string previous;
  const char* encoded = nullptr;
  if (natsMsgHeader_Get(msg, kPreviousHeader, &encoded) == NATS_OK &&
      encoded != nullptr && !absl::Base64Unescape(encoded, &previous)) {
    return absl::DataLossError(absl::StrCat(
        "the previous incident update of sequence ", sequence,
        " in the stream is not base64"));
  }
  absl::StatusOr<LogEntryPtr> entry = DecodeLogEntry(
      absl::string_view(natsMsg_GetData(msg),
                        static_cast<size_t>(natsMsg_GetDataLength(msg))),
      absl::StrCat("the update with sequence ", sequence), previous);
  if (entry.ok() && (*entry)->sequence() != sequence) {
    return absl::DataLossError(absl::StrCat(
        "stream message ", sequence, " holds an update with sequence ",
        (*entry)->sequence(), ": it was not appended by sitrep"));
  }
  return entry;
}

void DestroyMessages(std::vector<natsMsg*>* messages) {
  for (natsMsg* msg : *messages) natsMsg_Destroy(msg);
  messages->clear();
}

std::string IncidentKey(absl::string_view incident_id) {
  return absl::BytesToHexString(incident_id);
}

}  // namespace jetstream
}  // namespace sitrep
