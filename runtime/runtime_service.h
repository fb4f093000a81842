// RuntimeService: the CRI v1 RuntimeService as a C++ interface, one method per RPC.
//
// Everything in the project that talks to a container runtime goes through this interface (and
// ImageService): the gRPC client in runtime/remote implements it, so do the fakes in testing/,
// and decorators such as runtime/instrumented wrap any implementation.
//
//   std::unique_ptr<RuntimeService> rs = ...;  // remote::RemoteRuntimeService, FakeRuntimeService
//   absl::StatusOr<cri::VersionResponse> v = rs->Version(cri::VersionRequest());
//   if (v.ok()) std::cout << v->runtime_name() << " " << v->runtime_version();
//
// Contracts shared by every implementation:
// - Thread safety: every method may be called from any thread, concurrently.
// - Errors: the gRPC code is kept as the absl code (NotFound stays NotFound, DeadlineExceeded
//   stays DeadlineExceeded); messages name the RPC and the object id.
// - Unknown ids: status, start, exec, stats and update calls answer NotFound.
// - Idempotency: stopping a stopped object succeeds; RemovePodSandbox and RemoveContainer of an
//   id that does not exist succeed. StopPodSandbox and StopContainer of an unknown id succeed on
//   containerd >= 1.6.35 and the fakes, but answer NotFound on older containerd (1.6.20 here):
//   callers treat NotFound from a stop as "already gone", as the kubelet does.
// - Responses are validated by the remote client: a status without an id, metadata or creation
//   time is reported as an error (Unknown) instead of being returned.
#ifndef KRL_RUNTIME_RUNTIME_SERVICE_H_
#define KRL_RUNTIME_RUNTIME_SERVICE_H_

#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "api/cri/v1/cri.h"

namespace krl {
namespace runtime {

// A live GetContainerEvents stream. Destroying it cancels the stream and waits until no
// callback is running any more.
class ContainerEventSubscription {
 public:
  virtual ~ContainerEventSubscription() = default;

  // Stops delivery; on_done then runs once with an OK status. Safe to call more than once and
  // from any thread except the callbacks' own.
  virtual void Cancel() = 0;
};

// Callbacks of a GetContainerEvents subscription. Both run on the subscription's own thread,
// never concurrently with each other.
struct ContainerEventHandlers {
  // One call per event, in the order the runtime sent them.
  std::function<void(cri::ContainerEventResponse event)> on_event;
  // Exactly once, when the stream ends: OK after Cancel(), otherwise the error (Unavailable when
  // the runtime went away, Unimplemented when it has no event stream) so a caller can fall back
  // to relisting.
  std::function<void(const absl::Status& status)> on_done;
};

class RuntimeService {
 public:
  virtual ~RuntimeService() = default;

  // Runtime identity and the CRI version it speaks ("v1" for every supported runtime).
  [[nodiscard]] virtual absl::StatusOr<cri::VersionResponse> Version(
      const cri::VersionRequest& request) = 0;

  // --- Pod sandboxes ---
  [[nodiscard]] virtual absl::StatusOr<cri::RunPodSandboxResponse> RunPodSandbox(
      const cri::RunPodSandboxRequest& request) = 0;
  [[nodiscard]] virtual absl::StatusOr<cri::StopPodSandboxResponse> StopPodSandbox(
      const cri::StopPodSandboxRequest& request) = 0;
  [[nodiscard]] virtual absl::StatusOr<cri::RemovePodSandboxResponse> RemovePodSandbox(
      const cri::RemovePodSandboxRequest& request) = 0;
  [[nodiscard]] virtual absl::StatusOr<cri::PodSandboxStatusResponse> PodSandboxStatus(
      const cri::PodSandboxStatusRequest& request) = 0;
  [[nodiscard]] virtual absl::StatusOr<cri::ListPodSandboxResponse> ListPodSandbox(
      const cri::ListPodSandboxRequest& request) = 0;
  // Server streaming: on_message runs on the calling thread for every message, in order.
  [[nodiscard]] virtual absl::Status StreamPodSandboxes(
      const cri::StreamPodSandboxesRequest& request,
      const std::function<void(cri::StreamPodSandboxesResponse&& message)>& on_message) = 0;

  // --- Containers ---
  [[nodiscard]] virtual absl::StatusOr<cri::CreateContainerResponse> CreateContainer(
      const cri::CreateContainerRequest& request) = 0;
  [[nodiscard]] virtual absl::StatusOr<cri::StartContainerResponse> StartContainer(
      const cri::StartContainerRequest& request) = 0;
  // The deadline of this call is the request's timeout (grace period) plus the request timeout.
  [[nodiscard]] virtual absl::StatusOr<cri::StopContainerResponse> StopContainer(
      const cri::StopContainerRequest& request) = 0;
  [[nodiscard]] virtual absl::StatusOr<cri::RemoveContainerResponse> RemoveContainer(
      const cri::RemoveContainerRequest& request) = 0;
  [[nodiscard]] virtual absl::StatusOr<cri::ListContainersResponse> ListContainers(
      const cri::ListContainersRequest& request) = 0;
  [[nodiscard]] virtual absl::Status StreamContainers(
      const cri::StreamContainersRequest& request,
      const std::function<void(cri::StreamContainersResponse&& message)>& on_message) = 0;
  [[nodiscard]] virtual absl::StatusOr<cri::ContainerStatusResponse> ContainerStatus(
      const cri::ContainerStatusRequest& request) = 0;
  [[nodiscard]] virtual absl::StatusOr<cri::UpdateContainerResourcesResponse>
  UpdateContainerResources(const cri::UpdateContainerResourcesRequest& request) = 0;
  [[nodiscard]] virtual absl::StatusOr<cri::ReopenContainerLogResponse> ReopenContainerLog(
      const cri::ReopenContainerLogRequest& request) = 0;

  // Runs a command to completion inside a container. A command that outlives the request's
  // timeout is reported as DeadlineExceeded whose message says the command timed out.
  [[nodiscard]] virtual absl::StatusOr<cri::ExecSyncResponse> ExecSync(
      const cri::ExecSyncRequest& request) = 0;
  // Exec, Attach and PortForward return the URL of the runtime's streaming server.
  [[nodiscard]] virtual absl::StatusOr<cri::ExecResponse> Exec(
      const cri::ExecRequest& request) = 0;
  [[nodiscard]] virtual absl::StatusOr<cri::AttachResponse> Attach(
      const cri::AttachRequest& request) = 0;
  [[nodiscard]] virtual absl::StatusOr<cri::PortForwardResponse> PortForward(
      const cri::PortForwardRequest& request) = 0;

  // --- Stats and metrics ---
  [[nodiscard]] virtual absl::StatusOr<cri::ContainerStatsResponse> ContainerStats(
      const cri::ContainerStatsRequest& request) = 0;
  [[nodiscard]] virtual absl::StatusOr<cri::ListContainerStatsResponse> ListContainerStats(
      const cri::ListContainerStatsRequest& request) = 0;
  [[nodiscard]] virtual absl::Status StreamContainerStats(
      const cri::StreamContainerStatsRequest& request,
      const std::function<void(cri::StreamContainerStatsResponse&& message)>& on_message) = 0;
  [[nodiscard]] virtual absl::StatusOr<cri::PodSandboxStatsResponse> PodSandboxStats(
      const cri::PodSandboxStatsRequest& request) = 0;
  [[nodiscard]] virtual absl::StatusOr<cri::ListPodSandboxStatsResponse> ListPodSandboxStats(
      const cri::ListPodSandboxStatsRequest& request) = 0;
  [[nodiscard]] virtual absl::Status StreamPodSandboxStats(
      const cri::StreamPodSandboxStatsRequest& request,
      const std::function<void(cri::StreamPodSandboxStatsResponse&& message)>& on_message) = 0;
  [[nodiscard]] virtual absl::StatusOr<cri::ListMetricDescriptorsResponse> ListMetricDescriptors(
      const cri::ListMetricDescriptorsRequest& request) = 0;
  [[nodiscard]] virtual absl::StatusOr<cri::ListPodSandboxMetricsResponse> ListPodSandboxMetrics(
      const cri::ListPodSandboxMetricsRequest& request) = 0;
  [[nodiscard]] virtual absl::Status StreamPodSandboxMetrics(
      const cri::StreamPodSandboxMetricsRequest& request,
      const std::function<void(cri::StreamPodSandboxMetricsResponse&& message)>& on_message) = 0;

  // --- Runtime state and configuration ---
  [[nodiscard]] virtual absl::StatusOr<cri::UpdateRuntimeConfigResponse> UpdateRuntimeConfig(
      const cri::UpdateRuntimeConfigRequest& request) = 0;
  // RuntimeReady and NetworkReady conditions, plus runtime-specific info when verbose.
  [[nodiscard]] virtual absl::StatusOr<cri::StatusResponse> Status(
      const cri::StatusRequest& request) = 0;
  // Older runtimes (containerd 1.6) answer Unimplemented.
  [[nodiscard]] virtual absl::StatusOr<cri::RuntimeConfigResponse> RuntimeConfig(
      const cri::RuntimeConfigRequest& request) = 0;
  [[nodiscard]] virtual absl::StatusOr<cri::UpdatePodSandboxResourcesResponse>
  UpdatePodSandboxResources(const cri::UpdatePodSandboxResourcesRequest& request) = 0;

  // --- Checkpoint and restore ---
  [[nodiscard]] virtual absl::StatusOr<cri::CheckpointContainerResponse> CheckpointContainer(
      const cri::CheckpointContainerRequest& request) = 0;
  [[nodiscard]] virtual absl::StatusOr<cri::CheckpointPodResponse> CheckpointPod(
      const cri::CheckpointPodRequest& request) = 0;
  [[nodiscard]] virtual absl::StatusOr<cri::RestorePodResponse> RestorePod(
      const cri::RestorePodRequest& request) = 0;

  // --- Events ---
  // Opens the runtime's container event stream. The returned subscription delivers events to
  // handlers.on_event on its own thread until cancelled or the stream fails.
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<ContainerEventSubscription>>
  GetContainerEvents(const cri::GetEventsRequest& request, ContainerEventHandlers handlers) = 0;
};

}  // namespace runtime
}  // namespace krl

#endif  // KRL_RUNTIME_RUNTIME_SERVICE_H_
