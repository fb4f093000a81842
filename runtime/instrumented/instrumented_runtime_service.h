// InstrumentedRuntimeService: a RuntimeService decorator that counts, times and classifies the
// errors of every CRI call it forwards (the kubelet's runtime operation metrics).
//
//   metrics::Registry registry;
//   instrumented::RuntimeOperationMetrics op_metrics(registry);
//   instrumented::InstrumentedRuntimeService rs(std::move(remote), op_metrics);  // use rs as usual
//
// Nothing else in the project times CRI calls. Requests, responses and statuses pass through
// unchanged. What is measured:
// - unary calls: from the call to its return;
// - Stream* calls: the whole stream, including the caller's on_message callbacks (they run on
//   the calling thread);
// - GetContainerEvents: opening the subscription (the call). If the stream later ends with an
//   error, that error is counted under get_container_events (errors only, not a second call).
#ifndef KRL_RUNTIME_INSTRUMENTED_INSTRUMENTED_RUNTIME_SERVICE_H_
#define KRL_RUNTIME_INSTRUMENTED_INSTRUMENTED_RUNTIME_SERVICE_H_

#include <memory>
#include <vector>

#include "runtime/instrumented/runtime_operation_metrics.h"
#include "runtime/runtime_service.h"
#include "runtime/util/clock.h"

namespace krl {
namespace runtime {
namespace instrumented {

// Thread safe as the wrapped service is: no lock of its own, metrics are lock-free.
class InstrumentedRuntimeService final : public RuntimeService {
 public:
  // Owns `inner`.
  InstrumentedRuntimeService(std::unique_ptr<RuntimeService> inner,
                             RuntimeOperationMetrics& metrics, Clock& clock = RealClock::Get());
  // Borrows `inner`, which must outlive this object.
  InstrumentedRuntimeService(RuntimeService& inner, RuntimeOperationMetrics& metrics,
                             Clock& clock = RealClock::Get());

  absl::StatusOr<cri::VersionResponse> Version(const cri::VersionRequest& request) override;

  absl::StatusOr<cri::RunPodSandboxResponse> RunPodSandbox(
      const cri::RunPodSandboxRequest& request) override;
  absl::StatusOr<cri::StopPodSandboxResponse> StopPodSandbox(
      const cri::StopPodSandboxRequest& request) override;
  absl::StatusOr<cri::RemovePodSandboxResponse> RemovePodSandbox(
      const cri::RemovePodSandboxRequest& request) override;
  absl::StatusOr<cri::PodSandboxStatusResponse> PodSandboxStatus(
      const cri::PodSandboxStatusRequest& request) override;
  absl::StatusOr<cri::ListPodSandboxResponse> ListPodSandbox(
      const cri::ListPodSandboxRequest& request) override;
  absl::Status StreamPodSandboxes(
      const cri::StreamPodSandboxesRequest& request,
      const std::function<void(cri::StreamPodSandboxesResponse&& message)>& on_message) override;

  absl::StatusOr<cri::CreateContainerResponse> CreateContainer(
      const cri::CreateContainerRequest& request) override;
  absl::StatusOr<cri::StartContainerResponse> StartContainer(
      const cri::StartContainerRequest& request) override;
  absl::StatusOr<cri::StopContainerResponse> StopContainer(
      const cri::StopContainerRequest& request) override;
  absl::StatusOr<cri::RemoveContainerResponse> RemoveContainer(
      const cri::RemoveContainerRequest& request) override;
  absl::StatusOr<cri::ListContainersResponse> ListContainers(
      const cri::ListContainersRequest& request) override;
  absl::Status StreamContainers(
      const cri::StreamContainersRequest& request,
      const std::function<void(cri::StreamContainersResponse&& message)>& on_message) override;
  absl::StatusOr<cri::ContainerStatusResponse> ContainerStatus(
      const cri::ContainerStatusRequest& request) override;
  absl::StatusOr<cri::UpdateContainerResourcesResponse> UpdateContainerResources(
      const cri::UpdateContainerResourcesRequest& request) override;
  absl::StatusOr<cri::ReopenContainerLogResponse> ReopenContainerLog(
      const cri::ReopenContainerLogRequest& request) override;

  absl::StatusOr<cri::ExecSyncResponse> ExecSync(const cri::ExecSyncRequest& request) override;
  absl::StatusOr<cri::ExecResponse> Exec(const cri::ExecRequest& request) override;
  absl::StatusOr<cri::AttachResponse> Attach(const cri::AttachRequest& request) override;
  absl::StatusOr<cri::PortForwardResponse> PortForward(
      const cri::PortForwardRequest& request) override;

  absl::StatusOr<cri::ContainerStatsResponse> ContainerStats(
      const cri::ContainerStatsRequest& request) override;
  absl::StatusOr<cri::ListContainerStatsResponse> ListContainerStats(
      const cri::ListContainerStatsRequest& request) override;
  absl::Status StreamContainerStats(
      const cri::StreamContainerStatsRequest& request,
      const std::function<void(cri::StreamContainerStatsResponse&& message)>& on_message) override;
  absl::StatusOr<cri::PodSandboxStatsResponse> PodSandboxStats(
      const cri::PodSandboxStatsRequest& request) override;
  absl::StatusOr<cri::ListPodSandboxStatsResponse> ListPodSandboxStats(
      const cri::ListPodSandboxStatsRequest& request) override;
  absl::Status StreamPodSandboxStats(
      const cri::StreamPodSandboxStatsRequest& request,
      const std::function<void(cri::StreamPodSandboxStatsResponse&& message)>& on_message) override;
  absl::StatusOr<cri::ListMetricDescriptorsResponse> ListMetricDescriptors(
      const cri::ListMetricDescriptorsRequest& request) override;
  absl::StatusOr<cri::ListPodSandboxMetricsResponse> ListPodSandboxMetrics(
      const cri::ListPodSandboxMetricsRequest& request) override;
  absl::Status StreamPodSandboxMetrics(
      const cri::StreamPodSandboxMetricsRequest& request,
      const std::function<void(cri::StreamPodSandboxMetricsResponse&& message)>& on_message)
      override;

  absl::StatusOr<cri::UpdateRuntimeConfigResponse> UpdateRuntimeConfig(
      const cri::UpdateRuntimeConfigRequest& request) override;
  absl::StatusOr<cri::StatusResponse> Status(const cri::StatusRequest& request) override;
  absl::StatusOr<cri::RuntimeConfigResponse> RuntimeConfig(
      const cri::RuntimeConfigRequest& request) override;
  absl::StatusOr<cri::UpdatePodSandboxResourcesResponse> UpdatePodSandboxResources(
      const cri::UpdatePodSandboxResourcesRequest& request) override;

  absl::StatusOr<cri::CheckpointContainerResponse> CheckpointContainer(
      const cri::CheckpointContainerRequest& request) override;
  absl::StatusOr<cri::CheckpointPodResponse> CheckpointPod(
      const cri::CheckpointPodRequest& request) override;
  absl::StatusOr<cri::RestorePodResponse> RestorePod(
      const cri::RestorePodRequest& request) override;

  absl::StatusOr<std::unique_ptr<ContainerEventSubscription>> GetContainerEvents(
      const cri::GetEventsRequest& request, ContainerEventHandlers handlers) override;

  // The operation_type of every RuntimeService method, in declaration order.
  static const std::vector<const char*>& OperationNames();

 private:
  using Operation = RuntimeOperationMetrics::Operation;
  const Operation& Op(int index) const { return *operations_[index]; }

  std::unique_ptr<RuntimeService> owned_;
  RuntimeService& inner_;
  Clock& clock_;
  std::vector<const Operation*> operations_;  // indexed like OperationNames()
};

}  // namespace instrumented
}  // namespace runtime
}  // namespace krl

#endif  // KRL_RUNTIME_INSTRUMENTED_INSTRUMENTED_RUNTIME_SERVICE_H_
