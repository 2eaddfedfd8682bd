#include "server/http/sse_frame_cache.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/http/sse_events.h"

namespace sitrep {
namespace {

LogEntryPtr Entry(uint64_t sequence, const std::string& headline = "Patrol") {
  v1::SituationUpdate update;
  update.set_sequence(sequence);
  update.set_mission(v1::MISSION_KFOR);
  update.set_headline(headline);
  return MakeLogEntry(update);
}

SseFrameCache::Options Slots(size_t slots, size_t max_frame_bytes = 16384) {
  SseFrameCache::Options options;
  options.slots = slots;
  options.max_frame_bytes = max_frame_bytes;
  return options;
}

TEST(SseFrameCacheTest, EveryStreamGetsTheSameFrameOfAnEntry) {
  SseFrameCache cache(Slots(8), &SseUpdateEvent);
  const LogEntryPtr entry = Entry(5);
  const SseFrame first = cache.UpdateFrame(entry);
  const SseFrame second = cache.UpdateFrame(entry);
  EXPECT_EQ(first.get(), second.get());  // shared, not copied
  EXPECT_EQ(*first, SseUpdateEvent(*entry));
  EXPECT_EQ(cache.stats().hits, 1u);
  EXPECT_EQ(cache.stats().misses, 1u);
}

TEST(SseFrameCacheTest, StreamsMissingAnEntryAtOnceMakeItsFrameOnce) {
  std::atomic<int> made{0};
  absl::Notification making, release;
  SseFrameCache cache(Slots(8), [&](const LogEntry& e) {
    if (made.fetch_add(1) == 0) {
      making.Notify();
      release.WaitForNotification();  // the second stream comes meanwhile
    }
    return SseUpdateEvent(e);
  });
  const LogEntryPtr entry = Entry(5);
  SseFrame first, second;
  std::thread a([&] { first = cache.UpdateFrame(entry); });
  making.WaitForNotification();
  std::thread b([&] { second = cache.UpdateFrame(entry); });
  release.Notify();
  a.join();
  b.join();
  EXPECT_EQ(made.load(), 1);
  EXPECT_EQ(first.get(), second.get());
  EXPECT_EQ(cache.stats().misses, 1u);
  EXPECT_EQ(cache.stats().hits, 1u);
}

TEST(SseFrameCacheTest, HoldsAtMostItsSlotsAndLetsEvictedFramesGo) {
  SseFrameCache cache(Slots(4), &SseUpdateEvent);
  std::vector<std::weak_ptr<const std::string>> made;
  std::vector<LogEntryPtr> entries;
  for (uint64_t sequence = 1; sequence <= 100; ++sequence) {
    entries.push_back(Entry(sequence));
    made.push_back(cache.UpdateFrame(entries.back()));
  }
  const SseFrameCache::Stats stats = cache.stats();
  EXPECT_EQ(stats.frames, 4u);
  size_t alive = 0;
  for (const auto& frame : made) alive += frame.expired() ? 0 : 1;
  // Nobody else holds them: only the cache's four remain.
  EXPECT_EQ(alive, 4u);
  size_t last_four = 0;
  for (size_t i = entries.size() - 4; i < entries.size(); ++i) {
    last_four += SseUpdateEvent(*entries[i]).size();
  }
  EXPECT_EQ(stats.bytes, last_four);
}

TEST(SseFrameCacheTest, AFrameAStreamStillSendsOutlivesItsEviction) {
  SseFrameCache cache(Slots(1), &SseUpdateEvent);
  const LogEntryPtr old_entry = Entry(1);
  // A slow reader's write in flight holds it.
  SseFrame held = cache.UpdateFrame(old_entry);
  std::weak_ptr<const std::string> watch = held;
  cache.UpdateFrame(Entry(2));  // evicts it from the cache
  EXPECT_FALSE(watch.expired());
  EXPECT_EQ(*held, SseUpdateEvent(*old_entry));
  held.reset();  // the socket took it
  EXPECT_TRUE(watch.expired());
}

TEST(SseFrameCacheTest, AnotherEntryOfTheSameSequenceGetsItsOwnFrame) {
  // E.g. a store read of an entry the ring also holds: the cache knows
  // entries by identity, not by sequence alone.
  SseFrameCache cache(Slots(8), &SseUpdateEvent);
  const SseFrame ring = cache.UpdateFrame(Entry(3, "from the ring"));
  const SseFrame store = cache.UpdateFrame(Entry(3, "from the store"));
  EXPECT_NE(ring.get(), store.get());
  EXPECT_THAT(*store, ::testing::HasSubstr("from the store"));
}

TEST(SseFrameCacheTest, ALargeFrameIsMadeButNotKept) {
  SseFrameCache cache(Slots(8, /*max_frame_bytes=*/100), &SseUpdateEvent);
  const LogEntryPtr entry = Entry(7, std::string(200, 'x'));
  const SseFrame frame = cache.UpdateFrame(entry);
  EXPECT_EQ(*frame, SseUpdateEvent(*entry));
  EXPECT_EQ(cache.stats().frames, 0u);
  EXPECT_NE(cache.UpdateFrame(entry).get(), frame.get());
}

TEST(SseFrameCacheTest, StreamsShareUpdateEventsAndKeepTheirOwnEvents) {
  SseFrameCache cache(Slots(8), &SseUpdateEvent);
  CursorMessage message;
  message.updates = {Entry(4), Entry(9)};
  message.left_view = {{9, "resolved"}};
  SseChunk a, b;
  AppendSseEvents(message, &cache, &a);
  AppendSseEvents(message, &cache, &b);
  // The same bytes as without the cache...
  EXPECT_EQ(a.Flatten(), SseEvents(message));
  EXPECT_EQ(b.Flatten(), SseEvents(message));
  // ...with the update of 4 one frame for both, the left_view of 9 each
  // stream's own.
  ASSERT_EQ(a.frames.size(), 2u);
  ASSERT_EQ(b.frames.size(), 2u);
  EXPECT_EQ(a.frames[0].get(), b.frames[0].get());
  EXPECT_NE(a.frames[1].get(), b.frames[1].get());
  EXPECT_THAT(*a.frames[1], ::testing::HasSubstr("event: left_view"));
}

}  // namespace
}  // namespace sitrep
