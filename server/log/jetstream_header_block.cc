#include "server/log/jetstream_header_block.h"

#include <climits>
#include <cstring>

extern "C" {
// libnats' constructor of every message it receives (src/msg.c): one
// allocation holding the subject, the reply, the header block of `hdrLen`
// bytes at the start of `buf` and the data after it. Exported by libnats
// (3.x, Debian 12's 3.4.1) but not declared in <nats/nats.h>: the public
// natsMsg_Create is this with hdrLen -1 (no headers).
// tests/unit/log/jetstream_header_block_test.cc checks that the message it
// makes reads back through the public API (headers, data, subject).
natsStatus natsMsg_create(natsMsg** newMsg, const char* subject, int subjLen,
                          const char* reply, int replyLen, const char* buf,
                          int bufLen, int hdrLen);
}

namespace sitrep {
namespace jetstream {
namespace {

// What NATS' header section starts and ends with.
constexpr absl::string_view kHeaderLine = "NATS/1.0\r\n";
constexpr absl::string_view kCrlf = "\r\n";

}  // namespace

void NatsHeaderBlock::Start() {
  buffer_.assign(kHeaderLine.data(), kHeaderLine.size());
}

void NatsHeaderBlock::Add(absl::string_view key, const absl::AlphaNum& value) {
  // Appended piece by piece: StrAppend's general path cost about twice as
  // much for these short lines.
  buffer_.append(key.data(), key.size());
  buffer_.append(": ", 2);
  buffer_.append(value.data(), value.size());
  buffer_.append(kCrlf.data(), kCrlf.size());
}

absl::StatusOr<MsgPtr> NatsHeaderBlock::MakeMessage(const char* subject,
                                                    absl::string_view body) {
  // The section ends with an empty line; its length counts it.
  buffer_.append(kCrlf.data(), kCrlf.size());
  const size_t header_size = buffer_.size();
  buffer_.append(body.data(), body.size());
  if (buffer_.size() > static_cast<size_t>(INT_MAX)) {
    return absl::InvalidArgumentError("a message of over 2 GiB");
  }
  natsMsg* raw = nullptr;
  const natsStatus s = natsMsg_create(
      &raw, subject, static_cast<int>(std::strlen(subject)), nullptr, 0,
      buffer_.data(), static_cast<int>(buffer_.size()),
      static_cast<int>(header_size));
  if (s != NATS_OK) {
    return absl::UnavailableError(NatsErrorText("cannot make a message", s));
  }
  return MsgPtr(raw);
}

}  // namespace jetstream
}  // namespace sitrep
