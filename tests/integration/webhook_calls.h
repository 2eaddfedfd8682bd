#ifndef SITREP_TESTS_INTEGRATION_WEBHOOK_CALLS_H_
#define SITREP_TESTS_INTEGRATION_WEBHOOK_CALLS_H_

// Helpers shared by the webhook integration tests: a webhooks file written
// for a test, and the updates a HttpReceiver got, decoded from the "json"
// format (a sitrep.v1.SubscribeResponse per POST). Header-only: each
// integration test is one executable.

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "sitrep/v1/situation_feed.pb.h"
#include "tests/support/http_receiver.h"

namespace sitrep::testing {

// Writes `json` to `path` (a webhooks file) and returns `path`.
inline std::string WriteFile(const std::string& path, const std::string& json) {
  std::ofstream out(path, std::ios::trunc);
  out << json;
  EXPECT_TRUE(out.good()) << path;
  return path;
}

// The body of one "json" POST; fails the test when it is not one.
inline v1::SubscribeResponse BatchOf(const HttpReceiver::Request& request) {
  v1::SubscribeResponse batch;
  EXPECT_TRUE(
      google::protobuf::util::JsonStringToMessage(request.body, &batch).ok())
      << request.body;
  return batch;
}

inline std::vector<uint64_t> SequencesOf(const HttpReceiver::Request& request) {
  const v1::SubscribeResponse batch = BatchOf(request);
  std::vector<uint64_t> sequences;
  for (const v1::SituationUpdate& update : batch.updates()) {
    sequences.push_back(update.sequence());
  }
  return sequences;
}

// The sequences of every request answered 2xx (acknowledged), in order.
inline std::vector<uint64_t> Delivered(
    const std::vector<HttpReceiver::Request>& requests) {
  std::vector<uint64_t> sequences;
  for (const HttpReceiver::Request& request : requests) {
    if (request.answered < 200 || request.answered > 299) continue;
    for (uint64_t s : SequencesOf(request)) sequences.push_back(s);
  }
  return sequences;
}

// Waits until `sequence` was delivered (acknowledged).
inline bool WaitDelivered(const HttpReceiver& receiver, uint64_t sequence) {
  return receiver.WaitUntil(
      [sequence](const std::vector<HttpReceiver::Request>& requests) {
        for (uint64_t s : Delivered(requests)) {
          if (s == sequence) return true;
        }
        return false;
      });
}

inline size_t CountAnswered(const std::vector<HttpReceiver::Request>& requests,
                            int status) {
  size_t count = 0;
  for (const HttpReceiver::Request& request : requests) {
    if (request.answered == status) ++count;
  }
  return count;
}

}  // namespace sitrep::testing

#endif  // SITREP_TESTS_INTEGRATION_WEBHOOK_CALLS_H_
