#include "server/api/publish_stream_reactor.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/api/grpc_status.h"
#include "server/api/raw_messages.h"
#include "server/wire/request_parse.h"
#include "server/wire/wire_check.h"

namespace sitrep {
namespace {

// PublishRequest.batch: at most this many requests per message.
constexpr size_t kMaxBatch = 1024;

void FillAck(uint64_t index, const absl::StatusOr<PublishResult>& result,
             v1::PublishAck* ack) {
  ack->set_index(index);
  if (result.ok()) {
    const v1::SituationUpdate& update = result->entry->update;
    ack->set_sequence(update.sequence());
    ack->set_duplicate(result->duplicate);
    ack->set_event_id(update.event_id());
    ack->set_incident_version(update.incident_version());
  } else {
    *ack->mutable_error() = ToErrorStatus(result.status());
  }
}

// Why a whole batch message is refused, or OK.
absl::Status CheckBatchMessage(const v1::PublishRequest& request) {
  if (request.has_update() || request.has_expected_incident_version()) {
    return absl::InvalidArgumentError(
        "batch: a message with a batch carries its updates inside the batch "
        "only; unset update and expected_incident_version next to it");
  }
  if (static_cast<size_t>(request.batch_size()) > kMaxBatch) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch: ", request.batch_size(),
                     " requests in one message; at most ", kMaxBatch));
  }
  return absl::OkStatus();
}

}  // namespace

PublishStreamReactor::PublishStreamReactor(PublishFunction publish,
                                           RefuseFunction refuse,
                                           StreamLease lease, size_t window)
    : publish_(std::move(publish)),
      refuse_(std::move(refuse)),
      lease_(std::move(lease)),
      revoke_target_(std::make_shared<RevokeTarget>()),
      window_(window, kMaxOutstandingBytes) {
  {
    absl::MutexLock lock(&revoke_target_->mu);
    revoke_target_->reactor = this;
  }
  Drive();
}

void PublishStreamReactor::HoldGrant(StreamGrants* grants, StreamGrant grant) {
  grant_ = grants->Add(
      std::move(grant),
      [target = revoke_target_](const absl::Status& status) {
        // Finish never runs OnDone on the calling thread (gRPC schedules
        // it), so holding target->mu across Revoke cannot deadlock with it.
        absl::MutexLock lock(&target->mu);
        if (target->reactor != nullptr) target->reactor->Revoke(status);
      });
}

void PublishStreamReactor::Revoke(const absl::Status& status) {
  {
    absl::MutexLock lock(&mu_);
    if (finished_ || revoked_) return;
    revoked_ = true;
    revoked_status_ = status;
  }
  Drive();
}

void PublishStreamReactor::OnReadDone(bool ok) {
  // read_in_flight_ stays set until the requests have been handed on, so no
  // other thread starts the next read into request_ meanwhile, and appends
  // reach the log in the order of the stream.
  if (ok) {
    absl::MutexLock lock(&mu_);
    // A revoked stream publishes nothing more.
    if (revoked_) ok = false;
  }
  if (ok) PublishMessage();
  {
    absl::MutexLock lock(&mu_);
    read_in_flight_ = false;
    if (!ok) reads_done_ = true;
  }
  Drive();
}

void PublishStreamReactor::PublishMessage() {
  std::string bytes;
  v1::PublishRequest request;
  absl::Status parsed = CopyBytes(request_, &bytes)
                            ? ParseRequest(bytes, &request)
                            : absl::InternalError("could not read a message");
  request_.Clear();
  if (!parsed.ok()) {
    PublishUnparsed(bytes, parsed);
    return;
  }
  const bool batched = request.batch_size() > 0;
  const size_t requests = batched ? request.batch_size() : 1;
  const uint64_t message = AddSlot(requests, batched, bytes.size());
  if (!batched) {
    std::vector<v1::PublishRequest> one;
    one.push_back(std::move(request));
    publish_(std::move(one), [this, message](PublishResults results) {
      Complete(message, std::move(results));
    });
    return;
  }
  if (absl::Status refused = CheckBatchMessage(request); !refused.ok()) {
    refuse_(refused, requests);
    Complete(message, PublishResults(requests, refused));
    return;
  }
  std::vector<v1::PublishRequest> batch(
      std::make_move_iterator(request.mutable_batch()->begin()),
      std::make_move_iterator(request.mutable_batch()->end()));
  publish_(std::move(batch), [this, message](PublishResults results) {
    Complete(message, std::move(results));
  });
}

void PublishStreamReactor::PublishUnparsed(absl::string_view bytes,
                                           const absl::Status& parsed) {
  absl::StatusOr<std::vector<TopLevelField>> fields = SplitTopLevel(bytes);
  if (!fields.ok()) {
    EndUnframed(parsed);
    return;
  }
  // A batch whose top level is well framed: each entry is a request of its
  // own, parsed alone, so that only the entries that do not parse fail
  // (naming their field as a lone request's would: "update.headline").
  std::vector<absl::string_view> entries;
  bool only_batch = true;
  for (const TopLevelField& field : *fields) {
    if (field.number == v1::PublishRequest::kBatchFieldNumber &&
        field.wire_type == 2) {
      entries.push_back(field.payload);
    } else if ((field.number == v1::PublishRequest::kUpdateFieldNumber &&
                field.wire_type == 2) ||
               (field.number ==
                    v1::PublishRequest::kExpectedIncidentVersionFieldNumber &&
                field.wire_type == 0)) {
      only_batch = false;
    }
  }
  const size_t requests = std::max<size_t>(entries.size(), 1);
  const uint64_t message = AddSlot(requests, !entries.empty(), bytes.size());
  if (entries.empty() || !only_batch || entries.size() > kMaxBatch) {
    // The message fails as a whole, like a batch CheckBatchMessage refuses.
    refuse_(parsed, requests);
    Complete(message, PublishResults(requests, parsed));
    return;
  }
  PublishResults results(requests);
  std::vector<v1::PublishRequest> good;
  std::vector<size_t> good_at;
  for (size_t i = 0; i < entries.size(); ++i) {
    v1::PublishRequest entry;
    if (absl::Status status = ParseRequest(entries[i], &entry); !status.ok()) {
      refuse_(status, 1);
      results[i] = std::move(status);
      continue;
    }
    good.push_back(std::move(entry));
    good_at.push_back(i);
  }
  if (good.empty()) {
    Complete(message, std::move(results));
    return;
  }
  publish_(std::move(good),
           [this, message, results = std::move(results),
            good_at = std::move(good_at)](PublishResults published) mutable {
             for (size_t k = 0; k < good_at.size() && k < published.size();
                  ++k) {
               results[good_at[k]] = std::move(published[k]);
             }
             Complete(message, std::move(results));
           });
}

uint64_t PublishStreamReactor::AddSlot(size_t requests, bool batched,
                                       size_t bytes) {
  absl::MutexLock lock(&mu_);
  const uint64_t message = slots_base_ + slots_.size();
  Slot& slot = slots_.emplace_back();
  slot.first_index = next_index_;
  slot.requests = requests;
  slot.batched = batched;
  slot.bytes = bytes;
  next_index_ += requests;
  window_.Add(requests, bytes);
  return message;
}

void PublishStreamReactor::EndUnframed(const absl::Status& parsed) {
  refuse_(parsed, 1);
  absl::MutexLock lock(&mu_);
  broken_ = absl::InvalidArgumentError(absl::StrCat(
      parsed.message(), "; request ", next_index_,
      " of the stream cannot be framed, so the stream ends after the acks "
      "of the requests before it"));
  reads_done_ = true;
}

void PublishStreamReactor::Complete(uint64_t message, PublishResults results) {
  {
    absl::MutexLock lock(&mu_);
    Slot& slot = slots_[message - slots_base_];
    if (results.size() != slot.requests) {
      results.resize(slot.requests,
                     absl::InternalError("the publisher lost the result"));
    }
    if (slot.batched) {
      for (size_t i = 0; i < results.size(); ++i) {
        FillAck(slot.first_index + i, results[i], slot.ack.add_batch());
      }
    } else {
      FillAck(slot.first_index, results.front(), &slot.ack);
    }
    slot.completed = true;
  }
  Drive();
}

void PublishStreamReactor::OnWriteDone(bool ok) {
  {
    absl::MutexLock lock(&mu_);
    write_in_flight_ = false;
    if (!ok) cancelled_ = true;  // The client is gone; stop writing.
  }
  Drive();
}

void PublishStreamReactor::OnCancel() {
  {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
  }
  Drive();
}

void PublishStreamReactor::OnDone() {
  grant_.Reset();
  {
    absl::MutexLock lock(&revoke_target_->mu);
    revoke_target_->reactor = nullptr;
  }
  delete this;
}

void PublishStreamReactor::Drive() {
  bool start_read = false;
  bool start_write = false;
  bool finish = false;
  grpc::Status finish_status;
  v1::PublishAck ack;
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    if (cancelled_ || revoked_) {
      // Drop unwritten acks; wait only for the appends still running.
      while (!slots_.empty() && slots_.front().completed) {
        window_.Remove(slots_.front().requests, slots_.front().bytes);
        slots_.pop_front();
        ++slots_base_;
      }
    }
    if (!cancelled_ && !revoked_ && !write_in_flight_ && !slots_.empty() &&
        slots_.front().completed) {
      ack = std::move(slots_.front().ack);
      window_.Remove(slots_.front().requests, slots_.front().bytes);
      slots_.pop_front();
      ++slots_base_;
      write_in_flight_ = true;
      start_write = true;
    }
    if (!cancelled_ && !revoked_ && !reads_done_ && !read_in_flight_ &&
        window_.MayRead()) {
      read_in_flight_ = true;
      start_read = true;
    }
    // A revoked stream does not wait for the client's next message: the
    // read in flight completes (not ok) after Finish.
    if ((reads_done_ || cancelled_ || revoked_) && slots_.empty() &&
        !write_in_flight_ && (!read_in_flight_ || revoked_)) {
      finished_ = true;
      finish = true;
      if (revoked_) {
        finish_status = ToGrpcStatus(revoked_status_);
      } else if (cancelled_) {
        finish_status = grpc::Status(grpc::StatusCode::CANCELLED,
                                     "the client cancelled the stream");
      } else if (!broken_.ok()) {
        finish_status = ToGrpcStatus(broken_);
      }
    }
  }
  // No buffer_hint on acks: a corked write may wait for a next write that
  // this reactor only starts after OnWriteDone (seen as a hung import).
  if (start_write) {
    writing_ = SerializeToByteBuffer(ack);
    StartWrite(&writing_);
  }
  if (start_read) StartRead(&request_);
  if (finish) Finish(finish_status);
}

}  // namespace sitrep
