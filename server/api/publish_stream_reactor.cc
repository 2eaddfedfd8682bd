#include "server/api/publish_stream_reactor.h"

#include <utility>

#include "server/api/grpc_status.h"

namespace sitrep {

PublishStreamReactor::PublishStreamReactor(PublishFunction publish,
                                           StreamLease lease, size_t window)
    : publish_(std::move(publish)),
      lease_(std::move(lease)),
      window_(window < 1 ? 1 : window) {
  Drive();
}

void PublishStreamReactor::OnReadDone(bool ok) {
  if (ok) {
    uint64_t index;
    {
      absl::MutexLock lock(&mu_);
      index = next_index_++;
      slots_.emplace_back();
    }
    // read_in_flight_ stays set until the request has been handed on, so no
    // other thread starts the next read into request_ meanwhile, and appends
    // reach the log in the order of the stream.
    v1::PublishRequest request = std::move(request_);
    request_.Clear();
    publish_(std::move(request),
             [this, index](absl::StatusOr<PublishResult> result) {
               Complete(index, std::move(result));
             });
  }
  {
    absl::MutexLock lock(&mu_);
    read_in_flight_ = false;
    if (!ok) reads_done_ = true;
  }
  Drive();
}

void PublishStreamReactor::Complete(uint64_t index,
                                    absl::StatusOr<PublishResult> result) {
  {
    absl::MutexLock lock(&mu_);
    Slot& slot = slots_[index - slots_base_];
    slot.ready = true;
    slot.ack.set_index(index);
    if (result.ok()) {
      const v1::SituationUpdate& update = result->entry->update;
      slot.ack.set_sequence(update.sequence());
      slot.ack.set_duplicate(result->duplicate);
      slot.ack.set_event_id(update.event_id());
      slot.ack.set_incident_version(update.incident_version());
    } else {
      *slot.ack.mutable_error() = ToErrorStatus(result.status());
    }
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

void PublishStreamReactor::OnDone() { delete this; }

void PublishStreamReactor::Drive() {
  bool start_read = false;
  bool start_write = false;
  bool finish = false;
  grpc::Status finish_status;
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    if (cancelled_) {
      // Drop unwritten acks; wait only for the appends still running.
      while (!slots_.empty() && slots_.front().ready) {
        slots_.pop_front();
        ++slots_base_;
      }
    }
    if (!cancelled_ && !write_in_flight_ && !slots_.empty() &&
        slots_.front().ready) {
      writing_ = std::move(slots_.front().ack);
      slots_.pop_front();
      ++slots_base_;
      write_in_flight_ = true;
      start_write = true;
    }
    if (!cancelled_ && !reads_done_ && !read_in_flight_ &&
        slots_.size() < window_) {
      read_in_flight_ = true;
      start_read = true;
    }
    if ((reads_done_ || cancelled_) && slots_.empty() && !write_in_flight_ &&
        !read_in_flight_) {
      finished_ = true;
      finish = true;
      if (cancelled_) {
        finish_status = grpc::Status(grpc::StatusCode::CANCELLED,
                                     "the client cancelled the stream");
      }
    }
  }
  // No buffer_hint on acks: a corked write may wait for a next write that
  // this reactor only starts after OnWriteDone (seen as a hung import).
  if (start_write) StartWrite(&writing_);
  if (start_read) StartRead(&request_);
  if (finish) Finish(finish_status);
}

}  // namespace sitrep
