#ifndef SITREP_SERVER_LOG_JETSTREAM_ACK_REPLY_H_
#define SITREP_SERVER_LOG_JETSTREAM_ACK_REPLY_H_

// The stream sequence of a JetStream message, read from its ack reply
// subject in place. Every replica's tail needs only that one field of the
// message's metadata, and libnats' natsMsg_GetMetaData allocates a
// jsMsgMetaData with copies of the stream and consumer names per message.
// Internal to server/log.

#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"

namespace sitrep {
namespace jetstream {

// The stream sequence in `reply`, an ack subject of either form the
// server sends:
//   $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<time>.<pending>
//   $JS.ACK.<domain>.<account>.<stream>.<consumer>.<delivered>.<sseq>.<cseq>
//       .<time>.<pending>[.<more>...]
// nullopt for any other subject (then the caller asks libnats).
std::optional<uint64_t> StreamSequenceFromAckReply(absl::string_view reply);

}  // namespace jetstream
}  // namespace sitrep

#endif  // SITREP_SERVER_LOG_JETSTREAM_ACK_REPLY_H_
