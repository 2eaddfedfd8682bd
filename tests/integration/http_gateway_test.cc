// The HTTP/JSON + Server-Sent Events gateway against a real in-process
// sitrepd (docs/http.md): JSON equal to the gRPC API's JSON mapping for the
// same request, filters from query parameters, clear 4xx errors, SSE streams
// that resume with Last-Event-ID exactly after the last event seen, the
// same rights and quotas as gRPC (bearer tokens, session cookies), CORS,
// and the streams' end at shutdown.
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "curl/curl.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "server/auth/token_hash.h"
#include "tests/integration/feed_calls.h"
#include "tests/support/access_policy_builder.h"
#include "tests/support/http_get.h"
#include "tests/support/sse_client.h"
#include "tests/support/test_certificates.h"
#include "tests/support/test_server.h"
#include "tests/support/token_channel.h"
#include "tests/support/updates.h"
#include "zlib.h"

namespace sitrep::testing {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kAllToken[] = "sitrep_kp-ops-token-0123456789";
constexpr char kKforReaderToken[] = "sitrep_kfor-watch-token-0123456789";

std::string Json(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  EXPECT_TRUE(
      google::protobuf::util::MessageToJsonString(message, &json, options).ok());
  return json;
}

v1::SituationUpdate UpdateFromJson(const std::string& json) {
  v1::SituationUpdate update;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &update).ok())
      << json;
  return update;
}

std::vector<uint64_t> EventSequences(const std::vector<SseEvent>& events) {
  std::vector<uint64_t> sequences;
  for (const SseEvent& event : events) {
    sequences.push_back(UpdateFromJson(event.data).sequence());
  }
  return sequences;
}

// The body of a gzip member (Content-Encoding: gzip).
std::string Gunzip(const std::string& gz) {
  z_stream stream{};
  EXPECT_EQ(inflateInit2(&stream, 15 + 16), Z_OK);
  std::string out;
  char chunk[1 << 16];
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  stream.avail_in = static_cast<uInt>(gz.size());
  int rc = Z_OK;
  // Each round inflates at most a chunk; bounded by the output's size.
  for (int round = 0; rc == Z_OK && round < 100000; ++round) {
    stream.next_out = reinterpret_cast<Bytef*>(chunk);
    stream.avail_out = sizeof(chunk);
    rc = inflate(&stream, Z_NO_FLUSH);
    out.append(chunk, sizeof(chunk) - stream.avail_out);
  }
  EXPECT_EQ(rc, Z_STREAM_END);
  inflateEnd(&stream);
  return out;
}

HttpCall Get(std::string path,
             std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpCall call;
  call.path = std::move(path);
  call.headers = std::move(headers);
  return call;
}

// Opens streams on `port` until one is accepted, `max_attempts` times at
// most within `within`, running `before` (if any) before each attempt.
// Returns the last status (0: a connection failed).
int OpenUntilAccepted(int port, absl::Duration within, int max_attempts,
                      const std::function<void()>& before = nullptr) {
  const absl::Time deadline = absl::Now() + within;
  int status = 0;
  for (int attempt = 0; attempt < max_attempts && absl::Now() < deadline;
       ++attempt) {
    if (before) before();
    absl::StatusOr<std::unique_ptr<SseClient>> again =
        SseClient::Open(port, Get("/v1/stream"));
    EXPECT_TRUE(again.ok()) << again.status();
    if (!again.ok()) return 0;
    status = (*again)->status();
    if (status == 200) break;
  }
  return status;
}

class HttpGatewayTest : public ::testing::Test {
 protected:
  int port() { return server_.server().http_port(); }

  absl::StatusOr<HttpGetResult> Fetch(const HttpCall& call) {
    return HttpFetch(port(), call);
  }

  std::unique_ptr<SseClient> Stream(const HttpCall& call) {
    absl::StatusOr<std::unique_ptr<SseClient>> client =
        SseClient::Open(port(), call);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }

  // Publishes an update of each mission `rounds` times; returns the
  // sequences of KFOR's.
  std::vector<uint64_t> PublishRounds(int rounds) {
    auto stub = server_.NewStub();
    std::vector<uint64_t> kfor;
    for (int i = 0; i < rounds; ++i) {
      MustPublish(*stub, PatrolUpdate(v1::MISSION_EULEX));
      kfor.push_back(MustPublish(*stub, PatrolUpdate(v1::MISSION_KFOR)));
      MustPublish(*stub, PatrolUpdate(v1::MISSION_KOSOVO_POLICE));
    }
    return kfor;
  }

  TestServer server_;
};

TEST_F(HttpGatewayTest, ListUpdatesIsTheGrpcAnswerInJson) {
  PublishRounds(4);
  v1::ListUpdatesRequest request;
  request.mutable_filter()->add_missions(v1::MISSION_KFOR);
  request.set_page_size(3);
  request.set_descending(true);
  auto stub = server_.NewStub();
  absl::StatusOr<v1::ListUpdatesResponse> grpc = ListUpdates(*stub, request);
  ASSERT_TRUE(grpc.ok()) << grpc.status();
  ASSERT_EQ(grpc->updates_size(), 3);

  absl::StatusOr<HttpGetResult> http = Fetch(Get(
      "/v1/updates?filter.missions=kfor&page_size=3&descending=true"));
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->status, 200) << http->body;
  EXPECT_EQ(HeaderValue(http->headers, "Content-Type"), "application/json");
  EXPECT_EQ(http->body, Json(*grpc));

  // The next page through the token, in JSON names this time.
  request.set_page_token(grpc->next_page_token());
  absl::StatusOr<v1::ListUpdatesResponse> grpc_next =
      ListUpdates(*stub, request);
  ASSERT_TRUE(grpc_next.ok());
  absl::StatusOr<HttpGetResult> http_next = Fetch(Get(absl::StrCat(
      "/v1/updates?filter.missions=MISSION_KFOR&pageSize=3&descending=true"
      "&page_token=",
      grpc->next_page_token())));
  ASSERT_TRUE(http_next.ok());
  EXPECT_EQ(http_next->body, Json(*grpc_next));
}

TEST_F(HttpGatewayTest, SituationIsTheGrpcAnswerInJson) {
  auto stub = server_.NewStub();
  MustPublish(*stub, NewIncident("bridge-crowd", v1::MISSION_KOSOVO_POLICE));
  MustPublish(*stub, NewIncident("road-block", v1::MISSION_KFOR));
  absl::StatusOr<HttpGetResult> http =
      Fetch(Get("/v1/situation?filter.missions=kosovo-police"));
  ASSERT_TRUE(http.ok()) << http.status();
  ASSERT_EQ(http->status, 200) << http->body;
  v1::Situation from_http;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(http->body, &from_http).ok());
  v1::Filter filter;
  filter.add_missions(v1::MISSION_KOSOVO_POLICE);
  absl::StatusOr<v1::Situation> grpc = GetSituation(*stub, filter);
  ASSERT_TRUE(grpc.ok());
  // Equal but for the moment each was taken.
  from_http.clear_as_of();
  grpc->clear_as_of();
  EXPECT_EQ(Json(from_http), Json(*grpc));
  ASSERT_EQ(from_http.incidents_size(), 1);
  EXPECT_EQ(from_http.incidents(0).incident_id(), "bridge-crowd");
}

// `view=compact` (the dashboard's) names the same incidents as the full
// situation with only what the list and the map show, gzipped like every
// read; with filter.incident_ids, only those. Another view is refused.
TEST_F(HttpGatewayTest, CompactSituationIsTheFullOneCut) {
  auto stub = server_.NewStub();
  for (int i = 0; i < 30; ++i) {
    v1::SituationUpdate update = NewIncident(absl::StrCat("crowd-", i),
                                             v1::MISSION_KOSOVO_POLICE);
    update.set_description("A description only the incident's story shows.");
    MustPublish(*stub, update);
  }
  absl::StatusOr<HttpGetResult> full = Fetch(Get("/v1/situation"));
  absl::StatusOr<HttpGetResult> compact = Fetch(
      Get("/v1/situation?view=compact", {{"Accept-Encoding", "gzip"}}));
  ASSERT_TRUE(full.ok() && compact.ok());
  ASSERT_EQ(compact->status, 200) << compact->body;
  EXPECT_EQ(HeaderValue(compact->headers, "Content-Encoding"), "gzip");
  v1::Situation from_full;
  v1::Situation from_compact;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(full->body, &from_full).ok());
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  Gunzip(compact->body), &from_compact)
                  .ok());
  ASSERT_EQ(from_compact.incidents_size(), 30);
  EXPECT_EQ(from_compact.sequence(), from_full.sequence());
  EXPECT_EQ(from_compact.log_id(), from_full.log_id());
  EXPECT_LT(Gunzip(compact->body).size() * 3, full->body.size() * 2);
  for (int i = 0; i < 30; ++i) {
    const v1::Incident& cut = from_compact.incidents(i);
    const v1::Incident& whole = from_full.incidents(i);
    EXPECT_EQ(cut.incident_id(), whole.incident_id());
    EXPECT_EQ(cut.latest().headline(), whole.latest().headline());
    EXPECT_EQ(cut.latest().sequence(), whole.latest().sequence());
    EXPECT_EQ(cut.lead().tier(), whole.lead().tier());
    EXPECT_EQ(cut.version(), whole.version());
    EXPECT_FALSE(whole.latest().description().empty());
    EXPECT_TRUE(cut.latest().description().empty());
    EXPECT_TRUE(cut.participants().empty());
  }

  absl::StatusOr<HttpGetResult> two = Fetch(Get(
      "/v1/situation?view=compact&filter.incident_ids=crowd-3"
      "&filter.incident_ids=crowd-7&filter.incident_ids=closed-or-unknown"));
  ASSERT_TRUE(two.ok());
  v1::Situation from_two;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(two->body, &from_two).ok());
  ASSERT_EQ(from_two.incidents_size(), 2);

  absl::StatusOr<HttpGetResult> wrong = Fetch(Get("/v1/situation?view=short"));
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->status, 400);
  EXPECT_NE(wrong->body.find("view: 'short'"), std::string::npos) << wrong->body;
}

// A client that accepts gzip (every browser; curl --compressed) gets the
// same JSON compressed; one that does not, or refuses it, gets it as it is.
TEST_F(HttpGatewayTest, ReadsAreGzippedWhenTheClientAcceptsIt) {
  auto stub = server_.NewStub();
  for (int i = 0; i < 30; ++i) {
    MustPublish(*stub, NewIncident(absl::StrCat("crowd-", i),
                                   v1::MISSION_KOSOVO_POLICE));
  }
  absl::StatusOr<HttpGetResult> plain = Fetch(Get("/v1/updates?page_size=30"));
  ASSERT_TRUE(plain.ok()) << plain.status();
  ASSERT_EQ(plain->status, 200) << plain->body;
  EXPECT_EQ(HeaderValue(plain->headers, "Content-Encoding"), "");
  EXPECT_EQ(HeaderValue(plain->headers, "Vary"), "Accept-Encoding");
  ASSERT_GT(plain->body.size(), 1024u);

  absl::StatusOr<HttpGetResult> gzipped = Fetch(Get(
      "/v1/updates?page_size=30", {{"Accept-Encoding", "gzip, deflate, br"}}));
  ASSERT_TRUE(gzipped.ok()) << gzipped.status();
  ASSERT_EQ(gzipped->status, 200);
  EXPECT_EQ(HeaderValue(gzipped->headers, "Content-Encoding"), "gzip");
  EXPECT_EQ(HeaderValue(gzipped->headers, "Content-Type"), "application/json");
  EXPECT_LT(gzipped->body.size() * 3, plain->body.size());
  EXPECT_EQ(Gunzip(gzipped->body), plain->body);

  absl::StatusOr<HttpGetResult> situation = Fetch(
      Get("/v1/situation", {{"Accept-Encoding", "gzip"}}));
  ASSERT_TRUE(situation.ok());
  EXPECT_EQ(HeaderValue(situation->headers, "Content-Encoding"), "gzip");
  v1::Situation from_http;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  Gunzip(situation->body), &from_http)
                  .ok());
  EXPECT_EQ(from_http.incidents_size(), 30);

  absl::StatusOr<HttpGetResult> refused = Fetch(Get(
      "/v1/updates?page_size=30", {{"Accept-Encoding", "gzip;q=0, identity"}}));
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(HeaderValue(refused->headers, "Content-Encoding"), "");
  EXPECT_EQ(refused->body, plain->body);
}

TEST_F(HttpGatewayTest, BadParametersAre400NamingTheParameter) {
  struct Case {
    std::string query;
    std::string names;
  };
  for (const Case& c : std::vector<Case>{
           {"filter.missions=nato", "filter.missions: 'nato'"},
           {"filter.colour=red", "filter.colour: unknown parameter"},
           {"page_size=ten", "page_size: 'ten'"},
           {"descending=true&descending=false", "descending: given twice"},
           {"start_time=yesterday", "start_time: 'yesterday'"},
           {"filter.label_selector=zone%20in%20(north", "label_selector"},
           {"filter.missions=%zz", "bad %-escape"}}) {
    absl::StatusOr<HttpGetResult> http =
        Fetch(Get("/v1/updates?" + c.query));
    ASSERT_TRUE(http.ok()) << http.status();
    EXPECT_EQ(http->status, 400) << c.query;
    EXPECT_THAT(http->body, HasSubstr("\"status\":\"INVALID_ARGUMENT\""));
    EXPECT_THAT(http->body, HasSubstr(c.names)) << c.query;
  }
  absl::StatusOr<HttpGetResult> missing = Fetch(Get("/v2/updates"));
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
  // Counted by route and status, like the gRPC calls.
  absl::StatusOr<HttpGetResult> metrics =
      HttpGet(server_.server().metrics_port(), "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_THAT(metrics->body,
              HasSubstr("sitrep_http_requests_total{route=\"updates\","
                        "status=\"400\"} 7"));
  EXPECT_THAT(metrics->body, HasSubstr("sitrep_http_requests_total{route="
                                       "\"other\",status=\"404\"} 1"));
  HttpCall post = Get("/v1/updates");
  post.method = "POST";
  absl::StatusOr<HttpGetResult> wrong_method = Fetch(post);
  ASSERT_TRUE(wrong_method.ok());
  EXPECT_EQ(wrong_method->status, 405);
  EXPECT_EQ(HeaderValue(wrong_method->headers, "Allow"), "GET");
}

TEST_F(HttpGatewayTest, StreamFromBeginningThenLiveInOrderFiltered) {
  const std::vector<uint64_t> history = PublishRounds(3);
  std::unique_ptr<SseClient> stream = Stream(
      Get("/v1/stream?from_beginning=true&filter.missions=kfor"));
  ASSERT_NE(stream, nullptr);
  ASSERT_EQ(stream->status(), 200);
  EXPECT_THAT(HeaderValue(stream->headers(), "Content-Type"),
              HasSubstr("text/event-stream"));
  std::optional<SseEvent> hello = stream->Next();
  ASSERT_TRUE(hello.has_value());
  EXPECT_EQ(hello->event, "hello");
  EXPECT_EQ(hello->id, "0");
  EXPECT_THAT(hello->data, HasSubstr(server_.server().log_id()));

  std::vector<SseEvent> before;
  std::optional<SseEvent> caught_up = stream->ReadUntil("caught_up", &before);
  ASSERT_TRUE(caught_up.has_value());
  EXPECT_THAT(EventSequences(before), ElementsAreArray(history));
  for (const SseEvent& event : before) {
    EXPECT_EQ(event.id, absl::StrCat(UpdateFromJson(event.data).sequence()));
    EXPECT_EQ(UpdateFromJson(event.data).mission(), v1::MISSION_KFOR);
  }

  const std::vector<uint64_t> live = PublishRounds(2);
  EXPECT_THAT(EventSequences(stream->ReadUpdates(live.size())),
              ElementsAreArray(live));
}

TEST_F(HttpGatewayTest, ABurstReachesAReaderThatFallsBehindInFull) {
  // Many small batches, each written while the last is still in flight:
  // every write must complete and wake the next, or the stream stalls.
  std::unique_ptr<SseClient> stream = Stream(Get("/v1/stream"));
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(stream->ReadUntil("caught_up").has_value());
  auto stub = server_.NewStub();
  std::vector<uint64_t> published;
  for (int i = 0; i < 2000; ++i) {
    published.push_back(MustPublish(*stub, PatrolUpdate(v1::MISSION_KFOR)));
  }
  EXPECT_THAT(EventSequences(stream->ReadUpdates(published.size())),
              ElementsAreArray(published));
}

TEST_F(HttpGatewayTest, AStalledReaderNeitherHoldsOthersBackNorLosesAnything) {
  // Megabytes more than two sockets hold: the stalled stream's writes meet
  // a full socket and leave their rest to the event loop, while the live
  // stream's go straight to its socket (sse_stream.h); both get every
  // update, in order, once each.
  std::unique_ptr<SseClient> stalled = Stream(Get("/v1/stream"));
  std::unique_ptr<SseClient> live = Stream(Get("/v1/stream"));
  ASSERT_NE(stalled, nullptr);
  ASSERT_NE(live, nullptr);
  ASSERT_TRUE(stalled->ReadUntil("caught_up").has_value());
  ASSERT_TRUE(live->ReadUntil("caught_up").has_value());
  auto stub = server_.NewStub();
  std::vector<uint64_t> published;
  constexpr int kRounds = 15, kPerRound = 100;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<uint64_t> this_round;
    for (int i = 0; i < kPerRound; ++i) {
      v1::SituationUpdate update = PatrolUpdate(v1::MISSION_KFOR);
      update.set_description(std::string(4000, 'x'));
      this_round.push_back(MustPublish(*stub, update));
    }
    EXPECT_THAT(EventSequences(live->ReadUpdates(kPerRound)),
                ElementsAreArray(this_round));
    published.insert(published.end(), this_round.begin(), this_round.end());
  }
  EXPECT_THAT(EventSequences(stalled->ReadUpdates(published.size())),
              ElementsAreArray(published));
}

TEST_F(HttpGatewayTest, LastEventIdResumesExactlyAfterIt) {
  std::vector<uint64_t> all = PublishRounds(3);
  std::string last_id;
  {
    std::unique_ptr<SseClient> stream =
        Stream(Get("/v1/stream?from_beginning=true&filter.missions=kfor"));
    ASSERT_NE(stream, nullptr);
    EXPECT_EQ(EventSequences(stream->ReadUpdates(2)),
              std::vector<uint64_t>(all.begin(), all.begin() + 2));
    last_id = stream->last_event_id();
  }  // The connection drops.
  const std::vector<uint64_t> missed = PublishRounds(3);
  all.insert(all.end(), missed.begin(), missed.end());

  // EventSource sends the same URL again with Last-Event-ID.
  std::unique_ptr<SseClient> resumed =
      Stream(Get("/v1/stream?from_beginning=true&filter.missions=kfor",
                 {{"Last-Event-ID", last_id}}));
  ASSERT_NE(resumed, nullptr);
  ASSERT_EQ(resumed->status(), 200);
  std::optional<SseEvent> hello = resumed->Next();
  ASSERT_TRUE(hello.has_value());
  EXPECT_EQ(hello->id, last_id);
  std::vector<SseEvent> after;
  ASSERT_TRUE(resumed->ReadUntil("caught_up", &after).has_value());
  EXPECT_THAT(EventSequences(after),
              ElementsAreArray(std::vector<uint64_t>(all.begin() + 2, all.end())));

  // The query-parameter form, for clients that cannot set the header.
  std::unique_ptr<SseClient> by_query = Stream(Get(absl::StrCat(
      "/v1/stream?filter.missions=kfor&last_event_id=", all[4])));
  ASSERT_NE(by_query, nullptr);
  std::vector<SseEvent> tail;
  ASSERT_TRUE(by_query->ReadUntil("caught_up", &tail).has_value());
  EXPECT_THAT(EventSequences(tail), ElementsAreArray(std::vector<uint64_t>(
                                        all.begin() + 5, all.end())));
}

TEST_F(HttpGatewayTest, SituationStartSendsTheSnapshotThenLive) {
  auto stub = server_.NewStub();
  MustPublish(*stub, NewIncident("bridge-crowd", v1::MISSION_KOSOVO_POLICE));
  MustPublish(*stub, NewIncident("road-block", v1::MISSION_KFOR));
  const uint64_t head =
      MustPublish(*stub, NewIncident("checkpoint", v1::MISSION_KOSOVO_POLICE));
  std::unique_ptr<SseClient> stream = Stream(
      Get("/v1/stream?situation=true&filter.missions=kosovo-police"));
  ASSERT_NE(stream, nullptr);
  std::optional<SseEvent> hello = stream->Next();
  ASSERT_TRUE(hello.has_value());
  EXPECT_EQ(hello->event, "hello");
  // No id: a drop during the snapshot reconnects for a new snapshot.
  EXPECT_EQ(hello->id, std::nullopt);
  std::vector<std::string> incidents;
  std::optional<SseEvent> event;
  while ((event = stream->Next()) && event->event == "snapshot") {
    EXPECT_EQ(event->id, std::nullopt);
    incidents.push_back(UpdateFromJson(event->data).incident_id());
  }
  EXPECT_THAT(incidents, ElementsAreArray({"bridge-crowd", "checkpoint"}));
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->event, "snapshot_end");
  EXPECT_EQ(event->id, absl::StrCat(head));
  const uint64_t live =
      MustPublish(*stub, PatrolUpdate(v1::MISSION_KOSOVO_POLICE));
  EXPECT_THAT(EventSequences(stream->ReadUpdates(1)), ElementsAreArray({live}));
}

TEST_F(HttpGatewayTest, RefusedStreamsAreHttpErrors) {
  PublishRounds(1);
  std::unique_ptr<SseClient> beyond =
      Stream(Get("/v1/stream", {{"Last-Event-ID", "999"}}));
  ASSERT_NE(beyond, nullptr);
  EXPECT_EQ(beyond->status(), 400);
  EXPECT_THAT(beyond->ReadBody(), HasSubstr("OUT_OF_RANGE"));

  std::unique_ptr<SseClient> other_log =
      Stream(Get("/v1/stream?after_sequence=1&log_id=another-log"));
  ASSERT_NE(other_log, nullptr);
  EXPECT_EQ(other_log->status(), 400);
  EXPECT_THAT(other_log->ReadBody(), HasSubstr("FAILED_PRECONDITION"));

  std::unique_ptr<SseClient> two_starts =
      Stream(Get("/v1/stream?from_now=true&from_beginning=true"));
  ASSERT_NE(two_starts, nullptr);
  EXPECT_EQ(two_starts->status(), 400);
  EXPECT_THAT(two_starts->ReadBody(), HasSubstr("only one of"));
}

TEST_F(HttpGatewayTest, HeartbeatsMoveTheCursorPastSkippedUpdates) {
  std::unique_ptr<SseClient> stream = Stream(
      Get("/v1/stream?filter.missions=eulex&heartbeat_interval=0.05s"));
  ASSERT_NE(stream, nullptr);
  ASSERT_EQ(stream->status(), 200);
  auto stub = server_.NewStub();
  const uint64_t skipped = MustPublish(*stub, PatrolUpdate(v1::MISSION_KFOR));
  // Heartbeats come until one carries the cursor past the KFOR update.
  for (;;) {
    std::optional<SseEvent> beat = stream->ReadUntil("heartbeat");
    ASSERT_TRUE(beat.has_value());
    if (beat->id == absl::StrCat(skipped)) break;
  }
  EXPECT_THAT(stream->last_event_id(), absl::StrCat(skipped));
}

TEST_F(HttpGatewayTest, ShutdownEndsStreamsWithAnErrorEvent) {
  std::unique_ptr<SseClient> stream = Stream(Get("/v1/stream"));
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(stream->ReadUntil("caught_up").has_value());
  server_.Stop();
  std::optional<SseEvent> error = stream->ReadUntil("error");
  ASSERT_TRUE(error.has_value());
  EXPECT_THAT(error->data, HasSubstr("\"status\":\"UNAVAILABLE\""));
  EXPECT_FALSE(stream->Next().has_value());  // Then the response ends.
}

TEST_F(HttpGatewayTest, ServesTheDashboardWithItsSecurityHeaders) {
  absl::StatusOr<HttpGetResult> index = Fetch(Get("/"));
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_EQ(index->status, 200);
  EXPECT_THAT(HeaderValue(index->headers, "Content-Type"),
              HasSubstr("text/html"));
  EXPECT_THAT(index->body, HasSubstr("<html"));
  EXPECT_THAT(HeaderValue(index->headers, "Content-Security-Policy"),
              HasSubstr("default-src 'self'"));
  absl::StatusOr<HttpGetResult> script = Fetch(Get("/dashboard/app.js"));
  ASSERT_TRUE(script.ok());
  EXPECT_EQ(script->status, 200);
  EXPECT_THAT(HeaderValue(script->headers, "Content-Type"),
              HasSubstr("text/javascript"));
}

// The page loads its modules as one script, bundled at build time from
// client/dashboard/*.js (server/http/bundle_dashboard.cmake), and asks for
// none of them one by one.
TEST_F(HttpGatewayTest, ServesTheDashboardsModulesAsOneBundle) {
  absl::StatusOr<HttpGetResult> index = Fetch(Get("/"));
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_THAT(index->body, HasSubstr("src=\"/dashboard/bundle.js\""));
  EXPECT_THAT(index->body, Not(HasSubstr("/dashboard/app.js")));
  EXPECT_THAT(index->body, Not(HasSubstr("modulepreload")));
  absl::StatusOr<HttpGetResult> bundle = Fetch(Get("/dashboard/bundle.js"));
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  EXPECT_EQ(bundle->status, 200);
  EXPECT_THAT(HeaderValue(bundle->headers, "Content-Type"),
              HasSubstr("text/javascript"));
  // Every module, each once, and no module syntax left.
  EXPECT_THAT(bundle->body, HasSubstr("const module_app = (() => {"));
  EXPECT_THAT(bundle->body, HasSubstr("const module_first_situation = (() => {"));
  EXPECT_THAT(bundle->body, Not(HasSubstr("\nimport {")));
  EXPECT_THAT(bundle->body, Not(HasSubstr("\nexport ")));
}

// The map's outline is one of the dashboard's files, embedded in sitrepd:
// the page fetches nothing off the machine.
TEST_F(HttpGatewayTest, ServesKosovosOutlineForTheMap) {
  absl::StatusOr<HttpGetResult> outline =
      Fetch(Get("/dashboard/kosovo-outline.geojson"));
  ASSERT_TRUE(outline.ok()) << outline.status();
  EXPECT_EQ(outline->status, 200);
  EXPECT_THAT(HeaderValue(outline->headers, "Content-Type"),
              HasSubstr("application/geo+json"));
  google::protobuf::Struct body;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(outline->body, &body).ok());
  EXPECT_EQ(body.fields().at("properties").struct_value().fields().at("name")
                .string_value(),
            "Kosovo");
  EXPECT_EQ(body.fields().at("geometry").struct_value().fields().at("type")
                .string_value(),
            "Polygon");
  EXPECT_LT(outline->body.size(), 8 * 1024u);  // small, as SOURCES.md says
}

TEST_F(HttpGatewayTest, MunicipalitiesNameEachIdInEveryScript) {
  absl::StatusOr<HttpGetResult> answer = Fetch(Get("/v1/municipalities"));
  ASSERT_TRUE(answer.ok());
  ASSERT_EQ(answer->status, 200);
  google::protobuf::Struct body;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(answer->body, &body).ok());
  const auto& list = body.fields().at("municipalities").list_value();
  EXPECT_EQ(list.values_size(), 38);
  bool zvecan = false;
  for (const auto& value : list.values()) {
    const auto& fields = value.struct_value().fields();
    if (fields.at("id").string_value() != "zvecan") continue;
    zvecan = true;
    EXPECT_EQ(fields.at("albanian").string_value(), "Zveçan");
    EXPECT_EQ(fields.at("serbianLatin").string_value(), "Zvečan");
    EXPECT_EQ(fields.at("serbianCyrillic").string_value(), "Звечан");
  }
  EXPECT_TRUE(zvecan);
}

TEST_F(HttpGatewayTest, CrossOriginOnlyForListedOrigins) {
  absl::StatusOr<HttpGetResult> foreign =
      Fetch(Get("/v1/situation", {{"Origin", "https://evil.example"}}));
  ASSERT_TRUE(foreign.ok());
  EXPECT_EQ(HeaderValue(foreign->headers, "Access-Control-Allow-Origin"), "");

  TestServer cors([](ServerConfig& c) {
    c.http_cors_origins = {"https://ops.example"};
  });
  const int port = cors.server().http_port();
  absl::StatusOr<HttpGetResult> listed = HttpFetch(
      port, Get("/v1/situation", {{"Origin", "https://ops.example"}}));
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(HeaderValue(listed->headers, "Access-Control-Allow-Origin"),
            "https://ops.example");
  HttpCall preflight = Get("/v1/stream", {{"Origin", "https://ops.example"},
                                          {"Access-Control-Request-Method",
                                           "GET"}});
  preflight.method = "OPTIONS";
  absl::StatusOr<HttpGetResult> allowed = HttpFetch(port, preflight);
  ASSERT_TRUE(allowed.ok());
  EXPECT_EQ(allowed->status, 204);
  EXPECT_THAT(HeaderValue(allowed->headers, "Access-Control-Allow-Headers"),
              HasSubstr("Last-Event-ID"));

  TestServer open([](ServerConfig& c) { c.http_cors_origins = {"*"}; });
  absl::StatusOr<HttpGetResult> any = HttpFetch(
      open.server().http_port(),
      Get("/v1/situation", {{"Origin", "https://anywhere.example"}}));
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(HeaderValue(any->headers, "Access-Control-Allow-Origin"), "*");
  // Never the browser's cookie for just any page.
  EXPECT_EQ(HeaderValue(any->headers, "Access-Control-Allow-Credentials"), "");
}

TEST_F(HttpGatewayTest, AQuietStreamOutlivesTheIoTimeout) {
  TestServer quick([](ServerConfig& c) { c.http_io_timeout = absl::Seconds(1); });
  absl::StatusOr<std::unique_ptr<SseClient>> stream = SseClient::Open(
      quick.server().http_port(), Get("/v1/stream?heartbeat_interval=2.5s"));
  ASSERT_TRUE(stream.ok());
  ASSERT_TRUE((*stream)->ReadUntil("caught_up").has_value());
  // Nothing is sent for 2.5 s, more than the 1 s timeout: the stream must
  // still be there for its heartbeat.
  std::optional<SseEvent> next = (*stream)->Next();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->event, "heartbeat");
}

TEST_F(HttpGatewayTest, AClientThatGoesAwayGivesItsStreamBack) {
  TestServer limited([](ServerConfig& c) { c.max_subscriptions = 1; });
  const int port = limited.server().http_port();
  {
    absl::StatusOr<std::unique_ptr<SseClient>> first =
        SseClient::Open(port, Get("/v1/stream"));
    ASSERT_TRUE(first.ok());
    ASSERT_TRUE((*first)->ReadUntil("caught_up").has_value());
    absl::StatusOr<std::unique_ptr<SseClient>> second =
        SseClient::Open(port, Get("/v1/stream"));
    ASSERT_TRUE(second.ok());
    EXPECT_EQ((*second)->status(), 429);
  }  // The first client closes its connection.
  // The server notices the close without waiting for a write: a new stream
  // is accepted well before any heartbeat would have found the dead one.
  EXPECT_EQ(OpenUntilAccepted(port, absl::Seconds(4), 500), 200);
}

TEST_F(HttpGatewayTest, AClientThatStopsReadingIsDroppedAfterTheIoTimeout) {
  // The writes that fill its socket are the executor's (sse_stream.h); what
  // the socket no longer takes waits in the loop under the write timeout,
  // which ends the stream and gives its place back.
  TestServer quick([](ServerConfig& c) {
    c.http_io_timeout = absl::Seconds(1);
    c.max_subscriptions = 1;
  });
  const int port = quick.server().http_port();
  absl::StatusOr<std::unique_ptr<SseClient>> stalled =
      SseClient::Open(port, Get("/v1/stream"));
  ASSERT_TRUE(stalled.ok());
  ASSERT_TRUE((*stalled)->ReadUntil("caught_up").has_value());
  auto stub = quick.NewStub();
  for (int i = 0; i < 1500; ++i) {  // ~6 MB, more than two sockets hold
    v1::SituationUpdate update = PatrolUpdate(v1::MISSION_KFOR);
    update.set_description(std::string(4000, 'x'));
    MustPublish(*stub, update);
  }
  // Each attempt publishes one more update first: the stalled stream keeps
  // a write pending, and the attempts are paced by real work.
  EXPECT_EQ(OpenUntilAccepted(port, absl::Seconds(15), 20000,
                              [&stub] {
                                MustPublish(*stub,
                                            PatrolUpdate(v1::MISSION_KFOR));
                              }),
            200);
}

TEST(HttpGatewayTlsTest, ServesHttpsWithTheGrpcCertificate) {
  TempDir dir;
  absl::StatusOr<TestCertificates> pki = MakeTestCertificates(dir.path());
  ASSERT_TRUE(pki.ok()) << pki.status();
  TestServer server([&pki](ServerConfig& c) {
    c.tls.cert_file = pki->server.cert_file;
    c.tls.key_file = pki->server.key_file;
  });
  const std::string url = absl::StrCat(
      "https://127.0.0.1:", server.server().http_port(), "/v1/situation");
  CURL* curl = curl_easy_init();
  ASSERT_NE(curl, nullptr);
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CAINFO, pki->ca.cert_file.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(
      curl, CURLOPT_WRITEFUNCTION,
      +[](char* data, size_t size, size_t count, void* out) -> size_t {
        static_cast<std::string*>(out)->append(data, size * count);
        return size * count;
      });
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  ASSERT_EQ(curl_easy_perform(curl), CURLE_OK);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  EXPECT_EQ(status, 200);
  EXPECT_THAT(body, HasSubstr(server.server().log_id()));
  // Plain HTTP to the HTTPS port gets no answer.
  absl::StatusOr<HttpGetResult> plain =
      HttpGet(server.server().http_port(), "/v1/situation", absl::Seconds(3));
  EXPECT_FALSE(plain.ok() && plain->status == 200);
}

// With an access policy: the same principals and rights as gRPC.
class HttpGatewayAuthTest : public ::testing::Test {
 protected:
  HttpGatewayAuthTest()
      : policy_(WritePolicy(dir_.path() + "/policy.json")),
        server_([this](ServerConfig& c) {
          c.auth_file = policy_;
          c.max_streams_per_principal = 2;
        }) {}

  static std::string WritePolicy(const std::string& path) {
    return AccessPolicyBuilder()
        .Principal("kp-ops").Token(kAllToken).Publish({"*"}).Read({"*"})
        .Principal("kfor-watch").Token(kKforReaderToken).Read({"KFOR"})
        .WriteTo(path);
  }

  int port() { return server_.server().http_port(); }

  // Publishes one update of each mission as the all-rights principal.
  void PublishEachMission() {
    auto stub = NewTokenStub(server_.address(), kAllToken);
    for (v1::Mission mission : {v1::MISSION_EULEX, v1::MISSION_KFOR,
                                v1::MISSION_KOSOVO_POLICE}) {
      MustPublish(*stub, PatrolUpdate(mission));
    }
  }

  // POST /v1/session with `token`; returns the cookie ("name=value").
  std::string Login(const std::string& token) {
    HttpCall call;
    call.method = "POST";
    call.path = "/v1/session";
    call.headers = {{"Authorization", "Bearer " + token}};
    absl::StatusOr<HttpGetResult> answer = HttpFetch(port(), call);
    EXPECT_TRUE(answer.ok()) << answer.status();
    if (!answer.ok()) return "";
    EXPECT_EQ(answer->status, 200) << answer->body;
    const std::string set_cookie = HeaderValue(answer->headers, "Set-Cookie");
    EXPECT_THAT(set_cookie, HasSubstr("HttpOnly"));
    EXPECT_THAT(set_cookie, HasSubstr("SameSite=Strict"));
    return set_cookie.substr(0, set_cookie.find(';'));
  }

  // A stream from the beginning with `headers` sees only the KFOR update
  // of PublishEachMission().
  void ExpectStreamOfKforOnly(
      std::vector<std::pair<std::string, std::string>> headers) {
    absl::StatusOr<std::unique_ptr<SseClient>> stream = SseClient::Open(
        port(), Get("/v1/stream?from_beginning=true", std::move(headers)));
    ASSERT_TRUE(stream.ok());
    ASSERT_EQ((*stream)->status(), 200);
    std::vector<SseEvent> seen;
    ASSERT_TRUE((*stream)->ReadUntil("caught_up", &seen).has_value());
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(UpdateFromJson(seen[0].data).mission(), v1::MISSION_KFOR);
  }

  TempDir dir_;
  const std::string policy_;
  TestServer server_;
};

TEST_F(HttpGatewayAuthTest, NoCredentialsIs401) {
  absl::StatusOr<HttpGetResult> answer = HttpGet(port(), "/v1/updates");
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->status, 401);
  EXPECT_THAT(answer->body, HasSubstr("UNAUTHENTICATED"));
  EXPECT_THAT(HeaderValue(answer->headers, "WWW-Authenticate"),
              HasSubstr("Bearer"));
  EXPECT_THAT(answer->body, HasSubstr("POST /v1/session"));
  absl::StatusOr<HttpGetResult> wrong = HttpFetch(
      port(), Get("/v1/updates", {{"Authorization", "Bearer sitrep_nope"}}));
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->status, 401);
  EXPECT_THAT(wrong->body, Not(HasSubstr("sitrep_nope")));
}

TEST_F(HttpGatewayAuthTest, ReadRightsHoldOnEveryEndpoint) {
  PublishEachMission();
  const std::vector<std::pair<std::string, std::string>> kfor = {
      {"Authorization", absl::StrCat("Bearer ", kKforReaderToken)}};
  absl::StatusOr<HttpGetResult> denied =
      HttpFetch(port(), Get("/v1/updates?filter.missions=eulex", kfor));
  ASSERT_TRUE(denied.ok());
  EXPECT_EQ(denied->status, 403);
  EXPECT_THAT(denied->body, HasSubstr("PERMISSION_DENIED"));

  absl::StatusOr<HttpGetResult> page = HttpFetch(port(), Get("/v1/updates", kfor));
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->status, 200);
  v1::ListUpdatesResponse list;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(page->body, &list).ok());
  ASSERT_EQ(list.updates_size(), 1);
  EXPECT_EQ(list.updates(0).mission(), v1::MISSION_KFOR);

  ExpectStreamOfKforOnly(kfor);
}

// Issue 22: the CAP endpoints are reads like the others: the same
// authentication, rights and filter.
TEST_F(HttpGatewayAuthTest, CapAlertsFollowTheReadRights) {
  PublishEachMission();  // #1 EULEX, #2 KFOR, #3 Kosovo Police
  absl::StatusOr<HttpGetResult> anonymous = HttpGet(port(), "/v1/cap/2.xml");
  ASSERT_TRUE(anonymous.ok());
  EXPECT_EQ(anonymous->status, 401);

  const std::vector<std::pair<std::string, std::string>> kfor = {
      {"Authorization", absl::StrCat("Bearer ", kKforReaderToken)}};
  absl::StatusOr<HttpGetResult> own = HttpFetch(port(), Get("/v1/cap/2.xml", kfor));
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own->status, 200) << own->body;
  EXPECT_THAT(HeaderValue(own->headers, "Content-Type"), HasSubstr("application/cap+xml"));
  EXPECT_THAT(own->body, HasSubstr("<senderName>MISSION_KFOR</senderName>"));

  absl::StatusOr<HttpGetResult> other = HttpFetch(port(), Get("/v1/cap/1.xml", kfor));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->status, 404);
  EXPECT_THAT(other->body, HasSubstr("not found or not permitted"));
  EXPECT_THAT(other->body, Not(HasSubstr("EULEX")));

  absl::StatusOr<HttpGetResult> feed = HttpFetch(port(), Get("/v1/cap/alerts.atom", kfor));
  ASSERT_TRUE(feed.ok());
  EXPECT_EQ(feed->status, 200);
  EXPECT_THAT(HeaderValue(feed->headers, "Content-Type"), HasSubstr("application/atom+xml"));
  absl::StatusOr<HttpGetResult> denied =
      HttpFetch(port(), Get("/v1/cap/alerts.atom?filter.missions=eulex", kfor));
  ASSERT_TRUE(denied.ok());
  EXPECT_EQ(denied->status, 403);
}

TEST_F(HttpGatewayAuthTest, SessionCookieStandsForTheTokenUntilDeleted) {
  PublishEachMission();
  const std::string cookie = Login(kKforReaderToken);
  ASSERT_THAT(cookie, HasSubstr("sitrep_session="));
  ExpectStreamOfKforOnly({{"Cookie", cookie}});

  HttpCall logout = Get("/v1/session", {{"Cookie", cookie}});
  logout.method = "DELETE";
  absl::StatusOr<HttpGetResult> deleted = HttpFetch(port(), logout);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(deleted->status, 204);
  absl::StatusOr<HttpGetResult> after =
      HttpFetch(port(), Get("/v1/situation", {{"Cookie", cookie}}));
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->status, 401);
  EXPECT_THAT(after->body, HasSubstr("POST /v1/session"));

  HttpCall bad_login = Get("/v1/session",
                           {{"Authorization", "Bearer sitrep_unknown"}});
  bad_login.method = "POST";
  absl::StatusOr<HttpGetResult> refused = HttpFetch(port(), bad_login);
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 401);
  EXPECT_EQ(HeaderValue(refused->headers, "Set-Cookie"), "");
}

TEST_F(HttpGatewayAuthTest, StreamsCountAgainstThePrincipalsQuota) {
  const std::vector<std::pair<std::string, std::string>> kfor = {
      {"Authorization", absl::StrCat("Bearer ", kKforReaderToken)}};
  std::vector<std::unique_ptr<SseClient>> open;
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<std::unique_ptr<SseClient>> stream =
        SseClient::Open(port(), Get("/v1/stream", kfor));
    ASSERT_TRUE(stream.ok());
    ASSERT_EQ((*stream)->status(), 200);
    ASSERT_TRUE((*stream)->ReadUntil("caught_up").has_value());
    open.push_back(*std::move(stream));
  }
  absl::StatusOr<std::unique_ptr<SseClient>> third =
      SseClient::Open(port(), Get("/v1/stream", kfor));
  ASSERT_TRUE(third.ok());
  EXPECT_EQ((*third)->status(), 429);
  EXPECT_THAT((*third)->ReadBody(), HasSubstr("RESOURCE_EXHAUSTED"));
}

}  // namespace
}  // namespace sitrep::testing
