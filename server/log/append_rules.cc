#include "server/log/append_rules.h"

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/io/coded_stream.h"
#include "server/incident/incident_readers.h"
#include "server/incident/update_status.h"
#include "server/log/incident_thread.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace sitrep {
namespace {

// The deterministic encoding of `update` without its server-set fields.
// `without_occurred_at`: also ignore occurred_at, which the log fills in
// from received_at when the publisher left it unset.
std::string ContentBytes(const v1::SituationUpdate& update,
                         bool without_occurred_at) {
  v1::SituationUpdate content = update;
  content.clear_sequence();
  content.clear_received_at();
  content.clear_incident_version();
  // A location the server carried forward was not the publisher's.
  if (content.location_carried()) content.clear_location();
  content.clear_location_carried();
  if (content.status_carried()) content.clear_status();
  content.clear_status_carried();
  if (without_occurred_at) content.clear_occurred_at();
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream raw(&bytes);
    google::protobuf::io::CodedOutputStream out(&raw);
    out.SetSerializationDeterministic(true);
    content.SerializeToCodedStream(&out);
  }
  return bytes;
}

// A refusal of a thread transition, as the publisher may see it: one that
// may read none of the thread's missions learns neither the incident's
// version nor its state nor its lead (issue 17, M-1). Whether the id is
// taken cannot be hidden from a KIND_NEW, but nothing more is said.
absl::Status RefusalForPublisher(const absl::Status& refusal,
                                 const IncidentRecord* current,
                                 const AppendRequest& request) {
  const MissionSet rights = request.publisher_read_missions;
  if (rights.IsAll()) return refusal;
  const std::string& id = request.update.incident_id();
  if (current == nullptr) {
    if (request.update.kind() == v1::KIND_NEW) return refusal;
  } else if (current->latest != nullptr &&
             ReaderMaySee(current->state, current->latest->update.mission(),
                          rights)) {
    return refusal;
  } else if (request.update.kind() == v1::KIND_NEW) {
    return absl::FailedPreconditionError(absl::StrCat(
        "update.incident_id: '", id,
        "' is taken by an incident you may not read; open yours with a new "
        "incident_id"));
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "update.incident_id: incident '", id,
      "' not found or not permitted; `sitrep situation` lists the incidents "
      "you may read (open a new one with KIND_NEW)"));
}

}  // namespace

absl::Status CheckAppendRequest(const AppendRequest& request) {
  if (request.update.publisher().empty()) {
    return absl::InvalidArgumentError(
        "update.publisher: must be set by the server before appending");
  }
  if (request.update.event_id().empty()) {
    return absl::InvalidArgumentError(
        "update.event_id: must be set (the server makes one when absent) "
        "before appending");
  }
  return absl::OkStatus();
}

absl::Status CheckSameContent(const v1::SituationUpdate& stored,
                              const v1::SituationUpdate& request) {
  return CheckSameContent(stored, request, request.has_occurred_at());
}

absl::Status CheckSameContent(const v1::SituationUpdate& stored,
                              const v1::SituationUpdate& request,
                              bool request_had_occurred_at) {
  const bool defaulted = !request_had_occurred_at;
  if (ContentBytes(stored, defaulted) == ContentBytes(request, defaulted)) {
    return absl::OkStatus();
  }
  return absl::AlreadyExistsError(absl::StrCat(
      "update.event_id: '", request.event_id(),
      "' was already used by this publisher for a different update (sequence ",
      stored.sequence(), ")"));
}

absl::Time NextReceivedAt(absl::Time now, absl::Time last) {
  const absl::Time truncated = absl::FromUnixMicros(absl::ToUnixMicros(now));
  return truncated > last ? truncated : last;
}

absl::StatusOr<PreparedAppend> PrepareAppend(AppendRequest&& request,
                                             const IncidentRecord* current,
                                             uint64_t sequence,
                                             absl::Time received_at,
                                             AppendUndo* undo) {
  const bool threaded = !request.update.incident_id().empty();
  if (threaded) {
    absl::Status status = CheckIncidentTransition(
        current, request.update, request.expected_incident_version);
    if (!status.ok()) return RefusalForPublisher(status, current, request);
  }
  v1::SituationUpdate stored = std::move(request.update);
  AppendUndo ignored;
  if (undo == nullptr) undo = &ignored;
  undo->sequence = stored.sequence();
  undo->incident_version = stored.incident_version();
  undo->had_received_at = stored.has_received_at();
  undo->received_at_seconds = stored.received_at().seconds();
  undo->received_at_nanos = stored.received_at().nanos();
  undo->occurred_at_filled = !stored.has_occurred_at();
  SetServerFields(sequence, received_at,
                  threaded ? NextIncidentVersion(current) : 0, &stored);
  // An incident keeps its place until an update sets a new one: a follow-up
  // that leaves the location out is stored with the incident's, so filters
  // by municipality or area, history and the situation keep it there.
  if (current != nullptr && LeavesLocationOut(stored) &&
      !IsEmptyLocation(current->state.location())) {
    undo->location_replaced = true;
    undo->had_location = stored.has_location();
    undo->location.Swap(stored.mutable_location());
    undo->location_carried = stored.location_carried();
    *stored.mutable_location() = current->state.location();
    stored.set_location_carried(true);
  }
  // Likewise an exercise (or test) stays one: a follow-up that does not say
  // its status takes the incident's, so it never counts as real.
  if (current != nullptr && current->latest != nullptr &&
      stored.status() == v1::STATUS_UNSPECIFIED) {
    const v1::Status status = EffectiveStatus(current->latest->update);
    if (status != v1::STATUS_ACTUAL) {
      undo->status_replaced = true;
      undo->status_carried = stored.status_carried();
      stored.set_status(status);
      stored.set_status_carried(true);
    }
  }
  PreparedAppend prepared;
  prepared.entry = MakeLogEntry(
      std::move(stored),
      current != nullptr ? FilterView(current->latest->update) : nullptr);
  if (threaded) prepared.record = AppliedToIncident(current, prepared.entry);
  return prepared;
}

v1::SituationUpdate UpdateBeforePrepare(const v1::SituationUpdate& stored,
                                        const AppendUndo& undo) {
  v1::SituationUpdate update = stored;
  update.set_sequence(undo.sequence);
  update.set_incident_version(undo.incident_version);
  if (undo.had_received_at) {
    update.mutable_received_at()->set_seconds(undo.received_at_seconds);
    update.mutable_received_at()->set_nanos(undo.received_at_nanos);
  } else {
    update.clear_received_at();
  }
  if (undo.occurred_at_filled) update.clear_occurred_at();
  if (undo.location_replaced) {
    update.clear_location();
    if (undo.had_location) *update.mutable_location() = undo.location;
    update.set_location_carried(undo.location_carried);
  }
  if (undo.status_replaced) {
    update.set_status(v1::STATUS_UNSPECIFIED);
    update.set_status_carried(undo.status_carried);
  }
  return update;
}

absl::StatusOr<PreparedAppend> PrepareAppend(const AppendRequest& request,
                                             const IncidentRecord* current,
                                             uint64_t sequence,
                                             absl::Time received_at) {
  AppendRequest copy = request;
  return PrepareAppend(std::move(copy), current, sequence, received_at);
}

void SetServerFields(uint64_t sequence, absl::Time received_at,
                     uint64_t incident_version, v1::SituationUpdate* update) {
  update->set_sequence(sequence);
  const int64_t micros = absl::ToUnixMicros(received_at);
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {
    rest += 1000000;
    --seconds;
  }
  update->mutable_received_at()->set_seconds(seconds);
  update->mutable_received_at()->set_nanos(static_cast<int32_t>(rest * 1000));
  update->set_incident_version(incident_version);
  // "When unset, the server uses received_at" (SituationUpdate.occurred_at).
  if (!update->has_occurred_at()) {
    *update->mutable_occurred_at() = update->received_at();
  }
}

absl::string_view EncodedUpdate(const LogEntry& entry) {
  return entry.encoded;
}

int64_t ReceivedAtMicros(const v1::SituationUpdate& update) {
  return update.received_at().seconds() * 1000000 +
         update.received_at().nanos() / 1000;
}

int64_t CeilMicros(absl::Time time) {
  int64_t micros = absl::ToUnixMicros(time);
  if (absl::FromUnixMicros(micros) < time) ++micros;
  return micros;
}

std::string NewLogId() {
  std::random_device random;
  std::string id;
  for (int i = 0; i < 4; ++i) absl::StrAppendFormat(&id, "%08x", random());
  return id;
}

absl::StatusOr<LogEntryPtr> DecodeLogEntry(absl::string_view body,
                                           absl::string_view what,
                                           absl::string_view previous) {
  v1::SituationUpdate update;
  if (!update.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return absl::DataLossError(
        absl::StrCat("cannot decode ", what, " stored in the event log"));
  }
  std::shared_ptr<v1::SituationUpdate> previous_update;
  if (!previous.empty()) {
    previous_update = std::make_shared<v1::SituationUpdate>();
    if (!previous_update->ParseFromArray(previous.data(),
                                         static_cast<int>(previous.size()))) {
      return absl::DataLossError(absl::StrCat(
          "cannot decode the previous incident update of ", what));
    }
  }
  // Rows stored before the status existed (a JetStream stream, a SQLite
  // file not upgraded yet) read as the upgraded update; it is encoded anew.
  if (previous_update != nullptr) UpgradeExerciseCategory(previous_update.get());
  if (UpgradeExerciseCategory(&update)) {
    return MakeLogEntry(std::move(update), std::move(previous_update));
  }
  // `body` is the stored encoding: kept, not encoded again.
  return MakeLogEntryFromEncoded(std::move(update), body,
                                 std::move(previous_update));
}

}  // namespace sitrep
