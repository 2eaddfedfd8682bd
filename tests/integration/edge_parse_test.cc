// The parse step at the edge over real gRPC: hand-made request bytes,
// sent through raw (ByteBuffer) calls as a client with another encoder
// would send them, to every SituationFeed method of a real in-process
// sitrepd. Bytes protobuf refuses are INVALID_ARGUMENT naming the field
// (message and google.rpc.BadRequest), counted as rejected; a PublishStream
// answers such a message with its own error acks and goes on; unknown
// fields never reach the store or a reader.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/client_unary_call.h"
#include "grpcpp/impl/rpc_method.h"
#include "gtest/gtest.h"
#include "tests/integration/feed_calls.h"
#include "tests/support/http_get.h"
#include "tests/support/metrics_text.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_server.h"
#include "tests/support/wire_bytes.h"

namespace sitrep::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kService[] = "/sitrep.v1.SituationFeed/";

grpc::ByteBuffer Bytes(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string StringOf(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const grpc::Slice& slice : slices) {
    out.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return out;
}

// SituationFeed's methods over raw bytes: what the generated stub does,
// without its encoder.
class RawFeed {
 public:
  explicit RawFeed(std::shared_ptr<grpc::Channel> channel)
      : channel_(std::move(channel)) {}

  grpc::Status Unary(absl::string_view method, const std::string& request,
                     std::string* response = nullptr) {
    grpc::ClientContext context;
    context.set_deadline(CallDeadline());
    const std::string path = absl::StrCat(kService, method);
    grpc::internal::RpcMethod rpc(path.c_str(),
                                  grpc::internal::RpcMethod::NORMAL_RPC);
    grpc::ByteBuffer answer;
    grpc::Status status =
        grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
            channel_.get(), rpc, &context, Bytes(request), &answer);
    if (response != nullptr) *response = StringOf(answer);
    return status;
  }

  // Subscribe: the messages until the stream's end or a CaughtUp marker.
  grpc::Status Subscribe(const std::string& request,
                         std::vector<std::string>* messages) {
    grpc::ClientContext context;
    context.set_deadline(CallDeadline());
    const std::string path = absl::StrCat(kService, "Subscribe");
    grpc::internal::RpcMethod rpc(path.c_str(),
                                  grpc::internal::RpcMethod::SERVER_STREAMING);
    std::unique_ptr<grpc::ClientReader<grpc::ByteBuffer>> reader(
        grpc::internal::ClientReaderFactory<grpc::ByteBuffer>::Create(
            channel_.get(), rpc, &context, Bytes(request)));
    grpc::ByteBuffer message;
    while (messages->size() < 100 && reader->Read(&message)) {
      messages->push_back(StringOf(message));
      v1::SubscribeResponse parsed;
      if (parsed.ParseFromString(messages->back()) && parsed.has_caught_up()) {
        context.TryCancel();
        break;
      }
    }
    return reader->Finish();
  }

  // PublishStream: writes every message, then reads every ack.
  grpc::Status PublishStream(const std::vector<std::string>& requests,
                             std::vector<v1::PublishAck>* acks) {
    grpc::ClientContext context;
    context.set_deadline(CallDeadline());
    const std::string path = absl::StrCat(kService, "PublishStream");
    grpc::internal::RpcMethod rpc(path.c_str(),
                                  grpc::internal::RpcMethod::BIDI_STREAMING);
    std::unique_ptr<grpc::ClientReaderWriter<grpc::ByteBuffer,
                                             grpc::ByteBuffer>>
        stream(grpc::internal::ClientReaderWriterFactory<
               grpc::ByteBuffer, grpc::ByteBuffer>::Create(channel_.get(),
                                                           rpc, &context));
    for (const std::string& request : requests) {
      if (!stream->Write(Bytes(request))) break;
    }
    stream->WritesDone();
    grpc::ByteBuffer message;
    while (stream->Read(&message)) {
      v1::PublishAck ack;
      EXPECT_TRUE(ack.ParseFromString(StringOf(message)));
      acks->push_back(ack);
    }
    return stream->Finish();
  }

 private:
  std::shared_ptr<grpc::Channel> channel_;
};

std::string RequestWith(const v1::SituationUpdate& update,
                        const std::string& appended = "") {
  return Field(1, update.SerializeAsString() + appended);
}

std::string ValidRequest(absl::string_view headline) {
  return RequestWith(PatrolUpdate(v1::MISSION_KFOR, headline));
}

// A publish request whose update.headline holds a lone surrogate.
std::string SurrogateHeadline() {
  v1::SituationUpdate update = PatrolUpdate(v1::MISSION_KFOR);
  update.clear_headline();
  return RequestWith(update,
                     Field(10, absl::StrCat("Patrol ", kLoneSurrogate)));
}

// A filter whose second municipality is not UTF-8.
std::string BadFilter() {
  return Field(1, Field(5, "Prishtinë") + Field(5, "Mitrovic\xEB"));
}

// A status is INVALID_ARGUMENT, starts with `field`, and carries a
// google.rpc.BadRequest detail naming it.
void ExpectNamesField(const grpc::Status& status, const std::string& field) {
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message();
  EXPECT_THAT(status.error_message(), StartsWith(field + ": "));
  EXPECT_THAT(status.error_details(),
              HasSubstr("type.googleapis.com/google.rpc.BadRequest"));
  EXPECT_THAT(status.error_details(), HasSubstr(field));
}

class EdgeParseTest : public ::testing::Test {
 protected:
  EdgeParseTest() : feed_(server_.NewChannel()), stub_(server_.NewStub()) {}

  size_t StoredCount() {
    absl::StatusOr<std::vector<v1::SituationUpdate>> all = ListAll(*stub_, v1::ListUpdatesRequest());
    EXPECT_TRUE(all.ok()) << all.status();
    return all.ok() ? all->size() : 0;
  }

  TestServer server_;
  RawFeed feed_;
  std::unique_ptr<v1::SituationFeed::Stub> stub_;
};

TEST_F(EdgeParseTest, PublishNamesTheInvalidStringField) {
  ExpectNamesField(feed_.Unary("Publish", SurrogateHeadline()),
                   "update.headline");
  v1::SituationUpdate update = PatrolUpdate(v1::MISSION_KFOR);
  update.clear_description();
  ExpectNamesField(
      feed_.Unary("Publish", RequestWith(update, Field(11, "caf\xC3"))),
      "update.description");
  v1::SituationUpdate placed = PatrolUpdate(v1::MISSION_KFOR);
  placed.clear_location();
  ExpectNamesField(
      feed_.Unary("Publish",
                  RequestWith(placed, Field(12, Field(1, absl::StrCat(
                                                     "Zve", kLoneSurrogate))))),
      "update.location.municipality");
  EXPECT_EQ(StoredCount(), 0u);
  // The same connection goes on serving.
  std::string response;
  ASSERT_TRUE(feed_.Unary("Publish", ValidRequest("after"), &response).ok());
  EXPECT_EQ(StoredCount(), 1u);
}

TEST_F(EdgeParseTest, ReadsNameTheInvalidFilterField) {
  ExpectNamesField(feed_.Unary("ListUpdates", BadFilter()),
                   "filter.municipalities[1]");
  ExpectNamesField(feed_.Unary("GetSituation", BadFilter()),
                   "filter.municipalities[1]");
  std::vector<std::string> messages;
  ExpectNamesField(feed_.Subscribe(BadFilter(), &messages),
                   "filter.municipalities[1]");
  EXPECT_TRUE(messages.empty());
}

TEST_F(EdgeParseTest, TruncatedRequestsAreInvalidArgument) {
  const std::string request = ValidRequest("cut");
  grpc::Status status =
      feed_.Unary("Publish", request.substr(0, request.size() - 4));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              StartsWith("update: the message ends inside this field"));
}

TEST_F(EdgeParseTest, PublishStreamAcksAnUnparsableMessageAndGoesOn) {
  const std::string bad_entry = SurrogateHeadline();
  const std::string batch = Field(3, ValidRequest("b0")) + Field(3, bad_entry) +
                            Field(3, ValidRequest("b2"));
  std::vector<v1::PublishAck> acks;
  grpc::Status status = feed_.PublishStream(
      {ValidRequest("one"), SurrogateHeadline(), ValidRequest("three"), batch,
       ValidRequest("seven")},
      &acks);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(acks.size(), 5u);
  EXPECT_EQ(acks[0].index(), 0u);
  EXPECT_GT(acks[0].sequence(), 0u);
  EXPECT_EQ(acks[1].index(), 1u);
  EXPECT_EQ(acks[1].error().code(), 3);
  EXPECT_EQ(acks[1].error().field(), "update.headline");
  EXPECT_EQ(acks[2].index(), 2u);
  EXPECT_GT(acks[2].sequence(), acks[0].sequence());
  // The batch protobuf refuses as a whole: only its bad entry fails, named
  // as a lone request's field would be; the others are stored.
  ASSERT_EQ(acks[3].batch_size(), 3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(acks[3].batch(i).index(), 3u + i);
  EXPECT_GT(acks[3].batch(0).sequence(), acks[2].sequence());
  EXPECT_EQ(acks[3].batch(1).error().code(), 3);
  EXPECT_EQ(acks[3].batch(1).error().field(), "update.headline");
  EXPECT_EQ(acks[3].batch(1).sequence(), 0u);
  EXPECT_GT(acks[3].batch(2).sequence(), acks[3].batch(0).sequence());
  EXPECT_EQ(acks[4].index(), 6u);
  EXPECT_GT(acks[4].sequence(), acks[3].batch(2).sequence());
  EXPECT_EQ(StoredCount(), 5u);
}

TEST_F(EdgeParseTest, PublishStreamRefusesABatchNextToAnUpdateAsAWhole) {
  const std::string mixed = Field(1, PatrolUpdate(v1::MISSION_KFOR)
                                         .SerializeAsString()) +
                            Field(3, SurrogateHeadline()) +
                            Field(3, ValidRequest("b1"));
  std::vector<v1::PublishAck> acks;
  ASSERT_TRUE(feed_.PublishStream({mixed, ValidRequest("after")}, &acks).ok());
  ASSERT_EQ(acks.size(), 2u);
  ASSERT_EQ(acks[0].batch_size(), 2);
  for (const v1::PublishAck& ack : acks[0].batch()) {
    EXPECT_EQ(ack.error().field(), "batch[0].update.headline");
  }
  EXPECT_EQ(acks[1].index(), 2u);
  EXPECT_GT(acks[1].sequence(), 0u);
  EXPECT_EQ(StoredCount(), 1u);
}

TEST_F(EdgeParseTest, PublishStreamEndsOnAMessageThatCannotBeFramed) {
  const std::string valid = ValidRequest("framed");
  std::vector<v1::PublishAck> acks;
  grpc::Status status = feed_.PublishStream(
      {valid, valid.substr(0, valid.size() - 3), ValidRequest("never")},
      &acks);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              StartsWith("update: the message ends inside this field"));
  EXPECT_THAT(status.error_message(), HasSubstr("request 1 of the stream"));
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_GT(acks[0].sequence(), 0u);
  EXPECT_EQ(StoredCount(), 1u);
}

// A message over --max_message_bytes never reaches the handler (gRPC's
// own limit): the stream must not end OK with that request unanswered.
TEST_F(EdgeParseTest, PublishStreamDoesNotEndOkAfterAnOversizedMessage) {
  v1::SituationUpdate huge = PatrolUpdate(v1::MISSION_KFOR, "huge");
  huge.set_description(std::string(2 << 20, 'x'));
  std::vector<v1::PublishAck> acks;
  grpc::Status status = feed_.PublishStream(
      {ValidRequest("before"), RequestWith(huge), ValidRequest("after")},
      &acks);
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << status.error_message();
}

// Fields numbered like mission, sequence, received_at, publisher and
// incident_version, with other wire types: protobufjs would read them as
// the real fields if they were stored and relayed.
std::string SpoofingFields() {
  return Tag(2, 5) + std::string("\x03\x78\x80\x01", 4) +
         Tag(102, 1) + "\x07kp-desk" +
         Tag(100, 1) + std::string("\x07\x7A\x05zzzzz", 8) +
         Tag(101, 1) + std::string("\x07\x08\x01\x7A\x03zzz", 8) +
         Tag(103, 5) + std::string("\x09\x78\x80\x01", 4) +
         Field(5000, std::string(64 * 1024, 'u'));
}

TEST_F(EdgeParseTest, UnknownFieldsAreNeitherStoredNorRelayed) {
  const v1::SituationUpdate update = PatrolUpdate(v1::MISSION_KFOR, "spoof");
  std::string response;
  ASSERT_TRUE(feed_
                  .Unary("Publish",
                         RequestWith(update, SpoofingFields()) +
                             VarintField(77, 1),
                         &response)
                  .ok());
  std::vector<v1::PublishAck> acks;
  ASSERT_TRUE(feed_
                  .PublishStream({Field(3, RequestWith(update, SpoofingFields()))},
                                 &acks)
                  .ok());
  ASSERT_EQ(acks.size(), 1u);
  ASSERT_EQ(acks[0].batch_size(), 1);
  EXPECT_GT(acks[0].batch(0).sequence(), 0u);

  std::string page;
  ASSERT_TRUE(feed_.Unary("ListUpdates", "", &page).ok());
  v1::ListUpdatesResponse listed;
  ASSERT_TRUE(listed.ParseFromString(page));
  ASSERT_EQ(listed.updates_size(), 2);
  for (const v1::SituationUpdate& stored : listed.updates()) {
    EXPECT_TRUE(stored.GetReflection()->GetUnknownFields(stored).empty());
    EXPECT_EQ(stored.mission(), v1::MISSION_KFOR);
  }
  // What the store relays is exactly the known fields, re-encoded.
  EXPECT_EQ(page, listed.SerializeAsString());
  EXPECT_FALSE(absl::StrContains(page, "kp-desk"));
  EXPECT_LT(page.size(), 4096u);

  // Subscribe relays the stored bytes (LogEntry::wire) as they are.
  std::vector<std::string> messages;
  feed_.Subscribe(Tag(4, 0) + std::string("\x01", 1), &messages).ok();
  int updates = 0;
  for (const std::string& message : messages) {
    v1::SubscribeResponse streamed;
    ASSERT_TRUE(streamed.ParseFromString(message));
    updates += streamed.updates_size();
    for (const v1::SituationUpdate& relayed : streamed.updates()) {
      EXPECT_TRUE(relayed.GetReflection()->GetUnknownFields(relayed).empty());
    }
    EXPECT_FALSE(absl::StrContains(message, "kp-desk"));
    EXPECT_EQ(message.size(), streamed.ByteSizeLong());
  }
  EXPECT_EQ(updates, 2);
}

TEST_F(EdgeParseTest, RefusalsAreCountedAsInvalidArgument) {
  feed_.Unary("Publish", SurrogateHeadline()).ok();
  feed_.Unary("ListUpdates", BadFilter()).ok();
  feed_.Unary("GetSituation", BadFilter()).ok();
  std::vector<std::string> messages;
  feed_.Subscribe(BadFilter(), &messages).ok();
  std::vector<v1::PublishAck> acks;
  ASSERT_TRUE(feed_.PublishStream({SurrogateHeadline()}, &acks).ok());

  absl::StatusOr<HttpGetResult> got =
      HttpGet(server_.server().metrics_port(), "/metrics");
  ASSERT_TRUE(got.ok()) << got.status();
  absl::StatusOr<std::map<std::string, double>> m =
      ParseMetricsText(got->body);
  ASSERT_TRUE(m.ok()) << m.status();
  for (const char* method :
       {"Publish", "ListUpdates", "GetSituation", "Subscribe"}) {
    EXPECT_EQ(SampleOr(*m, absl::StrCat(
                               "sitrep_grpc_server_handled_total{code=\"",
                               "INVALID_ARGUMENT\",method=\"", method, "\"}")),
              1)
        << method;
  }
  EXPECT_EQ(SampleOr(*m, "sitrep_grpc_server_handled_total{code=\"OK\","
                         "method=\"PublishStream\"}"),
            1);
  EXPECT_EQ(SampleOr(*m, "sitrep_requests_rejected_total{reason="
                         "\"invalid_argument\"}"),
            5);
  EXPECT_EQ(SampleOr(*m, "sitrep_grpc_server_handled_total{code="
                         "\"UNIMPLEMENTED\",method=\"Publish\"}"),
            -1);
}

}  // namespace
}  // namespace sitrep::testing
