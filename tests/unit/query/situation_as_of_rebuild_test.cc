// RebuildSituationAsOf (server/query/situation_as_of.h) on a real SQLite log
// with snapshots stored at points the test chooses: every point equals the
// test's own fold of the log; retention drops the snapshots that can no
// longer start a rebuild, and a point it made unanswerable says which one
// is the oldest the store can rebuild.
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "server/log/event_log.h"
#include "server/query/situation_as_of.h"
#include "server/situation/situation_index.h"
#include "server/situation/situation_snapshotter.h"
#include "server/runtime/proto_time.h"
#include "tests/support/event_log_test_util.h"
#include "tests/support/fake_clock.h"
#include "tests/support/scripted_shift.h"
#include "tests/support/sqlite_test_log.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace sitrep::testing {
namespace {

using ::testing::ElementsAre;

class IndexListener : public AppendListener {
 public:
  explicit IndexListener(SituationIndex* index) : index_(index) {}
  void OnAppended(const std::vector<LogEntryPtr>& entries,
                  const std::vector<IncidentRecordPtr>& incidents) override {
    index_->Apply(entries, incidents);
  }

 private:
  SituationIndex* index_;
};

class SituationAsOfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(OpenSqliteTestLog(dir_, &clock_, &log_), IsOk());
    log_->SetAppendListener(&listener_);
    snapshotter_ = std::make_unique<SituationSnapshotter>(log_.get(), &index_,
                                                          /*every=*/0);
  }
  void TearDown() override {
    if (log_ != nullptr) log_->Close();
  }

  // Appends the first `count` updates of the scripted shift, one per
  // minute, storing a snapshot after the sequences in `snapshot_after`.
  void AppendShift(size_t count, std::vector<uint64_t> snapshot_after) {
    const std::vector<v1::SituationUpdate> shift = ScriptedShift(clock_.Now());
    for (size_t i = 0; i < count; ++i) {
      AppendRequest request;
      request.update = shift[i];
      request.update.set_publisher("test");
      request.update.set_event_id(absl::StrCat("e", i));
      absl::StatusOr<AppendResult> result =
          AppendOneAndWait(log_.get(), std::move(request));
      ASSERT_THAT(result, IsOk()) << i;
      stored_.push_back(result->entry->update);
      for (uint64_t s : snapshot_after) {
        if (s == result->entry->sequence()) {
          ASSERT_THAT(snapshotter_->SnapshotNow(), IsOk());
        }
      }
      clock_.Advance(absl::Minutes(1));
    }
  }

  absl::StatusOr<PastSituation> AtSequence(uint64_t sequence) {
    v1::GetSituationRequest request;
    request.set_as_of_sequence(sequence);
    return RebuildSituationAsOf(*log_, request, clock_.Now());
  }
  absl::StatusOr<PastSituation> AtTime(absl::Time time) {
    v1::GetSituationRequest request;
    *request.mutable_as_of_time() = ToProtoTime(time);
    return RebuildSituationAsOf(*log_, request, clock_.Now());
  }

  // Whether the rebuilt situation at `sequence` equals the fold of the
  // stored updates up to it, expiry judged at that update's time.
  void ExpectSameAsReplay(uint64_t sequence) {
    absl::StatusOr<PastSituation> past = AtSequence(sequence);
    ASSERT_THAT(past, IsOk()) << sequence;
    const absl::Time at =
        sequence == 0 ? absl::UnixEpoch()
                      : FromProtoTime(stored_[sequence - 1].received_at());
    EXPECT_EQ(past->at, at);
    EXPECT_EQ(past->index->sequence(), sequence);
    std::vector<v1::SituationUpdate> prefix(stored_.begin(),
                                            stored_.begin() + sequence);
    const std::vector<v1::Incident> want = ReplaySituation(prefix, at);
    SituationIndex::Snapshot got = past->index->Take(nullptr, past->at);
    ASSERT_EQ(got.incidents.size(), want.size()) << "at sequence " << sequence;
    for (size_t i = 0; i < want.size(); ++i) {
      std::string diff;
      google::protobuf::util::MessageDifferencer differencer;
      differencer.ReportDifferencesToString(&diff);
      EXPECT_TRUE(differencer.Compare(want[i],
                                      ToIncidentProto(*got.incidents[i].record)))
          << "at sequence " << sequence << ": " << diff;
    }
  }

  TempDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1796536800)};
  SituationIndex index_;
  IndexListener listener_{&index_};
  std::unique_ptr<EventLog> log_;
  std::unique_ptr<SituationSnapshotter> snapshotter_;
  std::vector<v1::SituationUpdate> stored_;
};

TEST_F(SituationAsOfTest, EveryPointEqualsTheFoldOfTheLog) {
  AppendShift(14, {4, 9});
  EXPECT_THAT(log_->ListSituationSnapshots(), IsOkAndHolds(ElementsAre(4, 9)));
  for (uint64_t s = 0; s <= 14; ++s) ExpectSameAsReplay(s);
}

TEST_F(SituationAsOfTest, ExpiryIsJudgedAtThePoint) {
  // road-2 (sequence 2) expires 25 minutes after the start; updates come
  // a minute apart and nothing appends its EXPIRED update here.
  AppendShift(14, {});
  clock_.Advance(absl::Minutes(30));
  const absl::Time start = FromProtoTime(stored_[0].received_at());
  absl::StatusOr<PastSituation> before = AtTime(start + absl::Minutes(10));
  absl::StatusOr<PastSituation> after = AtTime(start + absl::Minutes(26));
  ASSERT_THAT(before, IsOk());
  ASSERT_THAT(after, IsOk());
  auto ids = [](const PastSituation& past) {
    std::vector<std::string> ids;
    for (const auto& r : past.index->Take(nullptr, past.at).incidents) {
      ids.push_back(r.record->incident_id);
    }
    return ids;
  };
  EXPECT_THAT(ids(*before), ::testing::Contains("road-2"));
  EXPECT_THAT(ids(*after), ::testing::Not(::testing::Contains("road-2")));
  // Both ends at the last update received by then.
  EXPECT_EQ(before->index->sequence(), 11u);
  EXPECT_EQ(after->index->sequence(), 14u);
}

TEST_F(SituationAsOfTest, RetentionKeepsOnlySnapshotsThatCanStartARebuild) {
  AppendShift(14, {3, 6, 9});
  ASSERT_THAT(RetainFrom(log_.get(), 8), IsOk());  // oldest 8
  // 3 is gone; 6 (= oldest - 2) cannot reach 8 either; 9 can.
  EXPECT_THAT(log_->ListSituationSnapshots(), IsOkAndHolds(ElementsAre(9)));
  for (uint64_t s = 9; s <= 14; ++s) ExpectSameAsReplay(s);
  ExpectSameAsReplay(0);  // before anything: always empty
  for (uint64_t s = 1; s < 9; ++s) {
    EXPECT_THAT(AtSequence(s),
                StatusIs(absl::StatusCode::kOutOfRange,
                         "retention removed the updates before sequence 8 "
                         "and no situation snapshot covers it. The oldest "
                         "point it can rebuild is sequence 9"))
        << s;
  }
}

TEST_F(SituationAsOfTest, ATimeBeforeTheOldestUpdateNeedsASnapshotJustBeforeIt) {
  AppendShift(10, {6});
  ASSERT_THAT(RetainFrom(log_.get(), 7), IsOk());  // snapshot at oldest - 1
  const absl::Time sixth = FromProtoTime(stored_[5].received_at());
  absl::StatusOr<PastSituation> at_sixth = AtTime(sixth + absl::Seconds(30));
  ASSERT_THAT(at_sixth, IsOk());
  EXPECT_EQ(at_sixth->index->sequence(), 6u);
  EXPECT_THAT(AtTime(sixth - absl::Seconds(30)),
              StatusIs(absl::StatusCode::kOutOfRange,
                       "as_of_time 2026-12-06T06:04:30Z is before the oldest "
                       "point this store can rebuild"));
}

TEST_F(SituationAsOfTest, RefusesTheFutureAndBeyondTheHead) {
  AppendShift(3, {});
  EXPECT_THAT(AtSequence(4), StatusIs(absl::StatusCode::kOutOfRange,
                                      "as_of_sequence: 4 is beyond the head (3)"));
  EXPECT_THAT(AtTime(clock_.Now() + absl::Seconds(1)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "as_of_time: 2026-12-06T06:03:01Z is in the future"));
}

}  // namespace
}  // namespace sitrep::testing
