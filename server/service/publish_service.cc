#include "server/service/publish_service.h"

#include <utility>

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
  std::vector<PublishLabels> labels;
  labels.reserve(requests.size());
  for (const v1::PublishRequest& request : requests) {
    labels.emplace_back(request);
  }
  // Requests over the rate limit are answered here; admitted[k] is the
  // position of the k-th request handed to the publisher.
  PublishResults results(requests.size());
  std::vector<size_t> admitted;
  admitted.reserve(requests.size());
  std::vector<v1::PublishRequest> admitted_requests;
  admitted_requests.reserve(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    absl::Status admission = rate_->Admit(caller.principal.name);
    if (!admission.ok()) {
      CountPublish(metrics_, labels[i], admission, received,
                   RejectReason::kRateLimited);
      results[i] = std::move(admission);
      continue;
    }
    admitted.push_back(i);
    admitted_requests.push_back(std::move(requests[i]));
  }
  auto complete = [caller_name = caller.principal.name, peer = caller.peer,
                   rpc = std::string(rpc), metrics = metrics_,
                   labels = std::move(labels), received,
                   results = std::move(results),
                   admitted = std::move(admitted),
                   done = std::move(done)](PublishResults published) mutable {
    for (size_t k = 0; k < admitted.size() && k < published.size(); ++k) {
      absl::StatusOr<PublishResult>& result = published[k];
      if (result.status().code() == absl::StatusCode::kPermissionDenied) {
        AuditDenied(rpc, caller_name, peer, result.status());
      } else if (result.ok() && !result->duplicate &&
                 result->entry->update.has_chain_exception()) {
        AuditChainException(rpc, caller_name, peer, result->entry->update);
      }
      CountPublish(metrics, labels[admitted[k]], result, received,
                   RejectReason::kOther);
      results[admitted[k]] = std::move(result);
    }
    done(std::move(results));
  };
  if (admitted_requests.empty()) {
    complete(PublishResults());
    return;
  }
  // The publisher calls back on the log's writer thread (or inline when it
  // rejects every request): hop to the completion executor either way.
  publisher_->Publish(
      std::move(admitted_requests), caller.principal,
      [completions = completions_,
       complete = std::move(complete)](PublishResults published) mutable {
        completions->Schedule(RunOnce(
            [complete = std::move(complete),
             published = std::move(published)]() mutable {
              complete(std::move(published));
            }));
      });
}

}  // namespace sitrep
