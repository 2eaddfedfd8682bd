#include "server/log/jetstream_retained_index.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/log/append_rules.h"
#include "server/log/jetstream_nats.h"

namespace sitrep {
namespace jetstream {

namespace {

struct DigestContextFree {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

// OpenSSL 3's SHA256() looks the algorithm up again on every call
// (EVP_Q_digest), which cost more than hashing a short key: the writer
// hashes every update it decides. So the algorithm is fetched once and each
// thread reuses one context. Null when OpenSSL cannot give them: then
// SHA256() as before (the same bytes either way).
EVP_MD_CTX* Sha256Context() {
  static const EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  thread_local std::unique_ptr<EVP_MD_CTX, DigestContextFree> context(
      EVP_MD_CTX_new());
  if (sha256 == nullptr || context == nullptr ||
      EVP_DigestInit_ex2(context.get(), sha256, nullptr) != 1) {
    return nullptr;
  }
  return context.get();
}

// SHA-256 of EventKey(publisher, event_id), without making the key.
bool HashEventKey(absl::string_view publisher, absl::string_view event_id,
                  unsigned char (&digest)[SHA256_DIGEST_LENGTH]) {
  EVP_MD_CTX* context = Sha256Context();
  if (context == nullptr) return false;
  const absl::AlphaNum size(publisher.size());
  unsigned int length = 0;
  return EVP_DigestUpdate(context, size.data(), size.size()) == 1 &&
         EVP_DigestUpdate(context, ":", 1) == 1 &&
         EVP_DigestUpdate(context, publisher.data(), publisher.size()) == 1 &&
         EVP_DigestUpdate(context, event_id.data(), event_id.size()) == 1 &&
         EVP_DigestFinal_ex(context, digest, &length) == 1 &&
         length == SHA256_DIGEST_LENGTH;
}

}  // namespace

EventDigest DigestOf(const v1::SituationUpdate& update) {
  return DigestOf(update.publisher(), update.event_id());
}

EventDigest DigestOf(absl::string_view publisher, absl::string_view event_id) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  if (!HashEventKey(publisher, event_id, digest)) {
    const std::string key =
        absl::StrCat(publisher.size(), ":", publisher, event_id);
    SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(),
           digest);
  }
  uint64_t high = 0, low = 0;
  for (int i = 0; i < 8; ++i) high = (high << 8) | digest[i];
  for (int i = 8; i < 16; ++i) low = (low << 8) | digest[i];
  return absl::MakeUint128(high, low);
}

std::optional<EventDigest> DigestFromMsgId(absl::string_view msg_id) {
  constexpr size_t kDigits = 32;
  if (msg_id.size() < kDigits) return std::nullopt;
  if (msg_id.size() > kDigits && msg_id[kDigits] != '.' &&
      !absl::ascii_isxdigit(static_cast<unsigned char>(msg_id[kDigits]))) {
    return std::nullopt;
  }
  uint64_t half[2] = {0, 0};
  for (size_t i = 0; i < kDigits; ++i) {
    const char c = msg_id[i];
    int value;
    if (c >= '0' && c <= '9') {
      value = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      value = c - 'a' + 10;
    } else {
      return std::nullopt;  // not sitrep's (its ids are lower case)
    }
    half[i / 16] = (half[i / 16] << 4) | static_cast<uint64_t>(value);
  }
  return absl::MakeUint128(half[0], half[1]);
}

void RetainedIndex::Reset(uint64_t oldest) {
  first_ = oldest;
  slots_.clear();
  events_.clear();
  cache_.clear();
}

void RetainedIndex::Add(const LogEntryPtr& entry, EventDigest digest) {
  slots_.push_back({ReceivedAtMicros(entry->update), digest});
  events_[digest] = entry->sequence();
  cache_.push_back(entry);
  if (cache_.size() > cache_capacity_) cache_.pop_front();
}

void RetainedIndex::AddWithoutEntry(int64_t received_us, EventDigest digest) {
  slots_.push_back({received_us, digest});
  events_[digest] = head();
  cache_.clear();
}

void RetainedIndex::DropBefore(uint64_t target) {
  while (first_ < target && !slots_.empty()) {
    // The id's entry may name a newer sequence (published again after a
    // gap the tail saw): only this sequence's entry goes.
    auto it = events_.find(slots_.front().digest);
    if (it != events_.end() && it->second == first_) events_.erase(it);
    slots_.pop_front();
    ++first_;
  }
  first_ = std::max(first_, target);
  const uint64_t cached_first = head() + 1 - cache_.size();
  for (uint64_t s = cached_first; s < first_ && !cache_.empty(); ++s) {
    cache_.pop_front();
  }
  // Give the deques' and the map's memory back after a large drop.
  if (slots_.empty()) {
    std::deque<Slot>().swap(slots_);
    absl::flat_hash_map<EventDigest, uint64_t>().swap(events_);
  }
}

std::optional<uint64_t> RetainedIndex::FindEvent(EventDigest digest) const {
  auto it = events_.find(digest);
  if (it == events_.end()) return std::nullopt;
  return it->second;
}

LogEntryPtr RetainedIndex::Cached(uint64_t sequence) const {
  const uint64_t cached_first = head() + 1 - cache_.size();
  if (sequence < cached_first || sequence > head()) return nullptr;
  return cache_[sequence - cached_first];
}

uint64_t RetainedIndex::FirstReceivedAtOrAfter(int64_t micros) const {
  // received_at never decreases with the sequence.
  auto it = std::lower_bound(
      slots_.begin(), slots_.end(), micros,
      [](const Slot& slot, int64_t value) { return slot.received_us < value; });
  return first_ + static_cast<uint64_t>(it - slots_.begin());
}

}  // namespace jetstream
}  // namespace sitrep
