#ifndef SITREP_TESTS_SUPPORT_TOKEN_CHANNEL_H_
#define SITREP_TESTS_SUPPORT_TOKEN_CHANNEL_H_

#include <memory>
#include <string>

#include "grpcpp/grpcpp.h"
#include "sitrep/v1/situation_feed.grpc.pb.h"

namespace sitrep::testing {

// A channel to `address` whose every call carries
// "authorization: Bearer <token>" (none when `token` is empty), over any
// credentials — plaintext included, where gRPC's own call credentials are
// not sent. An interceptor adds it, so the tests' call helpers work as is.
std::shared_ptr<grpc::Channel> NewTokenChannel(
    const std::string& address, const std::string& token,
    std::shared_ptr<grpc::ChannelCredentials> credentials =
        grpc::InsecureChannelCredentials());

// A SituationFeed stub on NewTokenChannel(address, token, credentials): the
// calls of one principal (none when `token` is empty).
std::unique_ptr<v1::SituationFeed::Stub> NewTokenStub(
    const std::string& address, const std::string& token,
    std::shared_ptr<grpc::ChannelCredentials> credentials =
        grpc::InsecureChannelCredentials());

}  // namespace sitrep::testing

#endif  // SITREP_TESTS_SUPPORT_TOKEN_CHANNEL_H_
