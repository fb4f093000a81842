// RemoteRuntimeService: the CRI v1 RuntimeService of a runtime on a unix socket, over gRPC.
//
// What the kubelet's remote runtime client does, for C++ node agents: one channel created once,
// CRI v1 verified at creation, a deadline on every call, gRPC codes kept in absl::Status with the
// RPC and object named, validated responses, reduced error logs, streamed lists where the runtime
// has them, and the container event stream on its own thread.
//
//   RemoteOptions options;
//   options.runtime_endpoint = "unix:///run/containerd/containerd.sock";
//   absl::StatusOr<std::unique_ptr<RemoteRuntimeService>> runtime =
//       RemoteRuntimeService::Create(options);
//
// Deadlines (RemoteOptions::request_timeout, "T"): T for every call, except RunPodSandbox 2T,
// StopContainer its timeout (grace period) plus T, ExecSync its timeout plus T (none when the
// command has no timeout), CheckpointContainer the larger of its timeout and T, and
// GetContainerEvents none. The Stream* calls, and the List* calls that use them, get T.
//
// List calls (ListPodSandbox, ListContainers, ListContainerStats, ListPodSandboxStats,
// ListPodSandboxMetrics) use the matching Stream* RPC, which has no message size limit overall,
// and fall back to the unary RPC once the runtime answers Unimplemented; the answer is
// remembered, so each list costs one RPC afterwards.
//
// Threads: every method may be called from any thread; calls share the channel and take no lock
// on success. Event subscriptions it returned share the stub and may outlive the service.
#ifndef KRL_RUNTIME_REMOTE_REMOTE_RUNTIME_SERVICE_H_
#define KRL_RUNTIME_REMOTE_REMOTE_RUNTIME_SERVICE_H_

#include <grpcpp/channel.h>

#include <atomic>
#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "api/cri/v1/cri.h"
#include "runtime/remote/remote_caller.h"
#include "runtime/remote/remote_options.h"
#include "runtime/runtime_service.h"

namespace krl {
namespace runtime {
namespace remote {

class RemoteRuntimeService final : public RuntimeService {
 public:
  // Connects to options.runtime_endpoint (waiting up to options.connect_timeout) and verifies
  // that the runtime serves CRI v1. Errors: InvalidArgument (endpoint or options), Unavailable
  // (nothing listening in time), Unimplemented (the runtime has no CRI v1; the message says
  // which runtime versions do), FailedPrecondition (it reports another CRI version).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<RemoteRuntimeService>> Create(
      const RemoteOptions& options);

  // The same on an existing channel (shared with a RemoteImageService, or a test's bare stub).
  // options.runtime_endpoint only names the runtime in messages here.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<RemoteRuntimeService>> CreateWithChannel(
      const RemoteOptions& options, std::shared_ptr<grpc::Channel> channel);

  RemoteRuntimeService(const RemoteRuntimeService&) = delete;
  RemoteRuntimeService& operator=(const RemoteRuntimeService&) = delete;
  ~RemoteRuntimeService() override;

  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  // The runtime's answer to the verifying Version call made by Create.
  const cri::VersionResponse& verified_version() const { return verified_version_; }

  [[nodiscard]] absl::StatusOr<cri::VersionResponse> Version(
      const cri::VersionRequest& request) override;

  [[nodiscard]] absl::StatusOr<cri::RunPodSandboxResponse> RunPodSandbox(
      const cri::RunPodSandboxRequest& request) override;
  [[nodiscard]] absl::StatusOr<cri::StopPodSandboxResponse> StopPodSandbox(
      const cri::StopPodSandboxRequest& request) override;
  [[nodiscard]] absl::StatusOr<cri::RemovePodSandboxResponse> RemovePodSandbox(
      const cri::RemovePodSandboxRequest& request) override;
  [[nodiscard]] absl::StatusOr<cri::PodSandboxStatusResponse> PodSandboxStatus(
      const cri::PodSandboxStatusRequest& request) override;
  [[nodiscard]] absl::StatusOr<cri::ListPodSandboxResponse> ListPodSandbox(
      const cri::ListPodSandboxRequest& request) override;
  [[nodiscard]] absl::Status StreamPodSandboxes(
      const cri::StreamPodSandboxesRequest& request,
      const std::function<void(cri::StreamPodSandboxesResponse&& message)>& on_message) override;

  [[nodiscard]] absl::StatusOr<cri::CreateContainerResponse> CreateContainer(
      const cri::CreateContainerRequest& request) override;
  [[nodiscard]] absl::StatusOr<cri::StartContainerResponse> StartContainer(
      const cri::StartContainerRequest& request) override;
  [[nodiscard]] absl::StatusOr<cri::StopContainerResponse> StopContainer(
      const cri::StopContainerRequest& request) override;
  [[nodiscard]] absl::StatusOr<cri::RemoveContainerResponse> RemoveContainer(
      const cri::RemoveContainerRequest& request) override;
  [[nodiscard]] absl::StatusOr<cri::ListContainersResponse> ListContainers(
      const cri::ListContainersRequest& request) override;
  [[nodiscard]] absl::Status StreamContainers(
      const cri::StreamContainersRequest& request,
      const std::function<void(cri::StreamContainersResponse&& message)>& on_message) override;
  [[nodiscard]] absl::StatusOr<cri::ContainerStatusResponse> ContainerStatus(
      const cri::ContainerStatusRequest& request) override;
  [[nodiscard]] absl::StatusOr<cri::UpdateContainerResourcesResponse> UpdateContainerResources(
      const cri::UpdateContainerResourcesRequest& request) override;
  [[nodiscard]] absl::StatusOr<cri::ReopenContainerLogResponse> ReopenContainerLog(
      const cri::ReopenContainerLogRequest& request) override;

  [[nodiscard]] absl::StatusOr<cri::ExecSyncResponse> ExecSync(
      const cri::ExecSyncRequest& request) override;
  [[nodiscard]] absl::StatusOr<cri::ExecResponse> Exec(const cri::ExecRequest& request) override;
  [[nodiscard]] absl::StatusOr<cri::AttachResponse> Attach(
      const cri::AttachRequest& request) override;
  [[nodiscard]] absl::StatusOr<cri::PortForwardResponse> PortForward(
      const cri::PortForwardRequest& request) override;

  [[nodiscard]] absl::StatusOr<cri::ContainerStatsResponse> ContainerStats(
      const cri::ContainerStatsRequest& request) override;
  [[nodiscard]] absl::StatusOr<cri::ListContainerStatsResponse> ListContainerStats(
      const cri::ListContainerStatsRequest& request) override;
  [[nodiscard]] absl::Status StreamContainerStats(
      const cri::StreamContainerStatsRequest& request,
      const std::function<void(cri::StreamContainerStatsResponse&& message)>& on_message) override;
  [[nodiscard]] absl::StatusOr<cri::PodSandboxStatsResponse> PodSandboxStats(
      const cri::PodSandboxStatsRequest& request) override;
  [[nodiscard]] absl::StatusOr<cri::ListPodSandboxStatsResponse> ListPodSandboxStats(
      const cri::ListPodSandboxStatsRequest& request) override;
  [[nodiscard]] absl::Status StreamPodSandboxStats(
      const cri::StreamPodSandboxStatsRequest& request,
      const std::function<void(cri::StreamPodSandboxStatsResponse&& message)>& on_message) override;
  [[nodiscard]] absl::StatusOr<cri::ListMetricDescriptorsResponse> ListMetricDescriptors(
      const cri::ListMetricDescriptorsRequest& request) override;
  [[nodiscard]] absl::StatusOr<cri::ListPodSandboxMetricsResponse> ListPodSandboxMetrics(
      const cri::ListPodSandboxMetricsRequest& request) override;
  [[nodiscard]] absl::Status StreamPodSandboxMetrics(
      const cri::StreamPodSandboxMetricsRequest& request,
      const std::function<void(cri::StreamPodSandboxMetricsResponse&& message)>& on_message)
      override;

  [[nodiscard]] absl::StatusOr<cri::UpdateRuntimeConfigResponse> UpdateRuntimeConfig(
      const cri::UpdateRuntimeConfigRequest& request) override;
  [[nodiscard]] absl::StatusOr<cri::StatusResponse> Status(
      const cri::StatusRequest& request) override;
  [[nodiscard]] absl::StatusOr<cri::RuntimeConfigResponse> RuntimeConfig(
      const cri::RuntimeConfigRequest& request) override;
  [[nodiscard]] absl::StatusOr<cri::UpdatePodSandboxResourcesResponse> UpdatePodSandboxResources(
      const cri::UpdatePodSandboxResourcesRequest& request) override;

  [[nodiscard]] absl::StatusOr<cri::CheckpointContainerResponse> CheckpointContainer(
      const cri::CheckpointContainerRequest& request) override;
  [[nodiscard]] absl::StatusOr<cri::CheckpointPodResponse> CheckpointPod(
      const cri::CheckpointPodRequest& request) override;
  [[nodiscard]] absl::StatusOr<cri::RestorePodResponse> RestorePod(
      const cri::RestorePodRequest& request) override;

  // Never fails itself (InvalidArgument only without handlers.on_done): the stream opens on the
  // subscription's thread and its errors reach handlers.on_done.
  [[nodiscard]] absl::StatusOr<std::unique_ptr<ContainerEventSubscription>> GetContainerEvents(
      const cri::GetEventsRequest& request, ContainerEventHandlers handlers) override;

 private:
  RemoteRuntimeService(const RemoteOptions& options, std::shared_ptr<grpc::Channel> channel);
  absl::Status Verify();

  const RemoteOptions options_;
  const std::shared_ptr<grpc::Channel> channel_;
  const std::shared_ptr<cri::RuntimeService::Stub> stub_;
  RemoteCaller caller_;
  cri::VersionResponse verified_version_;
  // Whether each list still tries its Stream* RPC; cleared for good on Unimplemented. Relaxed
  // atomics: a racing caller at worst makes one more streamed attempt.
  std::atomic<bool> stream_pod_sandboxes_{true};
  std::atomic<bool> stream_containers_{true};
  std::atomic<bool> stream_container_stats_{true};
  std::atomic<bool> stream_pod_sandbox_stats_{true};
  std::atomic<bool> stream_pod_sandbox_metrics_{true};
};

}  // namespace remote
}  // namespace runtime
}  // namespace krl

#endif  // KRL_RUNTIME_REMOTE_REMOTE_RUNTIME_SERVICE_H_
