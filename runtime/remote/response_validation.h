// Checks of what a runtime answers, before the client hands it on.
//
// A runtime bug (an empty id, a status without metadata or creation time) would otherwise travel
// into the runtime manager and surface far from its cause. Each check returns OK or an Unknown
// error (the runtime's answer is unusable; Unknown is what the kubelet reports for such answers
// too, and it is retried like any other failure) whose message names the RPC, the object and the
// missing field:
//
//   absl::Status valid = ValidateContainerStatus(response, request.container_id());
//   // UNKNOWN: ContainerStatus "abc": invalid response from the runtime: status.created_at is 0
//   if (!valid.ok()) return valid;
//
// Thread safe (pure functions).
#ifndef KRL_RUNTIME_REMOTE_RESPONSE_VALIDATION_H_
#define KRL_RUNTIME_REMOTE_RESPONSE_VALIDATION_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "api/cri/v1/cri.h"

namespace krl {
namespace runtime {
namespace remote {

// `<rpc> "<id>": invalid response from the runtime: <what>`, code Unknown.
[[nodiscard]] absl::Status InvalidResponse(absl::string_view rpc, absl::string_view id,
                                           absl::string_view what);

[[nodiscard]] absl::Status ValidateRunPodSandbox(const cri::RunPodSandboxResponse& response,
                                                 absl::string_view pod_name);
[[nodiscard]] absl::Status ValidateCreateContainer(const cri::CreateContainerResponse& response,
                                                   absl::string_view id);
[[nodiscard]] absl::Status ValidateRestorePod(const cri::RestorePodResponse& response,
                                              absl::string_view checkpoint_path);
// Status present, with an id, metadata carrying a name, and a creation time.
[[nodiscard]] absl::Status ValidatePodSandboxStatus(const cri::PodSandboxStatusResponse& response,
                                                    absl::string_view id);
[[nodiscard]] absl::Status ValidateContainerStatus(const cri::ContainerStatusResponse& response,
                                                   absl::string_view id);

// Every entry of a list (or of one streamed batch) has an id and, for sandboxes and
// containers, metadata. `rpc` is the RPC the entries came from.
[[nodiscard]] absl::Status ValidatePodSandboxes(
    absl::string_view rpc, const google::protobuf::RepeatedPtrField<cri::PodSandbox>& items);
[[nodiscard]] absl::Status ValidateContainers(
    absl::string_view rpc, const google::protobuf::RepeatedPtrField<cri::Container>& items);
[[nodiscard]] absl::Status ValidateImages(
    absl::string_view rpc, const google::protobuf::RepeatedPtrField<cri::Image>& items);

}  // namespace remote
}  // namespace runtime
}  // namespace krl

#endif  // KRL_RUNTIME_REMOTE_RESPONSE_VALIDATION_H_
