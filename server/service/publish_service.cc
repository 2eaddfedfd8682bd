#include "server/service/publish_service.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "server/auth/audit.h"

namespace sitrep {
namespace {

// The labels of a publish request, taken before the request moves on.
struct PublishLabels {
  int mission = 0;
  int role = 0;
  int severity = 0;

  explicit PublishLabels(const v1::PublishRequest& request)
      : mission(request.update().mission()),
        role(request.update().role()),
        severity(request.update().severity()) {}
};

// Counts one publish request's outcome: stored or duplicate (with its
// duration), or rejected (with the refusal's reason when it is one).
void CountPublish(Metrics* metrics, const PublishLabels& labels,
                  const absl::StatusOr<PublishResult>& result,
                  absl::Time received, RejectReason when_exhausted) {
  if (metrics == nullptr) return;
  if (result.ok()) {
    metrics->RecordPublish(labels.mission, labels.role, labels.severity,
                           result->duplicate ? PublishOutcome::kDuplicate
                                             : PublishOutcome::kStored);
    if (!result->duplicate && result->entry->update.has_chain_exception()) {
      metrics->RecordChainException(labels.mission);
    }
    metrics->ObservePublishDuration(absl::Now() - received);
    return;
  }
  metrics->RecordPublish(labels.mission, labels.role, labels.severity,
                         PublishOutcome::kRejected);
  metrics->RecordRefusal(result.status(), when_exhausted);
}

// A task that runs exactly once: when called, or else when destroyed (an
// executor that was shut down drops its tasks), so that a publish's `done`
// is never lost and no stream waits forever for its ack.
class RunOnce {
 public:
  explicit RunOnce(absl::AnyInvocable<void()> task) : task_(std::move(task)) {}
  RunOnce(RunOnce&& other) noexcept : task_(std::move(other.task_)) {
    other.task_ = nullptr;
  }
  RunOnce& operator=(RunOnce&&) = delete;
  ~RunOnce() {
    if (task_) task_();
  }
  void operator()() {
    absl::AnyInvocable<void()> task = std::move(task_);
    task_ = nullptr;
    task();
  }

 private:
  absl::AnyInvocable<void()> task_;
};

// What a call's completion needs, in one allocation: the closures that
// carry it to the completion thread hold only this pointer, so they fit
// AnyInvocable's inline storage instead of each boxing and moving every
// field (callgrind: this layer's cost per call, docs/performance.md).
struct Completion {
  std::string caller_name;
  std::string peer;
  std::string rpc;
  Metrics* metrics = nullptr;
  std::vector<PublishLabels> labels;
  absl::Time received;
  // One per request; the refused ones are filled by Publish.
  PublishResults results;
  // The index in `results` of each request the publisher was given; empty
  // when every request was admitted (the common case).
  std::vector<size_t> admitted;
  PublishResults published;
  PublishCallback done;

  // Audits and counts `published`, then answers. Runs once.
  void Run() {
    for (size_t k = 0; k < published.size(); ++k) {
      const size_t i = admitted.empty() ? k : admitted[k];
      if (i >= results.size()) break;
      absl::StatusOr<PublishResult>& result = published[k];
      if (result.status().code() == absl::StatusCode::kPermissionDenied) {
        AuditDenied(rpc, caller_name, peer, result.status());
      } else if (result.ok() && !result->duplicate &&
                 result->entry->update.has_chain_exception()) {
        AuditChainException(rpc, caller_name, peer, result->entry->update);
      }
      CountPublish(metrics, labels[i], result, received, RejectReason::kOther);
      results[i] = std::move(result);
    }
    done(std::move(results));
  }
};

}  // namespace

PublishService::PublishService(Publisher* publisher, PublishRateLimiter* rate,
                               Options options)
    : publisher_(publisher),
      rate_(rate),
      metrics_(options.metrics),
      own_completions_(options.completions == nullptr
                           ? std::make_unique<ThreadPoolExecutor>(1)
                           : nullptr),
      completions_(options.completions != nullptr ? options.completions
                                                  : own_completions_.get()) {}

PublishService::~PublishService() = default;

void PublishService::CountRejected(const absl::Status& refused,
                                   absl::Time received,
                                   const v1::PublishRequest& labels,
                                   size_t requests) const {
  for (size_t i = 0; i < requests; ++i) {
    CountPublish(metrics_, PublishLabels(labels), refused, received,
                 RejectReason::kOther);
  }
}

void PublishService::Publish(const CallIdentity& caller, absl::string_view rpc,
                             std::vector<v1::PublishRequest> requests,
                             absl::Time received, PublishCallback done) {
  auto completion = std::make_unique<Completion>();
  Completion& c = *completion;
  c.labels.reserve(requests.size());
  for (const v1::PublishRequest& request : requests) {
    c.labels.emplace_back(request);
  }
  c.results.resize(requests.size());
  // Every request takes a token; one over the limit is refused here and the
  // others go on. `admitted` is built only once a request was refused.
  bool refused = false;
  for (size_t i = 0; i < requests.size(); ++i) {
    absl::Status admission = rate_->Admit(caller.principal.name);
    if (admission.ok()) {
      if (refused) c.admitted.push_back(i);
      continue;
    }
    if (!refused) {
      refused = true;
      c.admitted.reserve(requests.size());
      for (size_t j = 0; j < i; ++j) c.admitted.push_back(j);
    }
    CountPublish(metrics_, c.labels[i], admission, received,
                 RejectReason::kRateLimited);
    c.results[i] = std::move(admission);
  }
  c.caller_name = caller.principal.name;
  c.peer = caller.peer;
  c.rpc = std::string(rpc);
  c.metrics = metrics_;
  c.received = received;
  c.done = std::move(done);
  if (refused) {
    if (c.admitted.empty()) {
      c.Run();
      return;
    }
    std::vector<v1::PublishRequest> admitted_requests;
    admitted_requests.reserve(c.admitted.size());
    for (size_t i : c.admitted) {
      admitted_requests.push_back(std::move(requests[i]));
    }
    requests = std::move(admitted_requests);
  }
  // The publisher calls back on the log's writer thread (or inline when it
  // rejects every request): hop to the completion executor either way.
  publisher_->Publish(
      std::move(requests), caller.principal,
      [completions = completions_, completion = std::move(completion)](
          PublishResults published) mutable {
        completion->published = std::move(published);
        completions->Schedule(RunOnce(
            [completion = std::move(completion)]() mutable {
              completion->Run();
            }));
      });
}

}  // namespace sitrep
