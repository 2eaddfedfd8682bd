#include "tests/cli/publishing.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/support/updates.h"

namespace sitrep::testing {

v1::PublishRequest PatrolRequest(const std::string& event_id) {
  v1::PublishRequest request;
  *request.mutable_update() = PatrolUpdate(v1::MISSION_KFOR, event_id);
  request.mutable_update()->set_event_id(event_id);
  request.mutable_update()->set_description(absl::StrCat("Report ", event_id));
  return request;
}

uint64_t PublishRetrying(v1::SituationFeed::Stub& stub,
                         const std::string& event_id, int attempts) {
  const v1::PublishRequest request = PatrolRequest(event_id);
  grpc::Status status;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(30));
    v1::PublishResponse response;
    status = stub.Publish(&context, request, &response);
    if (status.ok()) return response.sequence();
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE &&
        status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
      break;
    }
  }
  ADD_FAILURE() << "publish " << event_id << ": " << status.error_code()
                << " " << status.error_message();
  return 0;
}

PublishBurst::PublishBurst(v1::SituationFeed::Stub* stub, int threads,
                           std::string prefix, std::vector<PublishMode> modes)
    : stub_(stub), prefix_(std::move(prefix)), modes_(std::move(modes)) {
  {
    absl::MutexLock lock(&mu_);
    running_ = threads;
  }
  for (int id = 0; id < threads; ++id) threads_.emplace_back(&PublishBurst::Run, this, id);
}

PublishBurst::~PublishBurst() { Stop(); }

void PublishBurst::Run(int id) {
  switch (modes_[id % modes_.size()]) {
    case PublishMode::kUnary:
      RunUnary(id);
      break;
    case PublishMode::kStream:
      RunStream(id, 1);
      break;
    case PublishMode::kStreamBatch:
      RunStream(id, kBurstBatchSize);
      break;
  }
  absl::MutexLock lock(&mu_);
  --running_;
}

bool PublishBurst::Record(const std::string& event_id, uint64_t sequence) {
  absl::MutexLock lock(&mu_);
  acked_[event_id] = sequence;
  return !stop_;
}

void PublishBurst::RunUnary(int id) {
  for (int n = 0;; ++n) {
    {
      absl::MutexLock lock(&mu_);
      if (stop_) break;
    }
    const std::string event_id = absl::StrCat(prefix_, id, "-", n);
    const v1::PublishRequest request = PatrolRequest(event_id);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    v1::PublishResponse response;
    if (!stub_->Publish(&context, request, &response).ok()) break;
    if (!Record(event_id, response.sequence())) break;
  }
}

void PublishBurst::RunStream(int id, int per_message) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(60));
  std::unique_ptr<grpc::ClientReaderWriter<v1::PublishRequest, v1::PublishAck>>
      stream = stub_->PublishStream(&context);
  for (int n = 0;;) {
    {
      absl::MutexLock lock(&mu_);
      if (stop_) break;
    }
    std::vector<std::string> event_ids;
    v1::PublishRequest message;
    for (int i = 0; i < per_message; ++i, ++n) {
      event_ids.push_back(absl::StrCat(prefix_, id, "-", n));
      if (per_message == 1) {
        message = PatrolRequest(event_ids.back());
      } else {
        *message.add_batch() = PatrolRequest(event_ids.back());
      }
    }
    v1::PublishAck ack;
    if (!stream->Write(message) || !stream->Read(&ack)) break;
    std::vector<v1::PublishAck> acks;
    if (per_message == 1) {
      acks.push_back(ack);
    } else {
      acks.assign(ack.batch().begin(), ack.batch().end());
    }
    // An ack with an error (the server is shutting down) stores nothing.
    bool failed = acks.size() != event_ids.size();
    for (size_t i = 0; i < acks.size() && !failed; ++i) {
      if (acks[i].has_error() || acks[i].event_id() != event_ids[i]) {
        failed = true;
        break;
      }
      if (!Record(event_ids[i], acks[i].sequence())) failed = true;
    }
    if (failed) break;
  }
  context.TryCancel();
}

bool PublishBurst::WaitForAcks(size_t count, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto enough = [this, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return acked_.size() >= count || running_ == 0;
  };
  mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
  return acked_.size() >= count;
}

bool PublishBurst::WaitForEnd(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto ended = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return running_ == 0; };
  return mu_.AwaitWithTimeout(absl::Condition(&ended), timeout);
}

void PublishBurst::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

std::map<std::string, uint64_t> PublishBurst::acked() const {
  absl::MutexLock lock(&mu_);
  return acked_;
}

}  // namespace sitrep::testing
