// InlineStreamHandler and InlineWriteReactor over a real gRPC server and
// client on 127.0.0.1:0: the stream behaves as with gRPC's own handler
// (order, status, initial metadata, cancellation, deadlines, OnDone once),
// write completions do run on the writing thread, and a chain of writes
// started from OnWriteDone does not recurse.

#include "server/api/inline_write_reactor.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "sitrep/v1/situation_feed.grpc.pb.h"

namespace sitrep {
namespace {

constexpr absl::Duration kWait = absl::Seconds(30);

// What the tests read back from the server's side.
struct Observed {
  std::atomic<int> on_done{0};
  std::atomic<int> writes_started{0};
  std::atomic<int> writes_done{0};
  std::atomic<int> writes_failed{0};
  // OnWriteDone calls made inside a StartInlineWrite on the same thread
  // (inline), not by gRPC's callback threads.
  std::atomic<int> inline_done{0};
  // The deepest nesting of OnWriteDone on one thread.
  std::atomic<int> max_depth{0};
  absl::Mutex mu;
  int live_streams ABSL_GUARDED_BY(mu) = 0;
};

thread_local int t_depth = 0;
thread_local bool t_in_write = false;

// Who starts the next write after a completion.
enum class Writer {
  kOnWriteDone,  // the completion itself (as the ceiling does)
  kPool,         // application threads (as sitrepd's executor does)
};

class WriterPool;

// Writes `count` heartbeats (head_sequence 1..count), then finishes with
// `status`; count < 0: writes until the client is gone or cancels.
class TestStream final : public InlineWriteReactor {
 public:
  TestStream(Observed* observed, int count, grpc::Status status,
             Writer writer, WriterPool* pool, std::string payload)
      : observed_(observed),
        count_(count),
        status_(std::move(status)),
        writer_(writer),
        pool_(pool),
        payload_(std::move(payload)) {
    absl::MutexLock lock(&observed_->mu);
    ++observed_->live_streams;
  }

  // Writes the next message or finishes. One caller at a time: whoever
  // holds the stream's turn (after OnWriteDone).
  void Next() {
    if (cancelled_.load() || (count_ >= 0 && sent_ >= count_)) {
      Finish(cancelled_.load() ? grpc::Status::CANCELLED : status_);
      return;
    }
    ++sent_;
    v1::SubscribeResponse response;
    response.mutable_heartbeat()->set_head_sequence(sent_);
    response.mutable_cursor()->set_log_id(payload_);
    message_.Set(grpc::Slice(response.SerializeAsString()));
    observed_->writes_started.fetch_add(1);
    const bool outer = t_in_write;
    t_in_write = true;
    StartInlineWrite(&message_);  // `this` may be gone from here on
    t_in_write = outer;
  }

  void OnWriteDone(bool ok) override;

  void OnCancel() override { cancelled_.store(true); }

  void OnDone() override {
    observed_->on_done.fetch_add(1);
    {
      absl::MutexLock lock(&observed_->mu);
      --observed_->live_streams;
    }
    delete this;
  }

 private:
  Observed* const observed_;
  const int count_;
  const grpc::Status status_;
  const Writer writer_;
  WriterPool* const pool_;
  const std::string payload_;
  std::atomic<bool> cancelled_{false};
  int sent_ = 0;  // touched by the stream's turn only
  EncodedMessage message_;
};

// Application threads that start streams' writes, as sitrepd's executor
// does: the inline completions (of these streams or any other) run here.
class WriterPool {
 public:
  explicit WriterPool(int threads) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
  }
  ~WriterPool() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    for (std::thread& t : threads_) t.join();
  }
  void Schedule(TestStream* stream) {
    absl::MutexLock lock(&mu_);
    ready_.push_back(stream);
  }

 private:
  void Loop() {
    for (;;) {
      TestStream* stream;
      {
        absl::MutexLock lock(&mu_);
        auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return stop_ || !ready_.empty();
        };
        mu_.Await(absl::Condition(&ready));
        if (ready_.empty()) return;
        stream = ready_.front();
        ready_.pop_front();
      }
      stream->Next();  // no lock held: completions may run inside
    }
  }
  absl::Mutex mu_;
  std::deque<TestStream*> ready_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

void TestStream::OnWriteDone(bool ok) {
  if (t_in_write) observed_->inline_done.fetch_add(1);
  ++t_depth;
  int seen = observed_->max_depth.load();
  while (t_depth > seen &&
         !observed_->max_depth.compare_exchange_weak(seen, t_depth)) {
  }
  observed_->writes_done.fetch_add(1);
  if (!ok) {
    observed_->writes_failed.fetch_add(1);
    cancelled_.store(true);
  }
  if (writer_ == Writer::kPool) {
    pool_->Schedule(this);
  } else {
    Next();
  }
  --t_depth;
}

// The Subscribe method of sitrep.v1.SituationFeed, served by TestStreams
// through InlineStreamHandler. The request's heartbeat_interval.seconds
// picks the stream: the count of messages (0: endless), its nanos the
// status to finish with (0: OK; else that code, message "the end").
// (Subscribe's callback handler replaced by hand, as sitrepd does, not
// through the raw mix-in, whose Subscribe hides the callback one.)
class TestService final : public v1::SituationFeed::CallbackService {
 public:
  TestService(Observed* observed, Writer writer, WriterPool* pool,
              size_t payload_bytes)
      : payload_(payload_bytes, 'x') {
    MarkMethodRawCallback(
        google::protobuf::DescriptorPool::generated_pool()
            ->FindServiceByName(v1::SituationFeed::service_full_name())
            ->FindMethodByName("Subscribe")
            ->index(),
        new InlineStreamHandler([this, observed, writer, pool](
                                    grpc::CallbackServerContext* context,
                                    const grpc::ByteBuffer* bytes) {
          v1::SubscribeRequest request;
          std::vector<grpc::Slice> slices;
          std::string raw;
          if (bytes->Dump(&slices).ok()) {
            for (const grpc::Slice& s : slices) {
              raw.append(reinterpret_cast<const char*>(s.begin()), s.size());
            }
          }
          request.ParseFromString(raw);
          const int count =
              static_cast<int>(request.heartbeat_interval().seconds());
          const int code = request.heartbeat_interval().nanos();
          grpc::Status status =
              code == 0 ? grpc::Status::OK
                        : grpc::Status(static_cast<grpc::StatusCode>(code),
                                       "the end");
          context->AddInitialMetadata("x-inline-test", "hello");
          auto* stream = new TestStream(observed, count == 0 ? -1 : count,
                                        status, writer, pool, payload_);
          // The first write is started here, before gRPC binds the
          // reactor: gRPC holds it until then (plain StartWrite).
          stream->Next();
          return stream;
        }));
  }

 private:
  const std::string payload_;
};

class InlineWriteReactorTest : public ::testing::Test {
 protected:
  void Serve(Writer writer, size_t payload_bytes = 16) {
    if (writer == Writer::kPool) pool_ = std::make_unique<WriterPool>(2);
    service_ = std::make_unique<TestService>(&observed_, writer, pool_.get(),
                                             payload_bytes);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port_, 0);
  }

  void TearDown() override {
    if (server_ != nullptr) {
      server_->Shutdown(std::chrono::system_clock::now() +
                        std::chrono::seconds(5));
      server_->Wait();
    }
    pool_.reset();
  }

  std::shared_ptr<grpc::Channel> NewChannel() {
    grpc::ChannelArguments args;
    args.SetInt("grpc.use_local_subchannel_pool", 1);  // a connection each
    return grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port_),
                                     grpc::InsecureChannelCredentials(), args);
  }

  static v1::SubscribeRequest Request(int count, grpc::StatusCode code) {
    v1::SubscribeRequest request;
    request.mutable_heartbeat_interval()->set_seconds(count);
    request.mutable_heartbeat_interval()->set_nanos(static_cast<int>(code));
    return request;
  }

  // Reads a whole stream of `count` messages; checks their order.
  static grpc::Status ReadAll(v1::SituationFeed::Stub* stub, int count,
                              grpc::StatusCode code, int* received,
                              std::string* metadata) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(60));
    auto reader = stub->Subscribe(&context, Request(count, code));
    v1::SubscribeResponse response;
    *received = 0;
    while (reader->Read(&response)) {
      if (response.heartbeat().head_sequence() !=
          static_cast<uint64_t>(*received + 1)) {
        return grpc::Status(grpc::StatusCode::DATA_LOSS, "out of order");
      }
      ++*received;
    }
    auto found = context.GetServerInitialMetadata().find("x-inline-test");
    if (metadata != nullptr && found != context.GetServerInitialMetadata().end()) {
      *metadata = std::string(found->second.data(), found->second.size());
    }
    return reader->Finish();
  }

  bool AllDone(int streams) {
    absl::MutexLock lock(&observed_.mu);
    auto done = [this, streams]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(observed_.mu) {
      return observed_.live_streams == 0 && observed_.on_done.load() == streams;
    };
    return observed_.mu.AwaitWithTimeout(absl::Condition(&done), kWait);
  }

  Observed observed_;
  std::unique_ptr<WriterPool> pool_;
  std::unique_ptr<TestService> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST_F(InlineWriteReactorTest, ChainFromOnWriteDoneKeepsOrderStatusAndDoesNotRecurse) {
  Serve(Writer::kOnWriteDone);
  auto stub = v1::SituationFeed::NewStub(NewChannel());
  int received = 0;
  std::string metadata;
  grpc::Status status = ReadAll(stub.get(), 2000, grpc::StatusCode::OK,
                                &received, &metadata);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(received, 2000);
  EXPECT_EQ(metadata, "hello");
  ASSERT_TRUE(AllDone(1));
  EXPECT_EQ(observed_.writes_done.load(), 2000);
  // Completions did run inline, and a chain of writes each completing at
  // once is a loop, not a recursion: at most the completion gRPC's thread
  // ran and the one its write completed inside it are on the stack.
  std::cout << "inline completions: " << observed_.inline_done.load()
            << " of " << observed_.writes_done.load() << "\n";
  EXPECT_GT(observed_.inline_done.load(), 0);
  EXPECT_LE(observed_.max_depth.load(), 2);
}

TEST_F(InlineWriteReactorTest, FinishesWithTheStatusItWasGiven) {
  Serve(Writer::kPool);
  auto stub = v1::SituationFeed::NewStub(NewChannel());
  int received = 0;
  grpc::Status status = ReadAll(
      stub.get(), 50, grpc::StatusCode::PERMISSION_DENIED, &received, nullptr);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(), "the end");
  EXPECT_EQ(received, 50);
  ASSERT_TRUE(AllDone(1));
}

TEST_F(InlineWriteReactorTest, ClientCancelMidStreamEndsTheCallOnce) {
  Serve(Writer::kPool);
  auto stub = v1::SituationFeed::NewStub(NewChannel());
  grpc::ClientContext context;
  auto reader =
      stub->Subscribe(&context, Request(0, grpc::StatusCode::OK));  // endless
  v1::SubscribeResponse response;
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(reader->Read(&response));
  context.TryCancel();
  while (reader->Read(&response)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  ASSERT_TRUE(AllDone(1));
  EXPECT_EQ(observed_.writes_done.load(), observed_.writes_started.load());
}

TEST_F(InlineWriteReactorTest, ClientGoneWithWritesInFlightEndsTheCall) {
  // 64 KiB messages the client stops reading: the writes wait for flow
  // control (completed later, not inline) when the connection goes away.
  Serve(Writer::kOnWriteDone, 64 * 1024);
  {
    auto stub = v1::SituationFeed::NewStub(NewChannel());
    grpc::ClientContext context;
    auto reader = stub->Subscribe(&context, Request(0, grpc::StatusCode::OK));
    v1::SubscribeResponse response;
    for (int i = 0; i < 64; ++i) ASSERT_TRUE(reader->Read(&response));
    // The server writes on (its chain never waits for the client) until
    // flow control holds a write; the client leaves without reading more.
    context.TryCancel();
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }  // the channel goes: the connection closes
  ASSERT_TRUE(AllDone(1));
  EXPECT_EQ(observed_.writes_done.load(), observed_.writes_started.load());
}

TEST_F(InlineWriteReactorTest, DeadlineEndsAnEndlessStream) {
  Serve(Writer::kPool);
  auto stub = v1::SituationFeed::NewStub(NewChannel());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(300));
  auto reader = stub->Subscribe(&context, Request(0, grpc::StatusCode::OK));
  v1::SubscribeResponse response;
  int received = 0;
  while (reader->Read(&response) && received < 10'000'000) ++received;
  EXPECT_EQ(reader->Finish().error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_GT(received, 0);
  ASSERT_TRUE(AllDone(1));
}

TEST_F(InlineWriteReactorTest, ManyStreamsAtOnceFromWriterThreads) {
  // 2 writer threads, 40 streams on 4 connections: the completions the
  // writers run inline are often other streams' (one connection's
  // transport completes several streams' writes at once).
  Serve(Writer::kPool);
  constexpr int kStreams = 40;
  constexpr int kEach = 300;
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < 4; ++i) channels.push_back(NewChannel());
  std::vector<std::thread> clients;
  std::atomic<int> good{0};
  for (int i = 0; i < kStreams; ++i) {
    clients.emplace_back([&, i] {
      auto stub = v1::SituationFeed::NewStub(channels[i % 4]);
      int received = 0;
      grpc::Status status =
          ReadAll(stub.get(), kEach, grpc::StatusCode::OK, &received, nullptr);
      if (status.ok() && received == kEach) good.fetch_add(1);
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(good.load(), kStreams);
  ASSERT_TRUE(AllDone(kStreams));
  EXPECT_EQ(observed_.writes_done.load(), kStreams * kEach);
  std::cout << "inline completions: " << observed_.inline_done.load()
            << " of " << observed_.writes_done.load() << "\n";
  EXPECT_GT(observed_.inline_done.load(), 0);
  EXPECT_EQ(observed_.max_depth.load(), 1);
}

}  // namespace
}  // namespace sitrep
