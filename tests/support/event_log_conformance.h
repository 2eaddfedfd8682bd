// One suite, every EventLog: what the interface promises, tested through the
// interface only (googletest's sample6, TYPED_TEST_SUITE_P). Include this
// header in exactly one file of a test binary and instantiate the suite
// there with the backends' factories:
//
//   struct MyLog {
//     // False: every test of the suite is skipped (the backend's server is
//     // not installed).
//     static bool Available();
//     static std::unique_ptr<EventLog> Open(Clock* clock,
//                                           const std::string& temp_dir);
//   };
//   INSTANTIATE_TYPED_TEST_SUITE_P(log, EventLogConformanceTest, MyLog);
//
// A factory may also have
//     // From now on every append fails as the store's failure (a full
//     // disk), storing nothing; `fail` false ends it.
//     static void FailAppends(EventLog* log, const std::string& temp_dir,
//                             bool fail);
// for the health tests; without it they are skipped for that backend.
//
// tests/unit/log/event_log_conformance_test.cc runs it for the in-memory and
// SQLite logs, tests/nats/jetstream_event_log_test.cc for JetStream.
//
// It stays one long header (about 1,000 lines) on purpose: it is one
// contract, read top to bottom like event_log.h's comments, and every test
// of a TYPED_TEST_SUITE_P must be listed in REGISTER_TYPED_TEST_SUITE_P at
// its end; split headers would each have to be included in order before
// that list, for no reader's gain.
#ifndef SITREP_TESTS_SUPPORT_EVENT_LOG_CONFORMANCE_H_
#define SITREP_TESTS_SUPPORT_EVENT_LOG_CONFORMANCE_H_

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "server/log/event_log.h"
#include "server/log/log_health.h"
#include "server/runtime/clock.h"
#include "tests/support/event_log_test_util.h"
#include "tests/support/fake_clock.h"
#include "tests/support/missing_tool.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace sitrep {
namespace conformance {

using ::sitrep::testing::IsOk;
using ::sitrep::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

MATCHER_P(IsOkAndHolds, value, "is OK and holds a value that equals the expected one") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  *result_listener << "value is " << *arg;
  return *arg == value;
}

inline v1::SituationUpdate ParseUpdate(const char* text) {
  v1::SituationUpdate update;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &update))
      << text;
  return update;
}

// A stand-alone patrol report by KFOR.
inline AppendRequest Report(const std::string& event_id,
                     const std::string& headline = "Routine patrol, all quiet") {
  AppendRequest request;
  request.update = ParseUpdate(R"pb(
    publisher: "kfor-ops"
    mission: MISSION_KFOR
    role: ROLE_THIRD_RESPONDER
    severity: SEVERITY_MINOR
    category: CATEGORY_PATROL
    location { municipality: "zubin-potok" place: "Gazivode lake road" }
    labels { key: "unit" value: "RC-E" }
  )pb");
  request.update.set_event_id(event_id);
  request.update.set_headline(headline);
  return request;
}

// An update of incident `incident_id` by the Kosovo Police.
inline AppendRequest Incident(const std::string& event_id,
                       const std::string& incident_id, v1::Kind kind,
                       std::optional<uint64_t> expected = std::nullopt) {
  AppendRequest request;
  request.update = ParseUpdate(R"pb(
    publisher: "kp-north"
    mission: MISSION_KOSOVO_POLICE
    role: ROLE_FIRST_RESPONDER
    severity: SEVERITY_MODERATE
    category: CATEGORY_CIVIL_DISTURBANCE
    headline: "Crowd gathering at the main bridge"
    location { municipality: "mitrovice" place: "Ibar bridge" }
  )pb");
  request.update.set_event_id(event_id);
  request.update.set_incident_id(incident_id);
  request.update.set_kind(kind);
  request.expected_incident_version = expected;
  return request;
}

inline std::vector<uint64_t> Sequences(const std::vector<LogEntryPtr>& entries) {
  std::vector<uint64_t> out;
  for (const LogEntryPtr& entry : entries) out.push_back(entry->sequence());
  return out;
}

inline std::vector<AppendRequest> Batch(std::vector<AppendRequest> requests) {
  return requests;
}

// Whether Factory has FailAppends (see the top of this file).
template <typename Factory, typename = void>
struct CanFailAppends : std::false_type {};
template <typename Factory>
struct CanFailAppends<
    Factory, std::void_t<decltype(Factory::FailAppends(
                 std::declval<EventLog*>(), std::declval<std::string>(),
                 true))>> : std::true_type {};

template <typename Factory>
class EventLogConformanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!Factory::Available()) {
      SITREP_MISSING_TOOL("the backend's server is not installed (scripts/install-deps.sh)");
    }
    log_ = Factory::Open(&clock_, dir_.path());
    ASSERT_NE(log_, nullptr);
  }

  // Appends one request and returns its sequence (0 on failure).
  uint64_t AppendOk(AppendRequest request) {
    absl::StatusOr<AppendResult> result =
        AppendOneAndWait(log_.get(), std::move(request));
    EXPECT_THAT(result, IsOk());
    return result.ok() ? result->entry->sequence() : 0;
  }

  // Appends `count` reports and returns the last sequence.
  uint64_t AppendReports(int count, const std::string& prefix = "r") {
    uint64_t last = 0;
    for (int i = 0; i < count; ++i) last = AppendOk(Report(absl::StrCat(prefix, i)));
    return last;
  }

  std::vector<uint64_t> ReadSequences(const ReadRange& range) {
    absl::StatusOr<std::vector<LogEntryPtr>> entries = log_->Read(range);
    EXPECT_THAT(entries, IsOk());
    return entries.ok() ? Sequences(*entries) : std::vector<uint64_t>();
  }

  FakeClock clock_;
  testing::TempDir dir_;
  std::unique_ptr<EventLog> log_;
};

TYPED_TEST_SUITE_P(EventLogConformanceTest);

TYPED_TEST_P(EventLogConformanceTest, EmptyLogHasHeadZeroAndOldestOne) {
  EXPECT_EQ(this->log_->Head(), 0u);
  EXPECT_EQ(this->log_->Oldest(), 1u);
  EXPECT_EQ(this->log_->log_id().size(), 32u);
  EXPECT_THAT(this->ReadSequences({}), IsEmpty());
  EXPECT_THAT(this->log_->FirstSequenceAtOrAfter(absl::UnixEpoch()),
              IsOkAndHolds(1u));
}

TYPED_TEST_P(EventLogConformanceTest, SequencesAreDenseFromOne) {
  EXPECT_EQ(this->AppendOk(Report("a")), 1u);
  EXPECT_EQ(this->AppendOk(Report("b")), 2u);
  EXPECT_EQ(this->AppendOk(Report("c")), 3u);
  EXPECT_EQ(this->log_->Head(), 3u);
  EXPECT_EQ(this->log_->Oldest(), 1u);
}

TYPED_TEST_P(EventLogConformanceTest, BatchResultsComeInRequestOrder) {
  std::vector<absl::StatusOr<AppendResult>> results = AppendAndWait(
      this->log_.get(), Batch({Report("a"), Report("b"), Report("c")}));
  ASSERT_EQ(results.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    ASSERT_THAT(results[i], IsOk());
    EXPECT_EQ(results[i]->entry->sequence(), static_cast<uint64_t>(i + 1));
    EXPECT_EQ(results[i]->entry->update.event_id(), std::string(1, 'a' + i));
    EXPECT_FALSE(results[i]->duplicate);
  }
}

TYPED_TEST_P(EventLogConformanceTest, StoredUpdateKeepsFieldsAndGetsServerFields) {
  AppendRequest request = Report("a");
  absl::StatusOr<AppendResult> result =
      AppendOneAndWait(this->log_.get(), request);
  ASSERT_THAT(result, IsOk());
  const v1::SituationUpdate& stored = result->entry->update;
  EXPECT_EQ(stored.sequence(), 1u);
  EXPECT_EQ(stored.incident_version(), 0u);
  EXPECT_EQ(absl::FromUnixSeconds(stored.received_at().seconds()),
            this->clock_.Now());
  EXPECT_EQ(stored.publisher(), "kfor-ops");
  EXPECT_EQ(stored.labels().at("unit"), "RC-E");
  absl::StatusOr<std::vector<LogEntryPtr>> read = this->log_->Read({1, 1});
  ASSERT_THAT(read, IsOk());
  ASSERT_EQ(read->size(), 1u);
  EXPECT_EQ((*read)[0]->encoded, result->entry->encoded);
}

TYPED_TEST_P(EventLogConformanceTest, SameEventIdAndContentIsADuplicate) {
  ASSERT_EQ(this->AppendOk(Report("a")), 1u);
  ASSERT_EQ(this->AppendOk(Report("b")), 2u);
  this->clock_.Advance(absl::Minutes(1));
  absl::StatusOr<AppendResult> again =
      AppendOneAndWait(this->log_.get(), Report("a"));
  ASSERT_THAT(again, IsOk());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->entry->sequence(), 1u);
  // The original, with its original received_at.
  EXPECT_EQ(absl::FromUnixSeconds(again->entry->update.received_at().seconds()),
            this->clock_.Now() - absl::Minutes(1));
  EXPECT_EQ(this->log_->Head(), 2u);
}

TYPED_TEST_P(EventLogConformanceTest, SameEventIdOtherContentIsAlreadyExists) {
  ASSERT_EQ(this->AppendOk(Report("a")), 1u);
  EXPECT_THAT(
      AppendOneAndWait(this->log_.get(), Report("a", "Another headline")),
      StatusIs(absl::StatusCode::kAlreadyExists,
               "update.event_id: 'a' was already used by this publisher for a "
               "different update (sequence 1)"));
  EXPECT_EQ(this->log_->Head(), 1u);
}

TYPED_TEST_P(EventLogConformanceTest, SameEventIdOfAnotherPublisherIsNew) {
  ASSERT_EQ(this->AppendOk(Report("a")), 1u);
  AppendRequest other = Report("a");
  other.update.set_publisher("kfor-hq");
  EXPECT_EQ(this->AppendOk(std::move(other)), 2u);
}

TYPED_TEST_P(EventLogConformanceTest, DuplicatesInsideOneBatch) {
  std::vector<absl::StatusOr<AppendResult>> results = AppendAndWait(
      this->log_.get(),
      Batch({Report("a"), Report("a"), Report("a", "Changed"), Report("b")}));
  ASSERT_EQ(results.size(), 4u);
  ASSERT_THAT(results[0], IsOk());
  EXPECT_FALSE(results[0]->duplicate);
  ASSERT_THAT(results[1], IsOk());
  EXPECT_TRUE(results[1]->duplicate);
  EXPECT_EQ(results[1]->entry->sequence(), 1u);
  EXPECT_THAT(results[2], StatusIs(absl::StatusCode::kAlreadyExists, "(sequence 1)"));
  ASSERT_THAT(results[3], IsOk());
  EXPECT_EQ(results[3]->entry->sequence(), 2u);
  EXPECT_EQ(this->log_->Head(), 2u);
}

TYPED_TEST_P(EventLogConformanceTest, RejectedRequestDoesNotAffectOthers) {
  std::vector<absl::StatusOr<AppendResult>> results = AppendAndWait(
      this->log_.get(),
      Batch({Report("a"), Incident("x", "INC-404", v1::KIND_UPDATE),
             Report("b")}));
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0]->entry->sequence(), 1u);
  EXPECT_THAT(results[1], StatusIs(absl::StatusCode::kFailedPrecondition,
                                   "does not exist"));
  EXPECT_EQ(results[2]->entry->sequence(), 2u);
  EXPECT_THAT(this->ReadSequences({}), ElementsAre(1, 2));
}

TYPED_TEST_P(EventLogConformanceTest, IncidentRulesStoreNothingOnFailure) {
  EventLog* log = this->log_.get();
  absl::StatusOr<AppendResult> opened =
      AppendOneAndWait(log, Incident("n1", "INC-1", v1::KIND_NEW));
  ASSERT_THAT(opened, IsOk());
  EXPECT_EQ(opened->entry->update.incident_version(), 1u);

  EXPECT_THAT(AppendOneAndWait(log, Incident("n2", "INC-1", v1::KIND_NEW)),
              StatusIs(absl::StatusCode::kFailedPrecondition, "already exists"));
  EXPECT_THAT(AppendOneAndWait(log, Incident("u0", "INC-2", v1::KIND_UPDATE)),
              StatusIs(absl::StatusCode::kFailedPrecondition, "does not exist"));
  EXPECT_THAT(
      AppendOneAndWait(log, Incident("u1", "INC-1", v1::KIND_UPDATE, 7)),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               "expected_incident_version: incident 'INC-1' is at version 1"));
  EXPECT_EQ(log->Head(), 1u);

  absl::StatusOr<AppendResult> updated =
      AppendOneAndWait(log, Incident("u2", "INC-1", v1::KIND_UPDATE, 1));
  ASSERT_THAT(updated, IsOk());
  EXPECT_EQ(updated->entry->update.incident_version(), 2u);
  absl::StatusOr<AppendResult> resolved =
      AppendOneAndWait(log, Incident("r", "INC-1", v1::KIND_RESOLVE));
  ASSERT_THAT(resolved, IsOk());
  EXPECT_EQ(resolved->entry->update.incident_version(), 3u);

  EXPECT_THAT(AppendOneAndWait(log, Incident("u3", "INC-1", v1::KIND_UPDATE)),
              StatusIs(absl::StatusCode::kFailedPrecondition, "is closed"));
  EXPECT_THAT(AppendOneAndWait(log, Incident("n3", "INC-1", v1::KIND_NEW)),
              StatusIs(absl::StatusCode::kFailedPrecondition, "already exists"));
  EXPECT_EQ(log->Head(), 3u);
  // A rejected event_id was not stored: it may be used again.
  EXPECT_EQ(this->AppendOk(Incident("u0", "INC-3", v1::KIND_NEW)), 4u);
}

// A publisher that retries after a lost answer repeats a request the log
// has applied: it is a duplicate even though the incident rules would no
// longer admit it (the incident exists, the version moved on).
TYPED_TEST_P(EventLogConformanceTest, RetriedIncidentUpdatesAreDuplicates) {
  EventLog* log = this->log_.get();
  ASSERT_EQ(this->AppendOk(Incident("n", "INC-9", v1::KIND_NEW)), 1u);
  ASSERT_EQ(this->AppendOk(Incident("u", "INC-9", v1::KIND_UPDATE, 1)), 2u);
  this->clock_.Advance(absl::Minutes(1));
  for (AppendRequest retry : {Incident("n", "INC-9", v1::KIND_NEW),
                              Incident("u", "INC-9", v1::KIND_UPDATE, 1)}) {
    const std::string event_id = retry.update.event_id();
    absl::StatusOr<AppendResult> again =
        AppendOneAndWait(log, std::move(retry));
    ASSERT_THAT(again, IsOk()) << event_id;
    EXPECT_TRUE(again->duplicate) << event_id;
    EXPECT_EQ(again->entry->sequence(), event_id == "n" ? 1u : 2u);
  }
  // Changed content under a used event_id stays ALREADY_EXISTS on this path.
  AppendRequest changed = Incident("u", "INC-9", v1::KIND_UPDATE, 1);
  changed.update.set_headline("Crowd dispersed");
  EXPECT_THAT(AppendOneAndWait(log, std::move(changed)),
              StatusIs(absl::StatusCode::kAlreadyExists, "(sequence 2)"));
  EXPECT_EQ(log->Head(), 2u);
}

TYPED_TEST_P(EventLogConformanceTest, LaterRequestOfABatchSeesAnEarlierOne) {
  std::vector<absl::StatusOr<AppendResult>> results = AppendAndWait(
      this->log_.get(),
      Batch({Incident("a", "INC-7", v1::KIND_NEW),
             Incident("b", "INC-7", v1::KIND_UPDATE, 1),
             Incident("c", "INC-7", v1::KIND_UPDATE, 1),
             Incident("d", "INC-7", v1::KIND_NEW)}));
  ASSERT_EQ(results.size(), 4u);
  ASSERT_THAT(results[0], IsOk());
  ASSERT_THAT(results[1], IsOk());
  EXPECT_EQ(results[1]->entry->update.incident_version(), 2u);
  EXPECT_THAT(results[2], StatusIs(absl::StatusCode::kFailedPrecondition,
                                   "is at version 2, not 1"));
  EXPECT_THAT(results[3],
              StatusIs(absl::StatusCode::kFailedPrecondition, "already exists"));
  EXPECT_EQ(this->log_->Head(), 2u);
}

TYPED_TEST_P(EventLogConformanceTest, ReceivedAtNeverDecreases) {
  const absl::Time start = this->clock_.Now();
  this->AppendOk(Report("a"));
  this->clock_.Advance(-absl::Hours(1));  // The wall clock steps back.
  this->AppendOk(Report("b"));
  this->clock_.Set(start + absl::Nanoseconds(1500));
  this->AppendOk(Report("c"));
  absl::StatusOr<std::vector<LogEntryPtr>> entries = this->log_->Read({});
  ASSERT_THAT(entries, IsOk());
  ASSERT_EQ(entries->size(), 3u);
  auto received = [&](int i) {
    const auto& ts = (*entries)[i]->update.received_at();
    return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
  };
  EXPECT_EQ(received(0), start);
  EXPECT_EQ(received(1), start);
  // Kept at microsecond precision.
  EXPECT_EQ(received(2), start + absl::Microseconds(1));
}

TYPED_TEST_P(EventLogConformanceTest, ReadsRangesInBothDirectionsWithLimits) {
  this->AppendReports(10);
  EXPECT_THAT(this->ReadSequences({1, 10}),
              ElementsAre(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
  EXPECT_THAT(this->ReadSequences({3, 7, /*descending=*/true}),
              ElementsAre(7, 6, 5, 4, 3));
  EXPECT_THAT(this->ReadSequences({1, UINT64_MAX, false, 4}),
              ElementsAre(1, 2, 3, 4));
  EXPECT_THAT(this->ReadSequences({1, UINT64_MAX, true, 3}),
              ElementsAre(10, 9, 8));
  EXPECT_THAT(this->ReadSequences({9, 1000}), ElementsAre(9, 10));
  EXPECT_THAT(this->ReadSequences({0, 2}), ElementsAre(1, 2));
  EXPECT_THAT(this->ReadSequences({11, 20}), IsEmpty());
  EXPECT_THAT(this->ReadSequences({5, 4}), IsEmpty());
  EXPECT_THAT(this->ReadSequences({1, 10, false, 0}), IsEmpty());
}

// Whatever a backend leaves out, it never leaves out what the missions
// match, nor the first sequence of the range; scanned_through lets a
// reader walk the whole log in pieces.
TYPED_TEST_P(EventLogConformanceTest, ReadForMissionsKeepsEverythingTheMissionsMatch) {
  const v1::Mission missions[] = {v1::MISSION_KFOR, v1::MISSION_EULEX,
                                  v1::MISSION_KOSOVO_POLICE};
  std::vector<uint64_t> eulex;
  for (int i = 0; i < 14; ++i) {
    AppendRequest request = Report(absl::StrCat("m", i));
    request.update.set_mission(missions[i % 3]);
    const uint64_t sequence = this->AppendOk(request);
    if (missions[i % 3] == v1::MISSION_EULEX) eulex.push_back(sequence);
  }
  const MissionSet mask = MissionSet::Of(v1::MISSION_EULEX);
  std::vector<uint64_t> seen;
  uint64_t next = 1;
  for (int guard = 0; next <= 14 && guard < 20; ++guard) {
    absl::StatusOr<EventLog::MissionRead> read =
        this->log_->ReadForMissions(ReadRange{.first = next, .limit = 3}, mask);
    ASSERT_THAT(read, IsOk());
    ASSERT_FALSE(read->entries.empty());
    EXPECT_EQ(read->entries.front()->sequence(), next);
    EXPECT_LE(read->entries.size(), 3u);
    uint64_t previous = next - 1;
    for (const LogEntryPtr& entry : read->entries) {
      EXPECT_GT(entry->sequence(), previous);
      previous = entry->sequence();
      if (entry->update.mission() == v1::MISSION_EULEX) {
        seen.push_back(entry->sequence());
      }
    }
    EXPECT_GE(read->scanned_through, previous);
    next = read->scanned_through + 1;
  }
  EXPECT_EQ(next, 15u);
  EXPECT_EQ(seen, eulex);
}

TYPED_TEST_P(EventLogConformanceTest, FirstSequenceAtOrAfterFollowsReceivedAt) {
  const absl::Time start = this->clock_.Now();
  this->AppendOk(Report("a"));  // start
  this->clock_.Advance(absl::Seconds(1));
  this->AppendOk(Report("b"));  // start + 1s
  this->AppendOk(Report("c"));  // start + 1s
  this->clock_.Advance(absl::Seconds(1));
  this->AppendOk(Report("d"));  // start + 2s
  EventLog* log = this->log_.get();
  EXPECT_THAT(log->FirstSequenceAtOrAfter(start - absl::Hours(1)),
              IsOkAndHolds(1u));
  EXPECT_THAT(log->FirstSequenceAtOrAfter(start), IsOkAndHolds(1u));
  EXPECT_THAT(log->FirstSequenceAtOrAfter(start + absl::Nanoseconds(1)),
              IsOkAndHolds(2u));
  EXPECT_THAT(log->FirstSequenceAtOrAfter(start + absl::Seconds(1)),
              IsOkAndHolds(2u));
  EXPECT_THAT(log->FirstSequenceAtOrAfter(start + absl::Milliseconds(1500)),
              IsOkAndHolds(4u));
  EXPECT_THAT(log->FirstSequenceAtOrAfter(start + absl::Hours(1)),
              IsOkAndHolds(5u));
}

// Records the order in which the listener and the callbacks run, and checks
// that the listener's entries are readable up to Head() when it runs.
class RecordingListener : public AppendListener {
 public:
  explicit RecordingListener(EventLog* log) : log_(log) {}

  void OnAppended(const std::vector<LogEntryPtr>& entries,
                  const std::vector<IncidentRecordPtr>&) override {
    const uint64_t head = log_->Head();
    absl::StatusOr<std::vector<LogEntryPtr>> read =
        log_->Read({entries.front()->sequence(), entries.back()->sequence()});
    absl::MutexLock lock(&mu_);
    readable_ = readable_ && head >= entries.back()->sequence() && read.ok() &&
                read->size() == entries.size();
    for (const LogEntryPtr& entry : entries) {
      events_.push_back(absl::StrCat("appended ", entry->sequence()));
    }
  }

  void Record(std::string event) {
    absl::MutexLock lock(&mu_);
    events_.push_back(std::move(event));
  }

  std::vector<std::string> events() const {
    absl::MutexLock lock(&mu_);
    return events_;
  }
  bool readable() const {
    absl::MutexLock lock(&mu_);
    return readable_;
  }

 private:
  EventLog* const log_;
  mutable absl::Mutex mu_;
  std::vector<std::string> events_ ABSL_GUARDED_BY(mu_);
  bool readable_ ABSL_GUARDED_BY(mu_) = true;
};

TYPED_TEST_P(EventLogConformanceTest, ListenerSeesNewEntriesInOrderBeforeCallbacks) {
  RecordingListener listener(this->log_.get());
  this->log_->SetAppendListener(&listener);
  this->AppendOk(Report("a"));
  std::vector<absl::StatusOr<AppendResult>> results = AppendAndWait(
      this->log_.get(),
      Batch({Report("b"), Report("a"), Incident("x", "INC-9", v1::KIND_UPDATE),
             Report("c")}));
  listener.Record("done");
  EXPECT_THAT(listener.events(), ElementsAre("appended 1", "appended 2",
                                             "appended 3", "done"));
  EXPECT_TRUE(listener.readable());
  this->log_->SetAppendListener(nullptr);
}

// "On the writer thread": neither the listener nor `done` runs on the
// thread that called Append, so an appender never runs fan-out work or its
// own completion inline (the in-memory log used to do both).
TYPED_TEST_P(EventLogConformanceTest, ListenerAndDoneRunOffTheAppendersThread) {
  class ThreadRecorder : public AppendListener {
   public:
    void OnAppended(const std::vector<LogEntryPtr>&,
                    const std::vector<IncidentRecordPtr>&) override {
      absl::MutexLock lock(&mu);
      thread = std::this_thread::get_id();
    }
    absl::Mutex mu;
    std::thread::id thread ABSL_GUARDED_BY(mu);
  } listener;
  this->log_->SetAppendListener(&listener);
  absl::Notification done;
  std::thread::id done_thread;
  this->log_->Append(Batch({Report("a")}),
                     [&](std::vector<absl::StatusOr<AppendResult>> results) {
                       EXPECT_THAT(results[0], IsOk());
                       done_thread = std::this_thread::get_id();
                       done.Notify();
                     });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(60)));
  EXPECT_NE(done_thread, std::this_thread::get_id());
  {
    absl::MutexLock lock(&listener.mu);
    EXPECT_NE(listener.thread, std::thread::id());
    EXPECT_NE(listener.thread, std::this_thread::get_id());
  }
  this->log_->SetAppendListener(nullptr);
}

TYPED_TEST_P(EventLogConformanceTest, RetentionByCountKeepsTheNewest) {
  this->AppendReports(10);
  RetentionPolicy policy;
  policy.max_updates = 4;
  EXPECT_THAT(this->log_->ApplyRetention(policy, this->clock_.Now()),
              IsOkAndHolds(6u));
  EXPECT_EQ(this->log_->Oldest(), 7u);
  EXPECT_EQ(this->log_->Head(), 10u);
  EXPECT_THAT(this->ReadSequences({}), ElementsAre(7, 8, 9, 10));
  EXPECT_THAT(this->ReadSequences({1, 8, true}), ElementsAre(8, 7));
  EXPECT_THAT(this->log_->ApplyRetention(policy, this->clock_.Now()),
              IsOkAndHolds(0u));
  EXPECT_EQ(this->AppendOk(Report("after")), 11u);
  EXPECT_EQ(this->log_->Oldest(), 7u);
}

// Records the retention runs the log announces itself.
class RetentionRecorder : public AppendListener {
 public:
  void OnAppended(const std::vector<LogEntryPtr>&,
                  const std::vector<IncidentRecordPtr>&) override {}
  void OnRetained(uint64_t oldest) override {
    absl::MutexLock lock(&mu_);
    retained_.push_back(oldest);
  }
  std::vector<uint64_t> retained() const {
    absl::MutexLock lock(&mu_);
    return retained_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<uint64_t> retained_ ABSL_GUARDED_BY(mu_);
};

// Readers' caches (the Feed's ring) follow retention from the log's own
// event, before ApplyRetention returns; no one has to tell them by hand.
TYPED_TEST_P(EventLogConformanceTest, RetentionIsAnnouncedToTheListener) {
  RetentionRecorder listener;
  this->log_->SetAppendListener(&listener);
  this->AppendReports(10);
  RetentionPolicy policy;
  policy.max_updates = 4;
  EXPECT_THAT(this->log_->ApplyRetention(policy, this->clock_.Now()),
              IsOkAndHolds(6u));
  EXPECT_THAT(listener.retained(), ElementsAre(7u));
  // A run that removed nothing is not announced.
  EXPECT_THAT(this->log_->ApplyRetention(policy, this->clock_.Now()),
              IsOkAndHolds(0u));
  EXPECT_THAT(listener.retained(), ElementsAre(7u));
  this->log_->SetAppendListener(nullptr);
}

// Records the health the log tells its listener: available, or the reason.
class HealthRecorder : public AppendListener {
 public:
  void OnAppended(const std::vector<LogEntryPtr>&,
                  const std::vector<IncidentRecordPtr>&) override {}
  void OnHealthChanged(const StoreHealth& health) override {
    absl::MutexLock lock(&mu_);
    told_.push_back(health.available() ? "available" : health.reason());
  }
  std::vector<std::string> told() const {
    absl::MutexLock lock(&mu_);
    return told_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> told_ ABSL_GUARDED_BY(mu_);
};

// A store that failed before the listener came (the server attaches its
// router after opening the store) is reported to the listener as it is
// attached, not only with the next change: otherwise /readyz and gRPC
// health would say SERVING until then.
// Every backend is told "available" as it is attached to a healthy store;
// the failing half needs a factory that can fail appends (JetStream's
// cannot: its appends fail only when NATS goes, which tests/nats covers).
TYPED_TEST_P(EventLogConformanceTest, AListenerIsToldTheHealthAsItIsAttached) {
  {
    HealthRecorder healthy;
    this->log_->SetAppendListener(&healthy);
    this->log_->SetAppendListener(nullptr);
    EXPECT_THAT(healthy.told(), ElementsAre("available"));
  }
  if constexpr (CanFailAppends<TypeParam>::value) {
    TypeParam::FailAppends(this->log_.get(), this->dir_.path(), true);
    absl::StatusOr<AppendResult> failed =
        AppendOneAndWait(this->log_.get(), Report("a"));
    ASSERT_FALSE(failed.ok());
    EXPECT_TRUE(IsStoreFailure(failed.status())) << failed.status();

    HealthRecorder listener;
    this->log_->SetAppendListener(&listener);
    ASSERT_EQ(listener.told().size(), 1u) << "not told as it was attached";
    EXPECT_THAT(listener.told()[0], HasSubstr("write failed"));

    TypeParam::FailAppends(this->log_.get(), this->dir_.path(), false);
    EXPECT_EQ(this->AppendOk(Report("a")), 1u);
    EXPECT_EQ(listener.told().size(), 2u);
    EXPECT_EQ(listener.told().back(), "available");
    this->log_->SetAppendListener(nullptr);
  }
}

// The server bounds each run to the snapshot it stored first
// (server.cc, StoreSnapshotBeforeRetention): the bound wins over the
// limits, and FirstSequenceRetentionKeeps predicts what they keep.
TYPED_TEST_P(EventLogConformanceTest, RetentionNeverPassesFirstKeptAtMost) {
  this->AppendReports(10);
  RetentionPolicy policy;
  policy.max_updates = 4;
  EXPECT_THAT(FirstSequenceRetentionKeeps(*this->log_, policy,
                                          this->clock_.Now()),
              IsOkAndHolds(7u));
  policy.first_kept_at_most = 5;
  EXPECT_THAT(this->log_->ApplyRetention(policy, this->clock_.Now()),
              IsOkAndHolds(4u));
  EXPECT_EQ(this->log_->Oldest(), 5u);
  EXPECT_THAT(this->ReadSequences({}), ElementsAre(5, 6, 7, 8, 9, 10));
  // A bound below the oldest removes nothing; above the limits' cut it
  // changes nothing.
  policy.first_kept_at_most = 2;
  EXPECT_THAT(this->log_->ApplyRetention(policy, this->clock_.Now()),
              IsOkAndHolds(0u));
  policy.first_kept_at_most = 100;
  EXPECT_THAT(this->log_->ApplyRetention(policy, this->clock_.Now()),
              IsOkAndHolds(2u));
  EXPECT_EQ(this->log_->Oldest(), 7u);
  // By age: everything is older than a minute, so the limits keep nothing.
  RetentionPolicy by_age;
  by_age.max_age = absl::Minutes(1);
  EXPECT_THAT(FirstSequenceRetentionKeeps(*this->log_, by_age,
                                          this->clock_.Now() + absl::Hours(1)),
              IsOkAndHolds(11u));
}

TYPED_TEST_P(EventLogConformanceTest, RetentionByAgeUsesReceivedAt) {
  const absl::Time start = this->clock_.Now();
  this->AppendReports(5, "old");
  this->clock_.Advance(absl::Hours(1));
  this->AppendReports(3, "new");
  RetentionPolicy policy;
  policy.max_age = absl::Minutes(30);
  EXPECT_THAT(this->log_->ApplyRetention(policy, this->clock_.Now()),
              IsOkAndHolds(5u));
  EXPECT_EQ(this->log_->Oldest(), 6u);
  EXPECT_THAT(this->ReadSequences({}), ElementsAre(6, 7, 8));
  EXPECT_THAT(this->log_->FirstSequenceAtOrAfter(start), IsOkAndHolds(6u));

  // Everything older than the age: nothing is retained, the head stays.
  this->clock_.Advance(absl::Hours(1));
  EXPECT_THAT(this->log_->ApplyRetention(policy, this->clock_.Now()),
              IsOkAndHolds(3u));
  EXPECT_EQ(this->log_->Oldest(), 9u);
  EXPECT_EQ(this->log_->Head(), 8u);
  EXPECT_THAT(this->ReadSequences({}), IsEmpty());
  EXPECT_THAT(this->log_->FirstSequenceAtOrAfter(start), IsOkAndHolds(9u));
  EXPECT_EQ(this->AppendOk(Report("fresh")), 9u);
  EXPECT_EQ(this->log_->Oldest(), 9u);
}

TYPED_TEST_P(EventLogConformanceTest, RetentionOfManyUpdatesCompletes) {
  // More than one retention step of the SQLite log (2,000 rows each).
  for (int b = 0; b < 5; ++b) {
    std::vector<AppendRequest> batch;
    for (int i = 0; i < 1000; ++i) batch.push_back(Report(absl::StrCat(b, "-", i)));
    AppendAndWait(this->log_.get(), std::move(batch));
  }
  ASSERT_EQ(this->log_->Head(), 5000u);
  RetentionPolicy policy;
  policy.max_updates = 100;
  EXPECT_THAT(this->log_->ApplyRetention(policy, this->clock_.Now()),
              IsOkAndHolds(4900u));
  EXPECT_EQ(this->log_->Oldest(), 4901u);
  EXPECT_THAT(this->ReadSequences({1, 4902}), ElementsAre(4901, 4902));
}

// An event id is remembered exactly as long as its update is retained
// (SQLite's UNIQUE(publisher, event_id) goes with the row; the JetStream
// log's dedupe index follows retention): published again after retention
// removed it, it is a new update; while retained, a duplicate.
TYPED_TEST_P(EventLogConformanceTest, EventIdIsNewAgainOnceRetentionRemovedIt) {
  this->AppendReports(3);  // r0, r1, r2: sequences 1-3
  RetentionPolicy policy;
  policy.max_updates = 1;
  ASSERT_THAT(this->log_->ApplyRetention(policy, this->clock_.Now()),
              IsOkAndHolds(2u));
  absl::StatusOr<AppendResult> kept = AppendOneAndWait(
      this->log_.get(), Report("r2"));
  ASSERT_THAT(kept, IsOk());
  EXPECT_TRUE(kept->duplicate);
  EXPECT_EQ(kept->entry->sequence(), 3u);
  absl::StatusOr<AppendResult> again = AppendOneAndWait(
      this->log_.get(), Report("r0"));
  ASSERT_THAT(again, IsOk());
  EXPECT_FALSE(again->duplicate);
  EXPECT_EQ(again->entry->sequence(), 4u);
  // Other content under the removed id is not ALREADY_EXISTS either.
  AppendRequest other = Report("r1");
  other.update.set_headline("another report under a removed id");
  EXPECT_EQ(this->AppendOk(std::move(other)), 5u);
}

TYPED_TEST_P(EventLogConformanceTest, IncidentsSurviveRetention) {
  EventLog* log = this->log_.get();
  this->AppendOk(Incident("a1", "INC-A", v1::KIND_NEW));
  AppendRequest support = Incident("a2", "INC-A", v1::KIND_REQUEST_SUPPORT);
  support.update.set_severity(v1::SEVERITY_SEVERE);
  this->AppendOk(std::move(support));
  this->AppendOk(Incident("b1", "INC-B", v1::KIND_NEW));
  this->AppendOk(Incident("b2", "INC-B", v1::KIND_RESOLVE));
  this->AppendReports(3);
  ASSERT_EQ(log->Head(), 7u);
  RetentionPolicy policy;
  policy.max_updates = 1;
  ASSERT_THAT(log->ApplyRetention(policy, this->clock_.Now()),
              IsOkAndHolds(6u));

  absl::StatusOr<EventLog::OpenIncidents> open = log->LoadOpenIncidents();
  ASSERT_THAT(open, IsOk());
  EXPECT_EQ(open->head, 7u);
  ASSERT_EQ(open->incidents.size(), 1u);
  const IncidentRecord& a = *open->incidents[0];
  EXPECT_EQ(a.incident_id, "INC-A");
  EXPECT_EQ(a.version, 2u);
  EXPECT_FALSE(a.closed);
  EXPECT_EQ(a.latest->sequence(), 2u);
  EXPECT_EQ(a.latest->update.kind(), v1::KIND_REQUEST_SUPPORT);
  EXPECT_EQ(a.state.opened_sequence(), 1u);
  EXPECT_EQ(a.state.opened_by(), v1::MISSION_KOSOVO_POLICE);
  ASSERT_EQ(a.state.support_requests_size(), 1);
  EXPECT_EQ(a.state.support_requests(0).state(),
            v1::SupportRequest::STATE_OPEN);
  EXPECT_EQ(a.state.lead().tier(), v1::ROLE_FIRST_RESPONDER);
  EXPECT_EQ(a.state.peak_severity(), v1::SEVERITY_SEVERE);
  EXPECT_EQ(a.state.location().municipality(), "mitrovice");

  // The threads go on where they were, though their updates are gone.
  absl::StatusOr<AppendResult> next =
      AppendOneAndWait(log, Incident("a3", "INC-A", v1::KIND_UPDATE, 2));
  ASSERT_THAT(next, IsOk());
  EXPECT_EQ(next->entry->update.incident_version(), 3u);
  EXPECT_THAT(AppendOneAndWait(log, Incident("b3", "INC-B", v1::KIND_NEW)),
              StatusIs(absl::StatusCode::kFailedPrecondition, "already exists"));
}


// An update of incident `incident_id` by `mission` acting as its own tier.
inline AppendRequest ChainStep(const std::string& event_id,
                               const std::string& incident_id,
                               v1::Mission mission, v1::Kind kind) {
  AppendRequest request = Incident(event_id, incident_id, kind);
  request.update.set_mission(mission);
  request.update.set_publisher(absl::StrCat(v1::Mission_Name(mission), "-ops"));
  switch (mission) {
    case v1::MISSION_EULEX:
      request.update.set_role(v1::ROLE_SECOND_RESPONDER);
      break;
    case v1::MISSION_KFOR:
      request.update.set_role(v1::ROLE_THIRD_RESPONDER);
      break;
    default:
      request.update.set_role(v1::ROLE_FIRST_RESPONDER);
  }
  request.update.clear_location();
  return request;
}

// The seven out-of-turn actions of the chain-rules issue are refused on
// every backend, atomically: nothing is stored.
TYPED_TEST_P(EventLogConformanceTest, ChainRulesRefuseOutOfTurnActions) {
  EventLog* log = this->log_.get();
  using M = v1::Mission;
  const M kp = v1::MISSION_KOSOVO_POLICE, eulex = v1::MISSION_EULEX,
          kfor = v1::MISSION_KFOR;
  this->AppendOk(ChainStep("n1", "I-1", kp, v1::KIND_NEW));
  this->AppendOk(ChainStep("r1", "I-1", kp, v1::KIND_REQUEST_SUPPORT));
  struct Case {
    AppendRequest request;
    const char* rule;
  };
  AppendRequest deescalate = ChainStep("x7", "I-1", kp, v1::KIND_DEESCALATE);
  deescalate.update.set_target_tier(v1::ROLE_THIRD_RESPONDER);
  std::vector<Case> cases;
  cases.push_back({ChainStep("x1", "I-1", eulex, v1::KIND_ESCALATE),
                   "escalate-after-acknowledge"});
  cases.push_back({ChainStep("x2", "I-1", kfor, v1::KIND_ESCALATE),
                   "escalate-after-acknowledge"});
  cases.push_back({ChainStep("x3", "I-1", kfor, v1::KIND_ACKNOWLEDGE),
                   "acknowledge-open-request"});
  cases.push_back({ChainStep("x4", "I-1", kp, v1::KIND_ACKNOWLEDGE),
                   "acknowledge-open-request"});
  cases.push_back({ChainStep("x5", "I-1", kp, v1::KIND_ESCALATE),
                   "escalate-upward"});
  cases.push_back({std::move(deescalate), "deescalate-downward"});
  cases.push_back({ChainStep("x8", "I-2", kfor, v1::KIND_NEW),
                   "open-by-first-responder"});
  cases.push_back({ChainStep("x9", "I-1", kfor, v1::KIND_RESOLVE),
                   "close-by-lead"});
  for (Case& c : cases) {
    const std::string event_id = c.request.update.event_id();
    EXPECT_THAT(AppendOneAndWait(log, std::move(c.request)),
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         absl::StrCat("chain rule '", c.rule, "'")))
        << event_id;
  }
  EXPECT_EQ(log->Head(), 2u) << "a refused update stores nothing";
  // In turn, the same steps are accepted.
  this->AppendOk(ChainStep("a1", "I-1", eulex, v1::KIND_ACKNOWLEDGE));
  this->AppendOk(ChainStep("e1", "I-1", eulex, v1::KIND_ESCALATE));
  absl::StatusOr<EventLog::OpenIncidents> open = log->LoadOpenIncidents();
  ASSERT_THAT(open, IsOk());
  ASSERT_EQ(open->incidents.size(), 1u);
  EXPECT_EQ(open->incidents[0]->state.lead().mission(), eulex);
  EXPECT_TRUE(open->incidents[0]->state.exceptions().empty());
}

TYPED_TEST_P(EventLogConformanceTest, ChainExceptionIsAcceptedAndKept) {
  EventLog* log = this->log_.get();
  this->AppendOk(ChainStep("n1", "I-1", v1::MISSION_KOSOVO_POLICE, v1::KIND_NEW));
  AppendRequest at_once =
      ChainStep("k1", "I-1", v1::MISSION_KFOR, v1::KIND_ESCALATE);
  at_once.update.mutable_chain_exception()->set_reason(
      "shots fired: KFOR acts at once to protect life");
  this->AppendOk(std::move(at_once));
  absl::StatusOr<EventLog::OpenIncidents> open = log->LoadOpenIncidents();
  ASSERT_THAT(open, IsOk());
  ASSERT_EQ(open->incidents.size(), 1u);
  const v1::Incident& state = open->incidents[0]->state;
  EXPECT_EQ(state.lead().tier(), v1::ROLE_THIRD_RESPONDER);
  ASSERT_EQ(state.exceptions_size(), 1);
  EXPECT_EQ(state.exceptions(0).rule(), "escalate-after-acknowledge");
  EXPECT_EQ(state.exceptions(0).sequence(), 2u);
  EXPECT_EQ(state.exceptions(0).reason(),
            "shots fired: KFOR acts at once to protect life");
}

// A follow-up without a location keeps the incident where it is, and the
// lead moves only by ESCALATE / DEESCALATE.
TYPED_TEST_P(EventLogConformanceTest, LeadAndPlaceFollowTheChain) {
  EventLog* log = this->log_.get();
  const v1::Mission kp = v1::MISSION_KOSOVO_POLICE, eulex = v1::MISSION_EULEX;
  AppendRequest opened = ChainStep("n1", "I-1", kp, v1::KIND_NEW);
  opened.update.mutable_location()->set_municipality("zvecan");
  opened.update.mutable_location()->set_place("main road");
  this->AppendOk(std::move(opened));
  this->AppendOk(ChainStep("r1", "I-1", kp, v1::KIND_REQUEST_SUPPORT));
  this->AppendOk(ChainStep("a1", "I-1", eulex, v1::KIND_ACKNOWLEDGE));
  this->AppendOk(ChainStep("e1", "I-1", eulex, v1::KIND_ESCALATE));
  AppendRequest routine = ChainStep("u1", "I-1", kp, v1::KIND_UPDATE);
  absl::StatusOr<AppendResult> stored = AppendOneAndWait(log, routine);
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(stored->entry->update.location().municipality(), "zvecan");
  EXPECT_TRUE(stored->entry->update.location_carried());
  // A retry of the same request is a duplicate, not ALREADY_EXISTS.
  absl::StatusOr<AppendResult> retry = AppendOneAndWait(log, routine);
  ASSERT_THAT(retry, IsOk());
  EXPECT_TRUE(retry->duplicate);

  absl::StatusOr<EventLog::OpenIncidents> open = log->LoadOpenIncidents();
  ASSERT_THAT(open, IsOk());
  ASSERT_EQ(open->incidents.size(), 1u);
  const v1::Incident& state = open->incidents[0]->state;
  EXPECT_EQ(state.lead().tier(), v1::ROLE_SECOND_RESPONDER);
  EXPECT_EQ(state.lead().since_sequence(), 4u);
  EXPECT_EQ(state.location().municipality(), "zvecan");
  EXPECT_EQ(state.location().place(), "main road");
  ASSERT_EQ(state.support_requests_size(), 1);
  EXPECT_EQ(state.support_requests(0).acknowledged_sequence(), 3u);
}

// The other rules of the chain, refused the same way on every backend.
TYPED_TEST_P(EventLogConformanceTest, EveryChainRuleIsEnforced) {
  EventLog* log = this->log_.get();
  const v1::Mission kp = v1::MISSION_KOSOVO_POLICE, eulex = v1::MISSION_EULEX,
                    kfor = v1::MISSION_KFOR;
  auto with_target = [](AppendRequest request, v1::Role target) {
    request.update.set_target_tier(target);
    return request;
  };
  // I-3 led by EULEX at the Kosovo Police's request.
  this->AppendOk(ChainStep("a1", "I-3", kp, v1::KIND_NEW));
  this->AppendOk(ChainStep("a2", "I-3", kp, v1::KIND_REQUEST_SUPPORT));
  this->AppendOk(ChainStep("a3", "I-3", eulex, v1::KIND_ACKNOWLEDGE));
  this->AppendOk(ChainStep("a4", "I-3", eulex, v1::KIND_ESCALATE));
  // I-4: the Kosovo Police asked KFOR directly; KFOR leads.
  this->AppendOk(ChainStep("b1", "I-4", kp, v1::KIND_NEW));
  this->AppendOk(with_target(ChainStep("b2", "I-4", kp, v1::KIND_REQUEST_SUPPORT),
                             v1::ROLE_THIRD_RESPONDER));
  this->AppendOk(ChainStep("b3", "I-4", kfor, v1::KIND_ACKNOWLEDGE));
  this->AppendOk(ChainStep("b4", "I-4", kfor, v1::KIND_ESCALATE));
  const uint64_t head = log->Head();
  struct Case {
    AppendRequest request;
    const char* rule;
  };
  std::vector<Case> cases;
  cases.push_back({with_target(ChainStep("x1", "I-3", kp, v1::KIND_REQUEST_SUPPORT),
                               v1::ROLE_THIRD_RESPONDER),
                   "request-from-lead"});
  cases.push_back({with_target(ChainStep("x2", "I-3", eulex, v1::KIND_REQUEST_SUPPORT),
                               v1::ROLE_FIRST_RESPONDER),
                   "request-upward"});
  cases.push_back({ChainStep("x3", "I-3", kfor, v1::KIND_UPDATE),
                   "engaged-tiers-only"});
  cases.push_back({ChainStep("x4", "I-3", kp, v1::KIND_DEESCALATE),
                   "deescalate-from-lead"});
  cases.push_back({with_target(ChainStep("x5", "I-4", kfor, v1::KIND_DEESCALATE),
                               v1::ROLE_SECOND_RESPONDER),
                   "deescalate-to-thread-tier"});
  cases.push_back({ChainStep("x6", "I-3", kp, v1::KIND_RESOLVE), "close-by-lead"});
  for (Case& c : cases) {
    const std::string event_id = c.request.update.event_id();
    EXPECT_THAT(AppendOneAndWait(log, std::move(c.request)),
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         absl::StrCat("chain rule '", c.rule, "'")))
        << event_id;
  }
  EXPECT_EQ(log->Head(), head);
  // A request waiting already is not repeated.
  this->AppendOk(ChainStep("c1", "I-3", eulex, v1::KIND_REQUEST_SUPPORT));
  EXPECT_THAT(AppendOneAndWait(log, ChainStep("c2", "I-3", eulex,
                                              v1::KIND_REQUEST_SUPPORT)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "chain rule 'request-not-repeated'"));
  // And in turn: KFOR hands I-4 back to the Kosovo Police, who resolves it.
  this->AppendOk(ChainStep("d1", "I-4", kfor, v1::KIND_DEESCALATE));
  this->AppendOk(ChainStep("d2", "I-4", kp, v1::KIND_RESOLVE));
}

TYPED_TEST_P(EventLogConformanceTest, CloseRejectsAppendsButKeepsReads) {
  this->AppendReports(2);
  this->log_->Close();
  this->log_->Close();  // Idempotent.
  EXPECT_THAT(AppendOneAndWait(this->log_.get(), Report("late")),
              StatusIs(absl::StatusCode::kUnavailable,
                       "the log is closed (server shutting down)"));
  EXPECT_THAT(this->log_->ApplyRetention({}, this->clock_.Now()),
              StatusIs(absl::StatusCode::kUnavailable, "closed"));
  EXPECT_EQ(this->log_->Head(), 2u);
  EXPECT_THAT(this->ReadSequences({}), ElementsAre(1, 2));
}

REGISTER_TYPED_TEST_SUITE_P(
    EventLogConformanceTest, EmptyLogHasHeadZeroAndOldestOne,
    RetentionIsAnnouncedToTheListener,
    ListenerAndDoneRunOffTheAppendersThread,
    AListenerIsToldTheHealthAsItIsAttached,
    SequencesAreDenseFromOne, BatchResultsComeInRequestOrder,
    StoredUpdateKeepsFieldsAndGetsServerFields,
    SameEventIdAndContentIsADuplicate, SameEventIdOtherContentIsAlreadyExists,
    SameEventIdOfAnotherPublisherIsNew, DuplicatesInsideOneBatch,
    RejectedRequestDoesNotAffectOthers, IncidentRulesStoreNothingOnFailure,
    RetriedIncidentUpdatesAreDuplicates,
    LaterRequestOfABatchSeesAnEarlierOne, ReceivedAtNeverDecreases,
    ReadsRangesInBothDirectionsWithLimits,
    ReadForMissionsKeepsEverythingTheMissionsMatch,
    FirstSequenceAtOrAfterFollowsReceivedAt,
    ListenerSeesNewEntriesInOrderBeforeCallbacks,
    RetentionByCountKeepsTheNewest, RetentionNeverPassesFirstKeptAtMost,
    RetentionByAgeUsesReceivedAt,
    RetentionOfManyUpdatesCompletes, IncidentsSurviveRetention,
    EventIdIsNewAgainOnceRetentionRemovedIt,
    ChainRulesRefuseOutOfTurnActions, EveryChainRuleIsEnforced,
    ChainExceptionIsAcceptedAndKept,
    LeadAndPlaceFollowTheChain, CloseRejectsAppendsButKeepsReads);

}  // namespace conformance
}  // namespace sitrep

#endif  // SITREP_TESTS_SUPPORT_EVENT_LOG_CONFORMANCE_H_
