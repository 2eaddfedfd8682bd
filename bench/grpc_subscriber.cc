#include "bench/grpc_subscriber.h"

namespace sitrep::bench {

void Subscriber::Start(Channel* channel, const v1::SubscribeRequest& request) {
  request_ = ToByteBuffer(request.SerializeAsString());
  start_ns_ = NowNs();
  // What the generated stub's async()->Subscribe does, with ByteBuffer as
  // the response type (gRPC 1.51 has no public generic server-streaming
  // callback call), so the client can skip full protobuf parsing.
  grpc::internal::ClientCallbackReaderFactory<grpc::ByteBuffer>::Create(
      channel->channel.get(), *channel->subscribe, &context_, &request_,
      this);
  StartRead(&response_);
  StartCall();
}

void Subscriber::OnReadDone(bool ok) {
  if (!ok) return;
  grpc::Slice slice;
  if (!response_.TrySingleSlice(&slice).ok()) {
    response_.DumpToSingleSlice(&slice);
  }
  const int64_t now = NowNs();
  const bool recording = g_recording.load(std::memory_order_relaxed);
  int updates = 0, markers = 0;
  bool has_cursor = false;
  uint64_t delivered = 0, bytes = 0;
  const bool parsed = ForEachField(
      slice.begin(), slice.end(),
      [&](int field, int type, uint64_t, const uint8_t* data, size_t n) {
        if (type != 2) return;
        switch (field) {
          case 1: {
            ++updates;
            DecodedUpdate u;
            if (!DecodeUpdate(data, n, &u)) {
              ++contract_violations_;
              return;
            }
            OnUpdate(u, now, recording);
            ++delivered;
            bytes += n;
            break;
          }
          case 3:
            ++markers;
            SetCaughtUp(now);
            break;
          case 2:
            ++markers;
            ++heartbeats_;
            break;
          case 4:
            ++markers;
            break;
          case 5:
            ++markers;
            ++gaps_;
            break;
          case 15:
            has_cursor = true;
            break;
          default:
            break;
        }
      });
  // A message is a batch of updates or exactly one marker, and always
  // carries the cursor.
  if (!parsed || !has_cursor || (updates > 0 && markers > 0) ||
      markers > 1 || (updates == 0 && markers == 0)) {
    ++contract_violations_;
  }
  AddReceived(delivered, bytes);
  if (stall_) return;  // never reads again: the server must cope
  StartRead(&response_);
}

v1::SubscribeRequest MissionRequest(int mission_index, int heartbeat_s) {
  v1::SubscribeRequest request;
  request.mutable_filter()->add_missions(
      static_cast<v1::Mission>(mission_index + 1));
  request.set_from_now(true);
  request.mutable_heartbeat_interval()->set_seconds(heartbeat_s);
  return request;
}

}  // namespace sitrep::bench
