#ifndef SITREP_SERVER_SERVICE_CALL_IDENTITY_H_
#define SITREP_SERVER_SERVICE_CALL_IDENTITY_H_

#include <string>

#include "server/auth/authenticator.h"
#include "server/auth/principal.h"

namespace sitrep {

// Who made a call, whatever the transport: the authenticated principal and
// the peer address (for audit lines). gRPC fills it in from its server
// context (api/call_identity.h), the HTTP gateway from its request's
// headers, cookie and client certificate (http/http_gateway.h).
struct CallIdentity {
  Principal principal;
  std::string peer;
  // What the call presented, so that a stream can be checked again when the
  // access policy is reloaded (stream_grants.h).
  CallCredentials credentials;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_SERVICE_CALL_IDENTITY_H_
