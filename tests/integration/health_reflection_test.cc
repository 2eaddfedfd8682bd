// The standard services on sitrepd's port: grpc.health.v1.Health (SERVING
// for the server and for sitrep.v1.SituationFeed, not serving once shutdown
// starts) and server reflection (lists sitrep.v1.SituationFeed and serves its
// descriptors, so grpcurl works without the .proto files).
//
// Debian ships neither compiled health/reflection protos nor a client-side
// reflection helper, so these calls go through grpc::GenericStub with the
// few fields they need encoded by hand (and decoded with UnknownFieldSet).
#include <sqlite3.h>

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/unknown_field_set.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "server/log/sqlite_event_log.h"
#include "tests/integration/feed_calls.h"
#include "tests/support/http_get.h"
#include "tests/support/test_server.h"
#include "tests/support/updates.h"

namespace sitrep::testing {
namespace {

using ::google::protobuf::UnknownField;
using ::google::protobuf::UnknownFieldSet;
using ::testing::Contains;

constexpr char kHealthCheck[] = "/grpc.health.v1.Health/Check";
constexpr char kHealthWatch[] = "/grpc.health.v1.Health/Watch";
constexpr char kReflectionInfo[] =
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";

// grpc.health.v1.HealthCheckResponse.ServingStatus
constexpr uint64_t kServing = 1;
constexpr uint64_t kNotServing = 2;

// A length-delimited field: tag, length, bytes.
std::string StringField(int number, const std::string& value) {
  UnknownFieldSet fields;
  fields.AddLengthDelimited(number, value);
  std::string bytes;
  fields.SerializeToString(&bytes);
  return bytes;
}

grpc::ByteBuffer ToByteBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string FromByteBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

// Every value of field `number` of a message: varints as their value,
// length-delimited fields as their bytes.
std::vector<const UnknownField*> FieldsNumbered(const UnknownFieldSet& set,
                                                int number) {
  std::vector<const UnknownField*> fields;
  for (int i = 0; i < set.field_count(); ++i) {
    if (set.field(i).number() == number) fields.push_back(&set.field(i));
  }
  return fields;
}

// Waits for the one operation `tag` started on `cq`.
bool Await(grpc::CompletionQueue& cq, void* tag) {
  void* got = nullptr;
  bool ok = false;
  if (!cq.Next(&got, &ok)) return false;
  EXPECT_EQ(got, tag);
  return ok;
}

struct HealthResult {
  grpc::Status status;
  // HealthCheckResponse.status when the call succeeded.
  uint64_t serving_status = 0;
};

HealthResult CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                         const std::string& service) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(CallDeadline());
  grpc::CompletionQueue cq;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> call =
      stub.PrepareUnaryCall(&context, kHealthCheck,
                            ToByteBuffer(StringField(1, service)), &cq);
  call->StartCall();
  grpc::ByteBuffer response;
  HealthResult result;
  int tag = 0;
  call->Finish(&response, &result.status, &tag);
  Await(cq, &tag);
  cq.Shutdown();
  void* ignored_tag;
  bool ignored_ok;
  while (cq.Next(&ignored_tag, &ignored_ok)) {
  }
  if (result.status.ok()) {
    UnknownFieldSet fields;
    EXPECT_TRUE(fields.ParseFromString(FromByteBuffer(response)));
    for (const UnknownField* field : FieldsNumbered(fields, 1)) {
      EXPECT_EQ(field->type(), UnknownField::TYPE_VARINT);
      result.serving_status = field->varint();
    }
  }
  return result;
}

// A streaming call through GenericStub, driven one operation at a time.
class GenericStream {
 public:
  GenericStream(const std::shared_ptr<grpc::Channel>& channel,
                const std::string& method)
      : stub_(channel) {
    context_.set_deadline(CallDeadline());
    call_ = stub_.PrepareCall(&context_, method, &cq_);
    call_->StartCall(this);
    ok_ = Await(cq_, this);
  }
  ~GenericStream() {
    if (!finished_) {
      context_.TryCancel();
      Finish();
    }
    cq_.Shutdown();
    void* ignored_tag;
    bool ignored_ok;
    while (cq_.Next(&ignored_tag, &ignored_ok)) {
    }
  }

  bool Write(const std::string& bytes) {
    if (!ok_) return false;
    call_->Write(ToByteBuffer(bytes), this);
    return ok_ = Await(cq_, this);
  }
  bool WritesDone() {
    if (!ok_) return false;
    call_->WritesDone(this);
    return Await(cq_, this);
  }
  // The next message, or nullopt when the stream ended.
  std::optional<std::string> Read() {
    if (!ok_) return std::nullopt;
    grpc::ByteBuffer buffer;
    call_->Read(&buffer, this);
    if (!Await(cq_, this)) {
      ok_ = false;
      return std::nullopt;
    }
    return FromByteBuffer(buffer);
  }
  grpc::Status Finish() {
    finished_ = true;
    grpc::Status status;
    call_->Finish(&status, this);
    Await(cq_, this);
    return status;
  }

 private:
  grpc::GenericStub stub_;
  grpc::ClientContext context_;
  grpc::CompletionQueue cq_;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call_;
  bool ok_ = false;
  bool finished_ = false;
};

// HealthCheckResponse.status of a response's bytes (0 if unparsable).
uint64_t ServingStatusOf(const std::string& response) {
  UnknownFieldSet fields;
  EXPECT_TRUE(fields.ParseFromString(response));
  uint64_t status = 0;
  for (const UnknownField* field : FieldsNumbered(fields, 1)) {
    if (field->type() == UnknownField::TYPE_VARINT) status = field->varint();
  }
  return status;
}

// One request/response exchange on ServerReflectionInfo; returns the
// response's bytes, or nullopt (with a test failure) if the call failed.
std::optional<std::string> AskReflection(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& request) {
  GenericStream stream(channel, kReflectionInfo);
  EXPECT_TRUE(stream.Write(request));
  std::optional<std::string> response = stream.Read();
  stream.WritesDone();
  grpc::Status status = stream.Finish();
  EXPECT_TRUE(status.ok()) << status.error_code() << " "
                           << status.error_message();
  if (!status.ok()) return std::nullopt;
  return response;
}

TEST(HealthTest, ServerAndSituationFeedAreServing) {
  TestServer server;
  auto channel = server.NewChannel();
  for (const std::string service : {"", "sitrep.v1.SituationFeed"}) {
    SCOPED_TRACE(absl::StrCat("service '", service, "'"));
    HealthResult result = CheckHealth(channel, service);
    ASSERT_TRUE(result.status.ok()) << result.status.error_message();
    EXPECT_EQ(result.serving_status, kServing);
  }
}

TEST(HealthTest, UnknownServiceIsNotFound) {
  TestServer server;
  HealthResult result =
      CheckHealth(server.NewChannel(), "sitrep.v1.NoSuchService");
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST(HealthTest, NotServingOnceShutdownStarts) {
  TestServer server;
  auto channel = server.NewChannel();
  ASSERT_EQ(CheckHealth(channel, "").serving_status, kServing);

  // A subscriber tells the test when shutdown has started: its stream ends
  // with UNAVAILABLE after health went NOT_SERVING.
  auto stub = v1::SituationFeed::NewStub(channel);
  StreamReader reader(*stub, v1::SubscribeRequest());
  ASSERT_TRUE(reader.ReadUntil(IsCaughtUp));
  std::thread shutdown([&] { server.server().Shutdown(); });
  const grpc::Status ended = reader.Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAVAILABLE)
      << ended.error_message();

  for (const std::string service : {"", "sitrep.v1.SituationFeed"}) {
    SCOPED_TRACE(absl::StrCat("service '", service, "'"));
    HealthResult result = CheckHealth(channel, service);
    if (result.status.ok()) {
      EXPECT_EQ(result.serving_status, kNotServing);
    } else {
      // gRPC stopped taking calls altogether (sitrepd calls
      // grpc::Server::Shutdown right after setting NOT_SERVING): a call
      // that reaches it then is refused (UNAVAILABLE) or, when it was
      // already on the wire, cancelled by the server (CANCELLED). Either way
      // a prober sees "not serving".
      EXPECT_THAT(result.status.error_code(),
                  ::testing::AnyOf(grpc::StatusCode::UNAVAILABLE,
                                   grpc::StatusCode::CANCELLED))
          << result.status.error_message();
    }
  }
  shutdown.join();
}

// gRPC health and /readyz both say not serving; /readyz names `reason`.
void ExpectNotServing(const std::shared_ptr<grpc::Channel>& channel,
                      int metrics_port, const std::string& reason) {
  HealthResult check = CheckHealth(channel, "sitrep.v1.SituationFeed");
  ASSERT_TRUE(check.status.ok()) << check.status.error_message();
  EXPECT_EQ(check.serving_status, kNotServing);
  absl::StatusOr<HttpGetResult> readyz = HttpGet(metrics_port, "/readyz");
  ASSERT_TRUE(readyz.ok()) << readyz.status();
  EXPECT_EQ(readyz->status, 503);
  EXPECT_THAT(readyz->body, ::testing::HasSubstr(reason));
}

// Sends the Watch request for `service` and expects SERVING first.
void StartWatchServing(GenericStream& watch, const std::string& service) {
  ASSERT_TRUE(watch.Write(StringField(1, service)));
  ASSERT_TRUE(watch.WritesDone());
  std::optional<std::string> first = watch.Read();
  ASSERT_TRUE(first.has_value()) << watch.Finish().error_message();
  EXPECT_EQ(ServingStatusOf(*first), kServing);
}

TEST(HealthTest, WatchersAreToldNotServingWhenShutdownStarts) {
  TestServer server;
  GenericStream watch(server.NewChannel(), kHealthWatch);
  ASSERT_NO_FATAL_FAILURE(StartWatchServing(watch, "sitrep.v1.SituationFeed"));

  std::thread shutdown([&] { server.server().Shutdown(); });
  std::optional<std::string> next = watch.Read();
  ASSERT_TRUE(next.has_value())
      << "the watch ended without NOT_SERVING: "
      << watch.Finish().error_message();
  EXPECT_EQ(ServingStatusOf(*next), kNotServing);
  watch.Finish();
  shutdown.join();
}

// --shutdown_drain: from the start of shutdown, health says NOT_SERVING
// (Watch is told, Check answers it, /readyz is 503) while calls still work,
// so load balancers move away before the listener closes.
TEST(HealthTest, TheDrainPauseReportsNotServingWhileCallsStillWork) {
  // Long enough for the checks below on a loaded machine; the test waits
  // for it once, at the end.
  TestServer server(
      [](ServerConfig& c) { c.shutdown_drain = absl::Seconds(3); });
  auto channel = server.NewChannel();
  const int metrics_port = server.server().metrics_port();
  GenericStream watch(channel, kHealthWatch);
  ASSERT_NO_FATAL_FAILURE(StartWatchServing(watch, ""));

  std::thread shutdown([&] { server.server().Shutdown(); });
  std::optional<std::string> next = watch.Read();
  ASSERT_TRUE(next.has_value()) << watch.Finish().error_message();
  EXPECT_EQ(ServingStatusOf(*next), kNotServing);

  // Now inside the drain pause.
  ASSERT_NO_FATAL_FAILURE(
      ExpectNotServing(channel, metrics_port, "shutting down"));
  absl::StatusOr<HttpGetResult> healthz = HttpGet(metrics_port, "/healthz");
  ASSERT_TRUE(healthz.ok()) << healthz.status();
  EXPECT_EQ(healthz->status, 200);
  auto stub = v1::SituationFeed::NewStub(channel);
  EXPECT_GT(MustPublish(*stub, PatrolUpdate(v1::MISSION_KFOR)), 0u)
      << "calls must still work during the drain";
  shutdown.join();
}

// Runs `sql` on the live store from outside, as a second connection.
void ExecOnStore(const TestServer& server, const char* sql) {
  sqlite3* db = nullptr;
  const std::string path = server.config().data_dir + "/" + kSqliteFileName;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK) << path;
  sqlite3_busy_timeout(db, 10000);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
  EXPECT_EQ(rc, SQLITE_OK) << (error != nullptr ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

// A store that refuses writes (here: a trigger standing for a full disk)
// turns gRPC health and /readyz to NOT_SERVING with the reason, and the
// first append that succeeds turns them back.
TEST(HealthTest, AFailingStoreIsNotServingUntilAnAppendSucceeds) {
  TestServer server;
  auto channel = server.NewChannel();
  auto stub = v1::SituationFeed::NewStub(channel);
  const int metrics_port = server.server().metrics_port();
  ASSERT_GT(MustPublish(*stub, PatrolUpdate(v1::MISSION_KFOR)), 0u);

  ASSERT_NO_FATAL_FAILURE(ExecOnStore(
      server,
      "CREATE TRIGGER fail BEFORE INSERT ON updates "
      "BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END"));
  {
    grpc::ClientContext context;
    context.set_deadline(CallDeadline());
    v1::PublishRequest request;
    *request.mutable_update() = PatrolUpdate(v1::MISSION_KFOR);
    v1::PublishResponse response;
    const grpc::Status status = stub->Publish(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << status.error_message();
  }
  ASSERT_NO_FATAL_FAILURE(
      ExpectNotServing(channel, metrics_port, "store is unavailable"));
  absl::StatusOr<HttpGetResult> metrics = HttpGet(metrics_port, "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_THAT(metrics->body, ::testing::HasSubstr("sitrep_store_serving 0"));

  ASSERT_NO_FATAL_FAILURE(ExecOnStore(server, "DROP TRIGGER fail"));
  ASSERT_GT(MustPublish(*stub, PatrolUpdate(v1::MISSION_KFOR)), 0u);
  HealthResult check = CheckHealth(channel, "sitrep.v1.SituationFeed");
  ASSERT_TRUE(check.status.ok()) << check.status.error_message();
  EXPECT_EQ(check.serving_status, kServing);
  absl::StatusOr<HttpGetResult> readyz = HttpGet(metrics_port, "/readyz");
  ASSERT_TRUE(readyz.ok()) << readyz.status();
  EXPECT_EQ(readyz->status, 200);
}

// ServerReflectionRequest{list_services = 7} ->
// ServerReflectionResponse{list_services_response = 6 {service = 1 {name = 1}}}
TEST(ReflectionTest, ListsTheSituationFeedService) {
  TestServer server;
  std::optional<std::string> response =
      AskReflection(server.NewChannel(), StringField(7, "*"));
  ASSERT_TRUE(response.has_value());
  UnknownFieldSet message;
  ASSERT_TRUE(message.ParseFromString(*response));
  std::vector<const UnknownField*> lists = FieldsNumbered(message, 6);
  ASSERT_EQ(lists.size(), 1u) << "no list_services_response";
  UnknownFieldSet list;
  ASSERT_TRUE(list.ParseFromString(lists[0]->length_delimited()));
  std::vector<std::string> names;
  for (const UnknownField* service : FieldsNumbered(list, 1)) {
    UnknownFieldSet service_fields;
    ASSERT_TRUE(service_fields.ParseFromString(service->length_delimited()));
    for (const UnknownField* name : FieldsNumbered(service_fields, 1)) {
      names.push_back(name->length_delimited());
    }
  }
  EXPECT_THAT(names, Contains("sitrep.v1.SituationFeed"));
  EXPECT_THAT(names, Contains("grpc.health.v1.Health"));
}

// ServerReflectionRequest{file_containing_symbol = 4} ->
// ServerReflectionResponse{file_descriptor_response = 4
//                          {repeated bytes file_descriptor_proto = 1}}
TEST(ReflectionTest, ServesTheSituationFeedDescriptor) {
  TestServer server;
  std::optional<std::string> response = AskReflection(
      server.NewChannel(), StringField(4, "sitrep.v1.SituationFeed"));
  ASSERT_TRUE(response.has_value());
  UnknownFieldSet message;
  ASSERT_TRUE(message.ParseFromString(*response));
  std::vector<const UnknownField*> descriptors = FieldsNumbered(message, 4);
  ASSERT_EQ(descriptors.size(), 1u) << "no file_descriptor_response";
  UnknownFieldSet files;
  ASSERT_TRUE(files.ParseFromString(descriptors[0]->length_delimited()));

  bool found = false;
  for (const UnknownField* file : FieldsNumbered(files, 1)) {
    google::protobuf::FileDescriptorProto proto;
    ASSERT_TRUE(proto.ParseFromString(file->length_delimited()));
    if (proto.name() != "sitrep/v1/situation_feed.proto") continue;
    found = true;
    EXPECT_EQ(proto.package(), "sitrep.v1");
    ASSERT_EQ(proto.service_size(), 1);
    EXPECT_EQ(proto.service(0).name(), "SituationFeed");
    std::vector<std::string> methods;
    for (const auto& method : proto.service(0).method()) {
      methods.push_back(method.name());
    }
    EXPECT_THAT(methods,
                ::testing::UnorderedElementsAre("Publish", "PublishStream",
                                                "Subscribe", "ListUpdates",
                                                "GetIncident",
                                                "GetSituation"));
  }
  EXPECT_TRUE(found) << "sitrep/v1/situation_feed.proto not served";
}

}  // namespace
}  // namespace sitrep::testing
