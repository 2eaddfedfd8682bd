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
  if (!absl::StartsWith(reply, "$JS.ACK.")) return std::nullopt;
  // Splits without allocating: the first 8 tokens are kept, the rest only
  // counted.
  std::array<absl::string_view, kV2SequenceToken + 1> tokens;
  size_t count = 0;
  for (size_t start = 0;;) {
    const size_t dot = reply.find('.', start);
    const size_t end = dot == absl::string_view::npos ? reply.size() : dot;
    if (count < tokens.size()) tokens[count] = reply.substr(start, end - start);
    ++count;
    if (dot == absl::string_view::npos) break;
    start = dot + 1;
  }
  size_t at;
  if (count == kV1Tokens) {
    at = kV1SequenceToken;
  } else if (count >= kV2MinTokens) {
    at = kV2SequenceToken;
  } else {
    return std::nullopt;
  }
  // Digits only (SimpleAtoi would also take a sign or spaces).
  const absl::string_view digits = tokens[at];
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
