#ifndef SITREP_TESTS_INTEGRATION_SITUATION_AS_OF_SCENARIO_H_
#define SITREP_TESTS_INTEGRATION_SITUATION_AS_OF_SCENARIO_H_

// GetSituation as_of against a real sitrepd, the same on every store
// (situation_as_of_test.cc: SQLite; tests/nats/jetstream_as_of_test.cc:
// JetStream): the scripted shift (tests/support/scripted_shift.h) is
// published on a clock the test moves, and the answer at every sequence,
// and at times between updates, must equal the test's own replay of the
// log (ListUpdates up to the point, folded by the test), before and after
// retention removed the oldest updates, with expiry judged at the point.

#include <functional>
#include <string>
#include <vector>

#include "google/protobuf/util/message_differencer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/feed_calls.h"
#include "tests/support/scripted_shift.h"
#include "tests/support/status_matchers.h"

namespace sitrep::testing {

inline absl::StatusOr<v1::Situation> GetSituationAt(
    v1::SituationFeed::Stub& stub, const v1::GetSituationRequest& request) {
  grpc::ClientContext context;
  context.set_deadline(CallDeadline());
  v1::Situation situation;
  grpc::Status status = stub.GetSituation(&context, request, &situation);
  if (!status.ok()) return ToAbslStatus(status);
  return situation;
}

inline v1::GetSituationRequest AtSequence(uint64_t sequence) {
  v1::GetSituationRequest request;
  request.set_as_of_sequence(sequence);
  return request;
}

inline v1::GetSituationRequest AtTime(absl::Time time) {
  v1::GetSituationRequest request;
  *request.mutable_as_of_time() = ToProtoTime(time);
  return request;
}

// Whether `situation` holds exactly `expected`, in order (a readable
// difference otherwise).
inline ::testing::AssertionResult SameIncidents(
    const v1::Situation& situation, const std::vector<v1::Incident>& expected) {
  if (situation.incidents_size() != static_cast<int>(expected.size())) {
    std::string ids;
    for (const auto& i : situation.incidents()) ids += i.incident_id() + " ";
    std::string want;
    for (const auto& i : expected) want += i.incident_id() + " ";
    return ::testing::AssertionFailure()
           << "incidents [" << ids << "], the replay has [" << want << "]";
  }
  for (size_t i = 0; i < expected.size(); ++i) {
    std::string diff;
    google::protobuf::util::MessageDifferencer differencer;
    differencer.ReportDifferencesToString(&diff);
    if (!differencer.Compare(expected[i], situation.incidents(i))) {
      return ::testing::AssertionFailure()
             << "incident " << expected[i].incident_id()
             << " differs from the replay: " << diff;
    }
  }
  return ::testing::AssertionSuccess();
}

// The updates of `log` up to and including `sequence`.
inline std::vector<v1::SituationUpdate> Prefix(
    const std::vector<v1::SituationUpdate>& log, uint64_t sequence) {
  std::vector<v1::SituationUpdate> prefix;
  for (const v1::SituationUpdate& u : log) {
    if (u.sequence() <= sequence) prefix.push_back(u);
  }
  return prefix;
}

// Publishes the shift on `server` (clock `clock`, at the shift's start),
// with the expiry sweep once road-2's expires_at passed; returns the whole
// log as ListUpdates reads it.
inline std::vector<v1::SituationUpdate> PublishShift(ClockedServer& server,
                                                     FakeClock& clock) {
  auto stub = server.NewStub();
  const std::vector<v1::SituationUpdate> shift = ScriptedShift(clock.Now());
  for (size_t i = 0; i < shift.size(); ++i) {
    MustPublish(*stub, shift[i]);
    clock.Advance(kShiftStep);
    // road-2 expires 25 minutes in: the sweep appends its EXPIRED at 40.
    if (i == 7) {
      EXPECT_EQ(server.server().RunExpiryNow(), 1u);
    }
  }
  absl::StatusOr<std::vector<v1::SituationUpdate>> log =
      ListAll(*stub, v1::ListUpdatesRequest());
  EXPECT_THAT(log, IsOk());
  return log.ok() ? *log : std::vector<v1::SituationUpdate>();
}

inline void RunAsOfScenario(std::function<void(ServerConfig&)> store) {
  const absl::Time start = absl::FromUnixSeconds(1796536800);  // 2026-12-06 06:00Z
  FakeClock clock(start);
  ClockedServer server(&clock, [&](ServerConfig& config) {
    if (store) store(config);
    // Not a divisor of the retention cut (8): only the snapshot retention
    // stores before its run covers the points from the new oldest one on.
    config.situation_snapshot_every = 5;
    config.retention_max_updates = 14;
  });
  ASSERT_TRUE(server.started());
  auto stub = server.NewStub();
  const std::vector<v1::SituationUpdate> log = PublishShift(server, clock);
  ASSERT_EQ(log.size(), 22u);  // 21 published + 1 EXPIRED
  const uint64_t head = log.back().sequence();

  // Every point of the log, each with expiry at its own update's time.
  for (uint64_t s = 0; s <= head; ++s) {
    absl::StatusOr<v1::Situation> past = GetSituationAt(*stub, AtSequence(s));
    ASSERT_THAT(past, IsOk()) << "as_of_sequence " << s;
    const absl::Time at =
        s == 0 ? absl::UnixEpoch() : FromProtoTime(log[s - 1].received_at());
    EXPECT_EQ(past->sequence(), s);
    EXPECT_EQ(FromProtoTime(past->as_of()), at) << "as_of_sequence " << s;
    EXPECT_TRUE(SameIncidents(*past, ReplaySituation(Prefix(log, s), at)))
        << "as_of_sequence " << s;
  }

  // Between two updates: expiry is judged at the time asked for. road-2
  // expires at 06:25; its EXPIRED update is appended only at 06:40.
  for (absl::Duration offset : {absl::Minutes(24), absl::Minutes(27),
                                absl::Minutes(41), absl::Minutes(62)}) {
    const absl::Time t = start + offset;
    absl::StatusOr<v1::Situation> past = GetSituationAt(*stub, AtTime(t));
    ASSERT_THAT(past, IsOk()) << offset;
    uint64_t upto = 0;
    for (const auto& u : log) {
      if (FromProtoTime(u.received_at()) <= t) upto = u.sequence();
    }
    EXPECT_EQ(past->sequence(), upto) << offset;
    EXPECT_EQ(FromProtoTime(past->as_of()), t);
    EXPECT_TRUE(SameIncidents(*past, ReplaySituation(Prefix(log, upto), t)))
        << offset;
  }
  {
    absl::StatusOr<v1::Situation> at_27 =
        GetSituationAt(*stub, AtTime(start + absl::Minutes(27)));
    ASSERT_THAT(at_27, IsOk());
    for (const auto& i : at_27->incidents()) EXPECT_NE(i.incident_id(), "road-2");
  }

  // The same filter as the live situation: at the head, equal to it.
  {
    v1::GetSituationRequest request = AtSequence(head);
    request.mutable_filter()->add_missions(v1::MISSION_KFOR);
    absl::StatusOr<v1::Situation> past = GetSituationAt(*stub, request);
    v1::Filter kfor;
    kfor.add_missions(v1::MISSION_KFOR);
    absl::StatusOr<v1::Situation> live = GetSituation(*stub, kfor);
    ASSERT_THAT(past, IsOk());
    ASSERT_THAT(live, IsOk());
    ASSERT_EQ(live->sequence(), head);
    std::vector<v1::Incident> want(live->incidents().begin(),
                                   live->incidents().end());
    EXPECT_TRUE(SameIncidents(*past, want));
  }

  // Errors that say what to do.
  EXPECT_THAT(GetSituationAt(*stub, AtSequence(head + 1)),
              StatusIs(absl::StatusCode::kOutOfRange, "beyond the head"));
  EXPECT_THAT(GetSituationAt(*stub, AtTime(clock.Now() + absl::Hours(1))),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "is in the future"));

  // Retention keeps the 14 newest updates; the snapshot it stores first
  // lets every point from the new oldest one on (and the one just before)
  // still be rebuilt, and those before say so.
  absl::StatusOr<uint64_t> removed = server.server().RunRetentionNow();
  ASSERT_THAT(removed, IsOk());
  ASSERT_EQ(*removed, head - 14);
  const uint64_t oldest = head - 13;
  uint64_t answered = 0;
  for (uint64_t s = 0; s <= head; ++s) {
    absl::StatusOr<v1::Situation> past = GetSituationAt(*stub, AtSequence(s));
    if (!past.ok()) {
      EXPECT_THAT(past, StatusIs(absl::StatusCode::kOutOfRange,
                                 absl::StrCat("retention removed the updates "
                                              "before sequence ", oldest)))
          << "as_of_sequence " << s;
      EXPECT_GT(s, 0u);
      EXPECT_LT(s + 1, oldest) << "as_of_sequence " << s
                               << " is retained but was refused";
      continue;
    }
    ++answered;
    // Snapshots before oldest - 1 went with the updates: retention forgets.
    EXPECT_TRUE(s == 0 || s + 1 >= oldest)
        << "as_of_sequence " << s << " answered after retention removed it";
    const absl::Time at =
        s == 0 ? absl::UnixEpoch() : FromProtoTime(log[s - 1].received_at());
    EXPECT_TRUE(SameIncidents(*past, ReplaySituation(Prefix(log, s), at)))
        << "as_of_sequence " << s << " after retention";
  }
  EXPECT_EQ(answered, 1 + head - (oldest - 1) + 1)
      << "sequence 0 and every point from oldest - 1 to the head";
  EXPECT_THAT(GetSituationAt(*stub, AtTime(start + absl::Minutes(6))),
              StatusIs(absl::StatusCode::kOutOfRange,
                       "before the oldest point this store can rebuild"));
}

}  // namespace sitrep::testing

#endif  // SITREP_TESTS_INTEGRATION_SITUATION_AS_OF_SCENARIO_H_
