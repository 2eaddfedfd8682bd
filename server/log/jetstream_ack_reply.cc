#include "server/log/jetstream_ack_reply.h"

#include <algorithm>
#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"

namespace sitrep {
namespace jetstream {
namespace {

// Token counts of the two forms (nats-server's ack subjects; the same
// rule as libnats' and nats.go's metadata parsers).
constexpr size_t kV1Tokens = 9;
constexpr size_t kV2MinTokens = 11;
// The stream sequence's token: 5 in the first form, 7 in the second (its
// domain and account come before the stream).
constexpr size_t kV1SequenceToken = 5;
constexpr size_t kV2SequenceToken = 7;

}  // namespace

std::optional<uint64_t> StreamSequenceFromAckReply(absl::string_view reply) {
  constexpr absl::string_view kPrefix = "$JS.ACK.";
  if (!absl::StartsWith(reply, kPrefix)) return std::nullopt;
  // One pass, without allocating: the token boundaries of the first
  // kV2SequenceToken + 1 tokens are kept, the rest only counted. (Splitting
  // with a find per token cost ~900 instructions per message of the tail.)
  std::array<size_t, kV2SequenceToken + 2> starts;
  starts[0] = 0;
  size_t count = 1;
  for (size_t i = 0; i < reply.size(); ++i) {
    if (reply[i] != '.') continue;
    if (count < starts.size()) starts[count] = i + 1;
    ++count;
  }
  size_t at;
  if (count == kV1Tokens) {
    at = kV1SequenceToken;
  } else if (count >= kV2MinTokens) {
    at = kV2SequenceToken;
  } else {
    return std::nullopt;
  }
  // Digits only (SimpleAtoi would also take a sign or spaces), at most
  // uint64's.
  const absl::string_view digits =
      reply.substr(starts[at], starts[at + 1] - 1 - starts[at]);
  if (digits.empty() ||
      !std::all_of(digits.begin(), digits.end(), absl::ascii_isdigit)) {
    return std::nullopt;
  }
  uint64_t sequence = 0;
  if (!absl::SimpleAtoi(digits, &sequence) || sequence == 0) {
    return std::nullopt;
  }
  return sequence;
}

}  // namespace jetstream
}  // namespace sitrep
