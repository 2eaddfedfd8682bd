#include "server/fanout/entry_encodings.h"

#include <string>
#include <thread>
#include <vector>

#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep {
namespace {

LogEntryPtr Entry(uint64_t sequence, const std::string& headline) {
  v1::SituationUpdate update;
  update.set_sequence(sequence);
  update.set_headline(headline);
  (*update.mutable_labels())["unit"] = "RC-E";
  return MakeLogEntry(update);
}

TEST(EntryEncodingsTest, UpdatesFieldsConcatenateToABatch) {
  // Lengths of one, two and three varint bytes.
  for (const size_t length : {10, 300, 20000}) {
    const LogEntryPtr first = Entry(7, std::string(length, 'a'));
    const LogEntryPtr second = Entry(8, "Roadblock");
    std::string batch;
    AppendUpdatesField(*first, &batch);
    EXPECT_EQ(batch.size(), UpdatesFieldSize(*first)) << length;
    AppendUpdatesField(*second, &batch);
    EXPECT_EQ(batch.size(), UpdatesFieldSize(*first) + UpdatesFieldSize(*second));
    v1::SubscribeResponse response;
    ASSERT_TRUE(response.ParseFromString(batch)) << length;
    ASSERT_EQ(response.updates_size(), 2);
    EXPECT_EQ(response.updates(0).headline().size(), length);
    EXPECT_EQ(response.updates(1).headline(), "Roadblock");
    EXPECT_EQ(response.updates(1).sequence(), 8u);
  }
}

TEST(EntryEncodingsTest, AnotherFieldNumberHasTheSameLength) {
  const LogEntryPtr entry = Entry(3, "Checkpoint");
  std::string bytes;
  AppendUpdatesField(*entry, &bytes, 2);  // Incident.latest
  EXPECT_EQ(bytes.size(), UpdatesFieldSize(*entry));
  v1::Incident incident;
  ASSERT_TRUE(incident.ParseFromString(bytes));
  EXPECT_EQ(incident.latest().headline(), "Checkpoint");
}

TEST(EntryEncodingsTest, AnEntryReadBackSendsTheStoredBytes) {
  const LogEntryPtr made = Entry(5, "Convoy");
  const LogEntryPtr read =
      MakeLogEntryFromEncoded(made->update, made->encoded);
  std::string from_made;
  std::string from_read;
  AppendUpdatesField(*made, &from_made);
  AppendUpdatesField(*read, &from_read);
  EXPECT_EQ(from_read, from_made);
}

TEST(EntryEncodingsTest, JsonIsMadeOnceAndShared) {
  const LogEntryPtr entry = Entry(9, "Protest");
  std::string expected;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(entry->update,
                                                          &expected, options)
                  .ok());
  // Many readers at once (SSE streams woken by one append) share one JSON.
  constexpr int kReaders = 8;
  std::vector<const std::string*> seen(kReaders, nullptr);
  std::vector<std::thread> readers;
  for (int i = 0; i < kReaders; ++i) {
    readers.emplace_back([&entry, &seen, i] { seen[i] = &EntryJson(*entry); });
  }
  for (std::thread& reader : readers) reader.join();
  for (const std::string* json : seen) {
    ASSERT_EQ(json, seen[0]);
  }
  EXPECT_EQ(*seen[0], expected);
  EXPECT_EQ(&EntryJson(*entry), seen[0]);
}

}  // namespace
}  // namespace sitrep
