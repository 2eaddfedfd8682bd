// sitrepd on --store=jetstream, in process, on a real nats-server: two
// replicas on one stream serve one feed (publish on A, subscribe on B; a
// cursor moves from B to A without gap or repeat), and a restarted replica
// keeps the sequences.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/missing_tool.h"
#include "tests/support/nats_server.h"
#include "tests/support/test_server.h"
#include "tests/support/updates.h"

namespace sitrep::testing {
namespace {

using ::testing::ElementsAreArray;

bool IsCaughtUp(const v1::SubscribeResponse& r) { return r.has_caught_up(); }

uint64_t Publish(v1::SituationFeed::Stub& stub, const std::string& headline) {
  grpc::ClientContext context;
  v1::PublishRequest request;
  *request.mutable_update() = PatrolUpdate(v1::MISSION_KFOR, headline);
  v1::PublishResponse response;
  grpc::Status status = stub.Publish(&context, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.sequence();
}

class JetStreamSitrepdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (SharedNatsServer() == nullptr) {
      SITREP_MISSING_TOOL(::sitrep::testing::kNoNatsServer);
    }
    stream_ = StreamOfItsOwn("sitrepd");
  }

  // A sitrepd replica on this test's stream.
  std::unique_ptr<TestServer> Replica() {
    return std::make_unique<TestServer>([this](ServerConfig& config) {
      config.store = StoreKind::kJetStream;
      config.jetstream = stream_;
    });
  }

  JetStreamOptions stream_;
};

TEST_F(JetStreamSitrepdTest, PublishOnOneReplicaStreamsFromTheOther) {
  std::unique_ptr<TestServer> a = Replica();
  std::unique_ptr<TestServer> b = Replica();
  ASSERT_EQ(a->server().log_id(), b->server().log_id());
  std::unique_ptr<v1::SituationFeed::Stub> stub_a = a->NewStub();
  std::unique_ptr<v1::SituationFeed::Stub> stub_b = b->NewStub();

  v1::SubscribeRequest request;
  request.set_from_now(true);
  StreamReader on_b(*stub_b, request);
  ASSERT_TRUE(on_b.ReadUntil(IsCaughtUp));
  std::vector<uint64_t> published;
  for (int i = 0; i < 10; ++i) {
    published.push_back(Publish(*stub_a, absl::StrCat("patrol ", i)));
  }
  EXPECT_THAT(published, ElementsAreArray(SequenceRange(1, 10)));
  EXPECT_THAT(Sequences(on_b.ReadUpdates(10)), ElementsAreArray(SequenceRange(1, 10)));

  // The subscriber moves to A with B's cursor after 5: 6..10, then live.
  v1::SubscribeRequest resume;
  resume.set_after_sequence(5);
  resume.set_log_id(b->server().log_id());
  StreamReader on_a(*stub_a, resume);
  EXPECT_THAT(Sequences(on_a.ReadUpdates(5)), ElementsAreArray(SequenceRange(6, 10)));
  EXPECT_EQ(Publish(*stub_b, "from b"), 11u);
  EXPECT_THAT(Sequences(on_a.ReadUpdates(1)), ElementsAreArray({11u}));
  EXPECT_THAT(Sequences(on_b.ReadUpdates(1)), ElementsAreArray({11u}));
}

TEST_F(JetStreamSitrepdTest, RestartKeepsSequencesAndLogId) {
  std::unique_ptr<TestServer> a = Replica();
  const std::string log_id = a->server().log_id();
  {
    std::unique_ptr<v1::SituationFeed::Stub> stub = a->NewStub();
    for (int i = 0; i < 3; ++i) Publish(*stub, absl::StrCat("before ", i));
  }
  a->Restart();
  EXPECT_EQ(a->server().log_id(), log_id);
  std::unique_ptr<v1::SituationFeed::Stub> stub = a->NewStub();
  EXPECT_EQ(Publish(*stub, "after"), 4u);
  v1::SubscribeRequest request;
  request.set_after_sequence(0);
  request.set_log_id(log_id);
  StreamReader reader(*stub, request);
  EXPECT_THAT(Sequences(reader.ReadUpdates(4)), ElementsAreArray(SequenceRange(1, 4)));
}

}  // namespace
}  // namespace sitrep::testing
