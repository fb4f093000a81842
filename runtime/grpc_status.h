// FromGrpcStatus: the one place where a gRPC status becomes an absl::Status.
//
// The code is kept (NotFound stays NotFound, DeadlineExceeded stays DeadlineExceeded) so callers
// can branch on it; the message gains the RPC and the object it was about.
//
//   grpc::Status s = stub->StopContainer(&context, request, &response);
//   absl::Status status = FromGrpcStatus(s, "StopContainer", request.container_id());
//   // NOT_FOUND: StopContainer "abc123": rpc error: container not found
#ifndef KRL_RUNTIME_GRPC_STATUS_H_
#define KRL_RUNTIME_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace krl {
namespace runtime {

// Returns OK for an OK status. Otherwise the same code with the message
// `<rpc> "<object_id>": rpc error: <gRPC message>` (without the quoted part when object_id is
// empty). A ResourceExhausted status caused by the message size limit says that the response
// exceeded the maximum receive message size and names the option that raises it
// (RemoteOptions::max_receive_message_size, node agent flag --max-receive-message-size); one
// caused by the runtime's own send limit says so (raising the client's limit would not help).
// Thread safe.
[[nodiscard]] absl::Status FromGrpcStatus(const grpc::Status& status, absl::string_view rpc,
                                          absl::string_view object_id = {});

}  // namespace runtime
}  // namespace krl

#endif  // KRL_RUNTIME_GRPC_STATUS_H_
