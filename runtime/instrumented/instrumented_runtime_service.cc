#include "runtime/instrumented/instrumented_runtime_service.h"

#include <utility>

namespace krl {
namespace runtime {
namespace instrumented {
namespace {

// One row per RuntimeService method: its index and its operation_type (see
// runtime_operation_metrics.h for the naming scheme). One list keeps indices and names in step.
#define KRL_RUNTIME_OPERATIONS(X)                              \
  X(kVersion, "version")                                       \
  X(kRunPodSandbox, "run_podsandbox")                          \
  X(kStopPodSandbox, "stop_podsandbox")                        \
  X(kRemovePodSandbox, "remove_podsandbox")                    \
  X(kPodSandboxStatus, "podsandbox_status")                    \
  X(kListPodSandbox, "list_podsandbox")                        \
  X(kStreamPodSandboxes, "stream_podsandboxes")                \
  X(kCreateContainer, "create_container")                      \
  X(kStartContainer, "start_container")                        \
  X(kStopContainer, "stop_container")                          \
  X(kRemoveContainer, "remove_container")                      \
  X(kListContainers, "list_containers")                        \
  X(kStreamContainers, "stream_containers")                    \
  X(kContainerStatus, "container_status")                      \
  X(kUpdateContainerResources, "update_container")             \
  X(kReopenContainerLog, "reopen_container_log")               \
  X(kExecSync, "exec_sync")                                    \
  X(kExec, "exec")                                             \
  X(kAttach, "attach")                                         \
  X(kPortForward, "port_forward")                              \
  X(kContainerStats, "container_stats")                        \
  X(kListContainerStats, "list_container_stats")               \
  X(kStreamContainerStats, "stream_container_stats")           \
  X(kPodSandboxStats, "podsandbox_stats")                      \
  X(kListPodSandboxStats, "list_podsandbox_stats")             \
  X(kStreamPodSandboxStats, "stream_podsandbox_stats")         \
  X(kListMetricDescriptors, "list_metric_descriptors")         \
  X(kListPodSandboxMetrics, "list_podsandbox_metrics")         \
  X(kStreamPodSandboxMetrics, "stream_podsandbox_metrics")     \
  X(kUpdateRuntimeConfig, "update_runtime_config")             \
  X(kStatus, "status")                                         \
  X(kRuntimeConfig, "runtime_config")                          \
  X(kUpdatePodSandboxResources, "update_podsandbox_resources") \
  X(kCheckpointContainer, "checkpoint_container")              \
  X(kCheckpointPod, "checkpoint_pod")                          \
  X(kRestorePod, "restore_pod")                                \
  X(kGetContainerEvents, "get_container_events")

#define KRL_ENUM_ENTRY(id, name) id,
enum OperationIndex { KRL_RUNTIME_OPERATIONS(KRL_ENUM_ENTRY) kOperationCount };
#undef KRL_ENUM_ENTRY

#define KRL_NAME_ENTRY(id, name) name,
const std::vector<const char*> kOperationNames = {KRL_RUNTIME_OPERATIONS(KRL_NAME_ENTRY)};
#undef KRL_NAME_ENTRY
#undef KRL_RUNTIME_OPERATIONS

// Forwards a stream's end to the caller, counting a failure (not a cancel) as the operation's.
ContainerEventHandlers CountStreamFailures(ContainerEventHandlers handlers,
                                           const RuntimeOperationMetrics::Operation& operation) {
  handlers.on_done = [on_done = std::move(handlers.on_done),
                      &operation](const absl::Status& status) {
    operation.RecordError(status);
    if (on_done) on_done(status);
  };
  return handlers;
}

}  // namespace

const std::vector<const char*>& InstrumentedRuntimeService::OperationNames() {
  return kOperationNames;
}

InstrumentedRuntimeService::InstrumentedRuntimeService(std::unique_ptr<RuntimeService> inner,
                                                       RuntimeOperationMetrics& metrics,
                                                       Clock& clock)
    : InstrumentedRuntimeService(*inner, metrics, clock) {
  owned_ = std::move(inner);
}

InstrumentedRuntimeService::InstrumentedRuntimeService(RuntimeService& inner,
                                                       RuntimeOperationMetrics& metrics,
                                                       Clock& clock)
    : inner_(inner), clock_(clock) {
  static_assert(kOperationCount == 37, "one operation per RuntimeService method");
  operations_.reserve(kOperationCount);
  for (const char* name : kOperationNames) operations_.push_back(&metrics.ForOperation(name));
}

absl::StatusOr<cri::VersionResponse> InstrumentedRuntimeService::Version(
    const cri::VersionRequest& request) {
  return Op(kVersion).Measure(clock_, [&] { return inner_.Version(request); });
}

absl::StatusOr<cri::RunPodSandboxResponse> InstrumentedRuntimeService::RunPodSandbox(
    const cri::RunPodSandboxRequest& request) {
  return Op(kRunPodSandbox).Measure(clock_, [&] { return inner_.RunPodSandbox(request); });
}

absl::StatusOr<cri::StopPodSandboxResponse> InstrumentedRuntimeService::StopPodSandbox(
    const cri::StopPodSandboxRequest& request) {
  return Op(kStopPodSandbox).Measure(clock_, [&] { return inner_.StopPodSandbox(request); });
}

absl::StatusOr<cri::RemovePodSandboxResponse> InstrumentedRuntimeService::RemovePodSandbox(
    const cri::RemovePodSandboxRequest& request) {
  return Op(kRemovePodSandbox).Measure(clock_, [&] { return inner_.RemovePodSandbox(request); });
}

absl::StatusOr<cri::PodSandboxStatusResponse> InstrumentedRuntimeService::PodSandboxStatus(
    const cri::PodSandboxStatusRequest& request) {
  return Op(kPodSandboxStatus).Measure(clock_, [&] { return inner_.PodSandboxStatus(request); });
}

absl::StatusOr<cri::ListPodSandboxResponse> InstrumentedRuntimeService::ListPodSandbox(
    const cri::ListPodSandboxRequest& request) {
  return Op(kListPodSandbox).Measure(clock_, [&] { return inner_.ListPodSandbox(request); });
}

absl::Status InstrumentedRuntimeService::StreamPodSandboxes(
    const cri::StreamPodSandboxesRequest& request,
    const std::function<void(cri::StreamPodSandboxesResponse&& message)>& on_message) {
  return Op(kStreamPodSandboxes).Measure(clock_, [&] {
    return inner_.StreamPodSandboxes(request, on_message);
  });
}

absl::StatusOr<cri::CreateContainerResponse> InstrumentedRuntimeService::CreateContainer(
    const cri::CreateContainerRequest& request) {
  return Op(kCreateContainer).Measure(clock_, [&] { return inner_.CreateContainer(request); });
}

absl::StatusOr<cri::StartContainerResponse> InstrumentedRuntimeService::StartContainer(
    const cri::StartContainerRequest& request) {
  return Op(kStartContainer).Measure(clock_, [&] { return inner_.StartContainer(request); });
}

absl::StatusOr<cri::StopContainerResponse> InstrumentedRuntimeService::StopContainer(
    const cri::StopContainerRequest& request) {
  return Op(kStopContainer).Measure(clock_, [&] { return inner_.StopContainer(request); });
}

absl::StatusOr<cri::RemoveContainerResponse> InstrumentedRuntimeService::RemoveContainer(
    const cri::RemoveContainerRequest& request) {
  return Op(kRemoveContainer).Measure(clock_, [&] { return inner_.RemoveContainer(request); });
}

absl::StatusOr<cri::ListContainersResponse> InstrumentedRuntimeService::ListContainers(
    const cri::ListContainersRequest& request) {
  return Op(kListContainers).Measure(clock_, [&] { return inner_.ListContainers(request); });
}

absl::Status InstrumentedRuntimeService::StreamContainers(
    const cri::StreamContainersRequest& request,
    const std::function<void(cri::StreamContainersResponse&& message)>& on_message) {
  return Op(kStreamContainers).Measure(clock_, [&] {
    return inner_.StreamContainers(request, on_message);
  });
}

absl::StatusOr<cri::ContainerStatusResponse> InstrumentedRuntimeService::ContainerStatus(
    const cri::ContainerStatusRequest& request) {
  return Op(kContainerStatus).Measure(clock_, [&] { return inner_.ContainerStatus(request); });
}

absl::StatusOr<cri::UpdateContainerResourcesResponse>
InstrumentedRuntimeService::UpdateContainerResources(
    const cri::UpdateContainerResourcesRequest& request) {
  return Op(kUpdateContainerResources).Measure(clock_, [&] {
    return inner_.UpdateContainerResources(request);
  });
}

absl::StatusOr<cri::ReopenContainerLogResponse> InstrumentedRuntimeService::ReopenContainerLog(
    const cri::ReopenContainerLogRequest& request) {
  return Op(kReopenContainerLog).Measure(clock_, [&] {
    return inner_.ReopenContainerLog(request);
  });
}

absl::StatusOr<cri::ExecSyncResponse> InstrumentedRuntimeService::ExecSync(
    const cri::ExecSyncRequest& request) {
  return Op(kExecSync).Measure(clock_, [&] { return inner_.ExecSync(request); });
}

absl::StatusOr<cri::ExecResponse> InstrumentedRuntimeService::Exec(
    const cri::ExecRequest& request) {
  return Op(kExec).Measure(clock_, [&] { return inner_.Exec(request); });
}

absl::StatusOr<cri::AttachResponse> InstrumentedRuntimeService::Attach(
    const cri::AttachRequest& request) {
  return Op(kAttach).Measure(clock_, [&] { return inner_.Attach(request); });
}

absl::StatusOr<cri::PortForwardResponse> InstrumentedRuntimeService::PortForward(
    const cri::PortForwardRequest& request) {
  return Op(kPortForward).Measure(clock_, [&] { return inner_.PortForward(request); });
}

absl::StatusOr<cri::ContainerStatsResponse> InstrumentedRuntimeService::ContainerStats(
    const cri::ContainerStatsRequest& request) {
  return Op(kContainerStats).Measure(clock_, [&] { return inner_.ContainerStats(request); });
}

absl::StatusOr<cri::ListContainerStatsResponse> InstrumentedRuntimeService::ListContainerStats(
    const cri::ListContainerStatsRequest& request) {
  return Op(kListContainerStats).Measure(clock_, [&] {
    return inner_.ListContainerStats(request);
  });
}

absl::Status InstrumentedRuntimeService::StreamContainerStats(
    const cri::StreamContainerStatsRequest& request,
    const std::function<void(cri::StreamContainerStatsResponse&& message)>& on_message) {
  return Op(kStreamContainerStats).Measure(clock_, [&] {
    return inner_.StreamContainerStats(request, on_message);
  });
}

absl::StatusOr<cri::PodSandboxStatsResponse> InstrumentedRuntimeService::PodSandboxStats(
    const cri::PodSandboxStatsRequest& request) {
  return Op(kPodSandboxStats).Measure(clock_, [&] { return inner_.PodSandboxStats(request); });
}

absl::StatusOr<cri::ListPodSandboxStatsResponse> InstrumentedRuntimeService::ListPodSandboxStats(
    const cri::ListPodSandboxStatsRequest& request) {
  return Op(kListPodSandboxStats).Measure(clock_, [&] {
    return inner_.ListPodSandboxStats(request);
  });
}

absl::Status InstrumentedRuntimeService::StreamPodSandboxStats(
    const cri::StreamPodSandboxStatsRequest& request,
    const std::function<void(cri::StreamPodSandboxStatsResponse&& message)>& on_message) {
  return Op(kStreamPodSandboxStats).Measure(clock_, [&] {
    return inner_.StreamPodSandboxStats(request, on_message);
  });
}

absl::StatusOr<cri::ListMetricDescriptorsResponse>
InstrumentedRuntimeService::ListMetricDescriptors(
    const cri::ListMetricDescriptorsRequest& request) {
  return Op(kListMetricDescriptors).Measure(clock_, [&] {
    return inner_.ListMetricDescriptors(request);
  });
}

absl::StatusOr<cri::ListPodSandboxMetricsResponse>
InstrumentedRuntimeService::ListPodSandboxMetrics(
    const cri::ListPodSandboxMetricsRequest& request) {
  return Op(kListPodSandboxMetrics).Measure(clock_, [&] {
    return inner_.ListPodSandboxMetrics(request);
  });
}

absl::Status InstrumentedRuntimeService::StreamPodSandboxMetrics(
    const cri::StreamPodSandboxMetricsRequest& request,
    const std::function<void(cri::StreamPodSandboxMetricsResponse&& message)>& on_message) {
  return Op(kStreamPodSandboxMetrics).Measure(clock_, [&] {
    return inner_.StreamPodSandboxMetrics(request, on_message);
  });
}

absl::StatusOr<cri::UpdateRuntimeConfigResponse> InstrumentedRuntimeService::UpdateRuntimeConfig(
    const cri::UpdateRuntimeConfigRequest& request) {
  return Op(kUpdateRuntimeConfig).Measure(clock_, [&] {
    return inner_.UpdateRuntimeConfig(request);
  });
}

absl::StatusOr<cri::StatusResponse> InstrumentedRuntimeService::Status(
    const cri::StatusRequest& request) {
  return Op(kStatus).Measure(clock_, [&] { return inner_.Status(request); });
}

absl::StatusOr<cri::RuntimeConfigResponse> InstrumentedRuntimeService::RuntimeConfig(
    const cri::RuntimeConfigRequest& request) {
  return Op(kRuntimeConfig).Measure(clock_, [&] { return inner_.RuntimeConfig(request); });
}

absl::StatusOr<cri::UpdatePodSandboxResourcesResponse>
InstrumentedRuntimeService::UpdatePodSandboxResources(
    const cri::UpdatePodSandboxResourcesRequest& request) {
  return Op(kUpdatePodSandboxResources).Measure(clock_, [&] {
    return inner_.UpdatePodSandboxResources(request);
  });
}

absl::StatusOr<cri::CheckpointContainerResponse> InstrumentedRuntimeService::CheckpointContainer(
    const cri::CheckpointContainerRequest& request) {
  return Op(kCheckpointContainer).Measure(clock_, [&] {
    return inner_.CheckpointContainer(request);
  });
}

absl::StatusOr<cri::CheckpointPodResponse> InstrumentedRuntimeService::CheckpointPod(
    const cri::CheckpointPodRequest& request) {
  return Op(kCheckpointPod).Measure(clock_, [&] { return inner_.CheckpointPod(request); });
}

absl::StatusOr<cri::RestorePodResponse> InstrumentedRuntimeService::RestorePod(
    const cri::RestorePodRequest& request) {
  return Op(kRestorePod).Measure(clock_, [&] { return inner_.RestorePod(request); });
}

absl::StatusOr<std::unique_ptr<ContainerEventSubscription>>
InstrumentedRuntimeService::GetContainerEvents(const cri::GetEventsRequest& request,
                                               ContainerEventHandlers handlers) {
  const Operation& operation = Op(kGetContainerEvents);
  return operation.Measure(clock_, [&] {
    return inner_.GetContainerEvents(request, CountStreamFailures(std::move(handlers), operation));
  });
}

}  // namespace instrumented
}  // namespace runtime
}  // namespace krl
