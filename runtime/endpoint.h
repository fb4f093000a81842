// ParseEndpoint: turns a container runtime endpoint as users write it (the kubelet's
// --container-runtime-endpoint / --image-service-endpoint) into a gRPC target.
//
// Only unix domain sockets are accepted: CRI runtimes on Linux listen on one, and refusing TCP
// keeps the node's runtime off the network.
//
//   absl::StatusOr<std::string> target = ParseEndpoint("unix:///run/containerd/containerd.sock");
//   if (!target.ok()) return target.status();  // InvalidArgument naming the endpoint
//   auto channel = grpc::CreateChannel(*target, grpc::InsecureChannelCredentials());
#ifndef KRL_RUNTIME_ENDPOINT_H_
#define KRL_RUNTIME_ENDPOINT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace krl {
namespace runtime {

// Accepts `unix:///absolute/path` and, with a deprecation warning logged (as the kubelet did), a
// bare absolute path. Returns "unix:///absolute/path". Everything else (empty, relative paths,
// `unix://relative`, `tcp://`, `npipe://`, other schemes, paths too long for a socket address)
// is InvalidArgument with a message that names the endpoint and the expected form.
// Thread safe; does not touch the file system.
[[nodiscard]] absl::StatusOr<std::string> ParseEndpoint(absl::string_view endpoint);

}  // namespace runtime
}  // namespace krl

#endif  // KRL_RUNTIME_ENDPOINT_H_
