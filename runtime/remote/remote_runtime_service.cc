#include "runtime/remote/remote_runtime_service.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "runtime/grpc_status.h"
#include "runtime/remote/cri_channel.h"
#include "runtime/remote/remote_container_event_subscription.h"
#include "runtime/remote/repeated_fields.h"
#include "runtime/remote/response_validation.h"
#include "runtime/remote/streamed_list_budget.h"
#include "runtime/util/log.h"

namespace krl {
namespace runtime {
namespace remote {
namespace {

using Stub = cri::RuntimeService::Stub;

// The CRI version this client speaks, sent in Version and required back.
constexpr absl::string_view kCriVersion = "v1";

bool IsCriV1(absl::string_view api_version) {
  return api_version == kCriVersion || absl::StartsWith(api_version, "v1.");
}

// "namespace/name": sandboxes have no id before RunPodSandbox answers.
std::string PodName(const cri::PodSandboxConfig& config) {
  const cri::PodSandboxMetadata& metadata = config.metadata();
  if (metadata.name().empty()) return "";
  return absl::StrCat(metadata.namespace_(), "/", metadata.name());
}

// Tries a list through its Stream* RPC while `use_stream` holds; on Unimplemented clears it for
// good and falls back to `unary`. `take(list, message)` moves one streamed batch into the list.
// The streamed messages together may take at most `max_bytes` (see StreamedListBudget).
template <typename List, typename Message, typename Start, typename Take, typename Unary>
absl::StatusOr<List> ListPreferringStream(RemoteCaller& caller, std::atomic<bool>& use_stream,
                                          absl::string_view stream_rpc, absl::string_view list_rpc,
                                          absl::Duration timeout, int64_t max_bytes, Start&& start,
                                          Take&& take, Unary&& unary) {
  if (use_stream.load(std::memory_order_relaxed)) {
    absl::StatusOr<List> list(absl::in_place);
    StreamedListBudget budget(stream_rpc, max_bytes);
    absl::Status streamed =
        caller.ServerStream<Message>(stream_rpc, timeout, start, [&](Message&& message) {
          // An item count for the error only: a list message's first field is its items.
          const google::protobuf::FieldDescriptor* field = message.GetDescriptor()->field(0);
          const int items =
              field->is_repeated() ? message.GetReflection()->FieldSize(message, field) : 0;
          if (absl::Status fits = budget.Add(message, items); !fits.ok()) return fits;
          return take(*list, message);
        });
    if (streamed.ok()) return list;
    if (streamed.code() != absl::StatusCode::kUnimplemented) {
      return caller.Report(std::move(streamed), stream_rpc, "");
    }
    if (use_stream.exchange(false, std::memory_order_relaxed)) {
      log::Info("the container runtime has no streaming list; using the unary RPC from now on",
                {{"rpc", stream_rpc}, {"fallback", list_rpc}});
    }
  }
  return unary();
}

// Reads one public Stream* call, validating each batch before handing it on.
template <typename Message, typename Start, typename Validate>
absl::Status ForwardStream(RemoteCaller& caller, absl::string_view rpc, absl::Duration timeout,
                           Start&& start, Validate&& validate,
                           const std::function<void(Message&&)>& on_message) {
  absl::Status status = caller.ServerStream<Message>(rpc, timeout, start, [&](Message&& message) {
    absl::Status valid = validate(message);
    if (valid.ok()) on_message(std::move(message));
    return valid;
  });
  return caller.Report(std::move(status), rpc, "");
}

template <typename Response>
absl::StatusOr<Response> Checked(RemoteCaller& caller, absl::string_view rpc, absl::string_view id,
                                 absl::StatusOr<Response> response,
                                 absl::Status (*validate)(const Response&, absl::string_view)) {
  if (response.ok()) {
    absl::Status valid = validate(*response, id);
    if (!valid.ok()) return caller.Report(std::move(valid), rpc, id);
  }
  return response;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RemoteRuntimeService>> RemoteRuntimeService::Create(
    const RemoteOptions& options) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      OpenCriChannel(options.runtime_endpoint, options);
  if (!channel.ok()) return channel.status();
  return CreateWithChannel(options, *std::move(channel));
}

absl::StatusOr<std::unique_ptr<RemoteRuntimeService>> RemoteRuntimeService::CreateWithChannel(
    const RemoteOptions& options, std::shared_ptr<grpc::Channel> channel) {
  if (absl::Status valid = CheckRemoteOptions(options); !valid.ok()) return valid;
  if (channel == nullptr) return absl::InvalidArgumentError("CRI client: no channel given");
  if (absl::Status connected =
          WaitForCriChannel(*channel, options.runtime_endpoint, options.connect_timeout);
      !connected.ok()) {
    return connected;
  }
  std::unique_ptr<RemoteRuntimeService> service(
      new RemoteRuntimeService(options, std::move(channel)));
  if (absl::Status verified = service->Verify(); !verified.ok()) return verified;
  return service;
}

RemoteRuntimeService::RemoteRuntimeService(const RemoteOptions& options,
                                           std::shared_ptr<grpc::Channel> channel)
    : options_(options),
      channel_(std::move(channel)),
      stub_(cri::RuntimeService::NewStub(channel_)),
      caller_(options.clock != nullptr ? *options.clock : RealClock::Get()) {}

RemoteRuntimeService::~RemoteRuntimeService() = default;

absl::Status RemoteRuntimeService::Verify() {
  cri::VersionRequest request;
  request.set_version(std::string(kCriVersion));
  grpc::ClientContext context;
  RemoteCaller::SetTimeout(context, options_.request_timeout);
  grpc::Status status = stub_->Version(&context, request, &verified_version_);
  const std::string& endpoint = options_.runtime_endpoint;
  if (status.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
    return absl::UnimplementedError(absl::StrCat(
        "the container runtime at \"", endpoint,
        "\" does not serve CRI v1 (runtime.v1.RuntimeService answered Unimplemented: ",
        status.error_message(),
        "); CRI v1 is served by containerd 1.6 or later and CRI-O 1.21 or later (containerd 1.5 "
        "and older speak only the removed v1alpha2 API): upgrade the runtime"));
  }
  if (!status.ok()) {
    absl::Status failed = FromGrpcStatus(status, "Version");
    return absl::Status(failed.code(), absl::StrCat("verifying the container runtime at \"",
                                                    endpoint, "\": ", failed.message()));
  }
  if (!IsCriV1(verified_version_.runtime_api_version())) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the container runtime at \"", endpoint, "\" (", verified_version_.runtime_name(), " ",
        verified_version_.runtime_version(), ") reports CRI API version \"",
        verified_version_.runtime_api_version(), "\"; this client requires \"", kCriVersion, "\""));
  }
  log::Info("connected to the container runtime",
            {{"endpoint", endpoint},
             {"runtime", verified_version_.runtime_name()},
             {"version", verified_version_.runtime_version()},
             {"cri", verified_version_.runtime_api_version()}});
  return absl::OkStatus();
}

absl::StatusOr<cri::VersionResponse> RemoteRuntimeService::Version(
    const cri::VersionRequest& request) {
  return caller_.Unary("Version", "", *stub_, &Stub::Version, request, options_.request_timeout);
}

// --- Pod sandboxes ---

absl::StatusOr<cri::RunPodSandboxResponse> RemoteRuntimeService::RunPodSandbox(
    const cri::RunPodSandboxRequest& request) {
  // Starting a sandbox includes network setup; the kubelet gives it twice the usual time.
  const std::string pod = PodName(request.config());
  return Checked(caller_, "RunPodSandbox", pod,
                 caller_.Unary("RunPodSandbox", pod, *stub_, &Stub::RunPodSandbox, request,
                               2 * options_.request_timeout),
                 &ValidateRunPodSandbox);
}

absl::StatusOr<cri::StopPodSandboxResponse> RemoteRuntimeService::StopPodSandbox(
    const cri::StopPodSandboxRequest& request) {
  absl::StatusOr<cri::StopPodSandboxResponse> response =
      caller_.Unary("StopPodSandbox", request.pod_sandbox_id(), *stub_, &Stub::StopPodSandbox,
                    request, options_.request_timeout);
  if (response.ok()) caller_.Forget(request.pod_sandbox_id());
  return response;
}

absl::StatusOr<cri::RemovePodSandboxResponse> RemoteRuntimeService::RemovePodSandbox(
    const cri::RemovePodSandboxRequest& request) {
  absl::StatusOr<cri::RemovePodSandboxResponse> response =
      caller_.Unary("RemovePodSandbox", request.pod_sandbox_id(), *stub_, &Stub::RemovePodSandbox,
                    request, options_.request_timeout);
  if (response.ok()) caller_.Forget(request.pod_sandbox_id());
  return response;
}

absl::StatusOr<cri::PodSandboxStatusResponse> RemoteRuntimeService::PodSandboxStatus(
    const cri::PodSandboxStatusRequest& request) {
  const std::string& id = request.pod_sandbox_id();
  return Checked(caller_, "PodSandboxStatus", id,
                 caller_.Unary("PodSandboxStatus", id, *stub_, &Stub::PodSandboxStatus, request,
                               options_.request_timeout),
                 &ValidatePodSandboxStatus);
}

absl::StatusOr<cri::ListPodSandboxResponse> RemoteRuntimeService::ListPodSandbox(
    const cri::ListPodSandboxRequest& request) {
  cri::StreamPodSandboxesRequest stream_request;
  if (request.has_filter()) *stream_request.mutable_filter() = request.filter();
  return ListPreferringStream<cri::ListPodSandboxResponse, cri::StreamPodSandboxesResponse>(
      caller_, stream_pod_sandboxes_, "StreamPodSandboxes", "ListPodSandbox",
      options_.request_timeout, options_.max_streamed_list_bytes,
      [&](grpc::ClientContext* context) {
        return stub_->StreamPodSandboxes(context, stream_request);
      },
      [](cri::ListPodSandboxResponse& list, cri::StreamPodSandboxesResponse& batch) {
        absl::Status valid = ValidatePodSandboxes("StreamPodSandboxes", batch.pod_sandboxes());
        if (valid.ok()) AppendMoved(batch.mutable_pod_sandboxes(), list.mutable_items());
        return valid;
      },
      [&]() -> absl::StatusOr<cri::ListPodSandboxResponse> {
        absl::StatusOr<cri::ListPodSandboxResponse> list = caller_.Unary(
            "ListPodSandbox", "", *stub_, &Stub::ListPodSandbox, request, options_.request_timeout);
        if (list.ok()) {
          absl::Status valid = ValidatePodSandboxes("ListPodSandbox", list->items());
          if (!valid.ok()) return caller_.Report(std::move(valid), "ListPodSandbox", "");
        }
        return list;
      });
}

absl::Status RemoteRuntimeService::StreamPodSandboxes(
    const cri::StreamPodSandboxesRequest& request,
    const std::function<void(cri::StreamPodSandboxesResponse&& message)>& on_message) {
  return ForwardStream<cri::StreamPodSandboxesResponse>(
      caller_, "StreamPodSandboxes", options_.request_timeout,
      [&](grpc::ClientContext* context) { return stub_->StreamPodSandboxes(context, request); },
      [](const cri::StreamPodSandboxesResponse& batch) {
        return ValidatePodSandboxes("StreamPodSandboxes", batch.pod_sandboxes());
      },
      on_message);
}

// --- Containers ---

absl::StatusOr<cri::CreateContainerResponse> RemoteRuntimeService::CreateContainer(
    const cri::CreateContainerRequest& request) {
  const std::string& name = request.config().metadata().name();
  const std::string id =
      name.empty() ? request.pod_sandbox_id() : absl::StrCat(request.pod_sandbox_id(), "/", name);
  return Checked(caller_, "CreateContainer", id,
                 caller_.Unary("CreateContainer", id, *stub_, &Stub::CreateContainer, request,
                               options_.request_timeout),
                 &ValidateCreateContainer);
}

absl::StatusOr<cri::StartContainerResponse> RemoteRuntimeService::StartContainer(
    const cri::StartContainerRequest& request) {
  return caller_.Unary("StartContainer", request.container_id(), *stub_, &Stub::StartContainer,
                       request, options_.request_timeout);
}

absl::StatusOr<cri::StopContainerResponse> RemoteRuntimeService::StopContainer(
    const cri::StopContainerRequest& request) {
  // The runtime waits up to the grace period before killing; the deadline must cover it.
  const absl::Duration grace = absl::Seconds(std::max<int64_t>(request.timeout(), 0));
  absl::StatusOr<cri::StopContainerResponse> response =
      caller_.Unary("StopContainer", request.container_id(), *stub_, &Stub::StopContainer, request,
                    grace + options_.request_timeout);
  if (response.ok()) caller_.Forget(request.container_id());
  return response;
}

absl::StatusOr<cri::RemoveContainerResponse> RemoteRuntimeService::RemoveContainer(
    const cri::RemoveContainerRequest& request) {
  absl::StatusOr<cri::RemoveContainerResponse> response =
      caller_.Unary("RemoveContainer", request.container_id(), *stub_, &Stub::RemoveContainer,
                    request, options_.request_timeout);
  if (response.ok()) caller_.Forget(request.container_id());
  return response;
}

absl::StatusOr<cri::ListContainersResponse> RemoteRuntimeService::ListContainers(
    const cri::ListContainersRequest& request) {
  cri::StreamContainersRequest stream_request;
  if (request.has_filter()) *stream_request.mutable_filter() = request.filter();
  return ListPreferringStream<cri::ListContainersResponse, cri::StreamContainersResponse>(
      caller_, stream_containers_, "StreamContainers", "ListContainers", options_.request_timeout,
      options_.max_streamed_list_bytes,
      [&](grpc::ClientContext* context) {
        return stub_->StreamContainers(context, stream_request);
      },
      [](cri::ListContainersResponse& list, cri::StreamContainersResponse& batch) {
        absl::Status valid = ValidateContainers("StreamContainers", batch.containers());
        if (valid.ok()) AppendMoved(batch.mutable_containers(), list.mutable_containers());
        return valid;
      },
      [&]() -> absl::StatusOr<cri::ListContainersResponse> {
        absl::StatusOr<cri::ListContainersResponse> list = caller_.Unary(
            "ListContainers", "", *stub_, &Stub::ListContainers, request, options_.request_timeout);
        if (list.ok()) {
          absl::Status valid = ValidateContainers("ListContainers", list->containers());
          if (!valid.ok()) return caller_.Report(std::move(valid), "ListContainers", "");
        }
        return list;
      });
}

absl::Status RemoteRuntimeService::StreamContainers(
    const cri::StreamContainersRequest& request,
    const std::function<void(cri::StreamContainersResponse&& message)>& on_message) {
  return ForwardStream<cri::StreamContainersResponse>(
      caller_, "StreamContainers", options_.request_timeout,
      [&](grpc::ClientContext* context) { return stub_->StreamContainers(context, request); },
      [](const cri::StreamContainersResponse& batch) {
        return ValidateContainers("StreamContainers", batch.containers());
      },
      on_message);
}

absl::StatusOr<cri::ContainerStatusResponse> RemoteRuntimeService::ContainerStatus(
    const cri::ContainerStatusRequest& request) {
  const std::string& id = request.container_id();
  return Checked(caller_, "ContainerStatus", id,
                 caller_.Unary("ContainerStatus", id, *stub_, &Stub::ContainerStatus, request,
                               options_.request_timeout),
                 &ValidateContainerStatus);
}

absl::StatusOr<cri::UpdateContainerResourcesResponse>
RemoteRuntimeService::UpdateContainerResources(
    const cri::UpdateContainerResourcesRequest& request) {
  return caller_.Unary("UpdateContainerResources", request.container_id(), *stub_,
                       &Stub::UpdateContainerResources, request, options_.request_timeout);
}

absl::StatusOr<cri::ReopenContainerLogResponse> RemoteRuntimeService::ReopenContainerLog(
    const cri::ReopenContainerLogRequest& request) {
  return caller_.Unary("ReopenContainerLog", request.container_id(), *stub_,
                       &Stub::ReopenContainerLog, request, options_.request_timeout);
}

absl::StatusOr<cri::ExecSyncResponse> RemoteRuntimeService::ExecSync(
    const cri::ExecSyncRequest& request) {
  const std::string& id = request.container_id();
  // A command without a timeout may run as long as it likes; otherwise the runtime gets the
  // request timeout on top to kill the command and report.
  const absl::Duration timeout = request.timeout() > 0
                                     ? absl::Seconds(request.timeout()) + options_.request_timeout
                                     : absl::InfiniteDuration();
  grpc::ClientContext context;
  RemoteCaller::SetTimeout(context, timeout);
  absl::StatusOr<cri::ExecSyncResponse> response(absl::in_place);
  grpc::Status status = stub_->ExecSync(&context, request, &*response);
  if (status.ok()) return response;
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    std::string message = absl::StrCat("ExecSync \"", id, "\": command \"",
                                       absl::StrJoin(request.cmd(), " "), "\" timed out");
    if (request.timeout() > 0) {
      absl::StrAppend(&message, " after ", absl::FormatDuration(absl::Seconds(request.timeout())));
    }
    return caller_.Report(absl::DeadlineExceededError(message), "ExecSync", id);
  }
  return caller_.Report(FromGrpcStatus(status, "ExecSync", id), "ExecSync", id);
}

absl::StatusOr<cri::ExecResponse> RemoteRuntimeService::Exec(const cri::ExecRequest& request) {
  return caller_.Unary("Exec", request.container_id(), *stub_, &Stub::Exec, request,
                       options_.request_timeout);
}

absl::StatusOr<cri::AttachResponse> RemoteRuntimeService::Attach(
    const cri::AttachRequest& request) {
  return caller_.Unary("Attach", request.container_id(), *stub_, &Stub::Attach, request,
                       options_.request_timeout);
}

absl::StatusOr<cri::PortForwardResponse> RemoteRuntimeService::PortForward(
    const cri::PortForwardRequest& request) {
  return caller_.Unary("PortForward", request.pod_sandbox_id(), *stub_, &Stub::PortForward, request,
                       options_.request_timeout);
}

// --- Stats and metrics ---

absl::StatusOr<cri::ContainerStatsResponse> RemoteRuntimeService::ContainerStats(
    const cri::ContainerStatsRequest& request) {
  return caller_.Unary("ContainerStats", request.container_id(), *stub_, &Stub::ContainerStats,
                       request, options_.request_timeout);
}

absl::StatusOr<cri::ListContainerStatsResponse> RemoteRuntimeService::ListContainerStats(
    const cri::ListContainerStatsRequest& request) {
  cri::StreamContainerStatsRequest stream_request;
  if (request.has_filter()) *stream_request.mutable_filter() = request.filter();
  return ListPreferringStream<cri::ListContainerStatsResponse, cri::StreamContainerStatsResponse>(
      caller_, stream_container_stats_, "StreamContainerStats", "ListContainerStats",
      options_.request_timeout, options_.max_streamed_list_bytes,
      [&](grpc::ClientContext* context) {
        return stub_->StreamContainerStats(context, stream_request);
      },
      [](cri::ListContainerStatsResponse& list, cri::StreamContainerStatsResponse& batch) {
        AppendMoved(batch.mutable_container_stats(), list.mutable_stats());
        return absl::OkStatus();
      },
      [&]() {
        return caller_.Unary("ListContainerStats", "", *stub_, &Stub::ListContainerStats, request,
                             options_.request_timeout);
      });
}

absl::Status RemoteRuntimeService::StreamContainerStats(
    const cri::StreamContainerStatsRequest& request,
    const std::function<void(cri::StreamContainerStatsResponse&& message)>& on_message) {
  return ForwardStream<cri::StreamContainerStatsResponse>(
      caller_, "StreamContainerStats", options_.request_timeout,
      [&](grpc::ClientContext* context) { return stub_->StreamContainerStats(context, request); },
      [](const cri::StreamContainerStatsResponse&) { return absl::OkStatus(); }, on_message);
}

absl::StatusOr<cri::PodSandboxStatsResponse> RemoteRuntimeService::PodSandboxStats(
    const cri::PodSandboxStatsRequest& request) {
  return caller_.Unary("PodSandboxStats", request.pod_sandbox_id(), *stub_, &Stub::PodSandboxStats,
                       request, options_.request_timeout);
}

absl::StatusOr<cri::ListPodSandboxStatsResponse> RemoteRuntimeService::ListPodSandboxStats(
    const cri::ListPodSandboxStatsRequest& request) {
  cri::StreamPodSandboxStatsRequest stream_request;
  if (request.has_filter()) *stream_request.mutable_filter() = request.filter();
  return ListPreferringStream<cri::ListPodSandboxStatsResponse, cri::StreamPodSandboxStatsResponse>(
      caller_, stream_pod_sandbox_stats_, "StreamPodSandboxStats", "ListPodSandboxStats",
      options_.request_timeout, options_.max_streamed_list_bytes,
      [&](grpc::ClientContext* context) {
        return stub_->StreamPodSandboxStats(context, stream_request);
      },
      [](cri::ListPodSandboxStatsResponse& list, cri::StreamPodSandboxStatsResponse& batch) {
        AppendMoved(batch.mutable_pod_sandbox_stats(), list.mutable_stats());
        return absl::OkStatus();
      },
      [&]() {
        return caller_.Unary("ListPodSandboxStats", "", *stub_, &Stub::ListPodSandboxStats, request,
                             options_.request_timeout);
      });
}

absl::Status RemoteRuntimeService::StreamPodSandboxStats(
    const cri::StreamPodSandboxStatsRequest& request,
    const std::function<void(cri::StreamPodSandboxStatsResponse&& message)>& on_message) {
  return ForwardStream<cri::StreamPodSandboxStatsResponse>(
      caller_, "StreamPodSandboxStats", options_.request_timeout,
      [&](grpc::ClientContext* context) { return stub_->StreamPodSandboxStats(context, request); },
      [](const cri::StreamPodSandboxStatsResponse&) { return absl::OkStatus(); }, on_message);
}

absl::StatusOr<cri::ListMetricDescriptorsResponse> RemoteRuntimeService::ListMetricDescriptors(
    const cri::ListMetricDescriptorsRequest& request) {
  return caller_.Unary("ListMetricDescriptors", "", *stub_, &Stub::ListMetricDescriptors, request,
                       options_.request_timeout);
}

absl::StatusOr<cri::ListPodSandboxMetricsResponse> RemoteRuntimeService::ListPodSandboxMetrics(
    const cri::ListPodSandboxMetricsRequest& request) {
  cri::StreamPodSandboxMetricsRequest stream_request;
  return ListPreferringStream<cri::ListPodSandboxMetricsResponse,
                              cri::StreamPodSandboxMetricsResponse>(
      caller_, stream_pod_sandbox_metrics_, "StreamPodSandboxMetrics", "ListPodSandboxMetrics",
      options_.request_timeout, options_.max_streamed_list_bytes,
      [&](grpc::ClientContext* context) {
        return stub_->StreamPodSandboxMetrics(context, stream_request);
      },
      [](cri::ListPodSandboxMetricsResponse& list, cri::StreamPodSandboxMetricsResponse& batch) {
        AppendMoved(batch.mutable_pod_sandbox_metrics(), list.mutable_pod_metrics());
        return absl::OkStatus();
      },
      [&]() {
        return caller_.Unary("ListPodSandboxMetrics", "", *stub_, &Stub::ListPodSandboxMetrics,
                             request, options_.request_timeout);
      });
}

absl::Status RemoteRuntimeService::StreamPodSandboxMetrics(
    const cri::StreamPodSandboxMetricsRequest& request,
    const std::function<void(cri::StreamPodSandboxMetricsResponse&& message)>& on_message) {
  return ForwardStream<cri::StreamPodSandboxMetricsResponse>(
      caller_, "StreamPodSandboxMetrics", options_.request_timeout,
      [&](grpc::ClientContext* context) {
        return stub_->StreamPodSandboxMetrics(context, request);
      },
      [](const cri::StreamPodSandboxMetricsResponse&) { return absl::OkStatus(); }, on_message);
}

// --- Runtime state and configuration ---

absl::StatusOr<cri::UpdateRuntimeConfigResponse> RemoteRuntimeService::UpdateRuntimeConfig(
    const cri::UpdateRuntimeConfigRequest& request) {
  return caller_.Unary("UpdateRuntimeConfig", "", *stub_, &Stub::UpdateRuntimeConfig, request,
                       options_.request_timeout);
}

absl::StatusOr<cri::StatusResponse> RemoteRuntimeService::Status(
    const cri::StatusRequest& request) {
  return caller_.Unary("Status", "", *stub_, &Stub::Status, request, options_.request_timeout);
}

absl::StatusOr<cri::RuntimeConfigResponse> RemoteRuntimeService::RuntimeConfig(
    const cri::RuntimeConfigRequest& request) {
  return caller_.Unary("RuntimeConfig", "", *stub_, &Stub::RuntimeConfig, request,
                       options_.request_timeout);
}

absl::StatusOr<cri::UpdatePodSandboxResourcesResponse>
RemoteRuntimeService::UpdatePodSandboxResources(
    const cri::UpdatePodSandboxResourcesRequest& request) {
  return caller_.Unary("UpdatePodSandboxResources", request.pod_sandbox_id(), *stub_,
                       &Stub::UpdatePodSandboxResources, request, options_.request_timeout);
}

// --- Checkpoint and restore ---

absl::StatusOr<cri::CheckpointContainerResponse> RemoteRuntimeService::CheckpointContainer(
    const cri::CheckpointContainerRequest& request) {
  // A checkpoint may be given longer than the usual deadline, never less.
  const absl::Duration timeout =
      std::max(absl::Seconds(std::max<int64_t>(request.timeout(), 0)), options_.request_timeout);
  return caller_.Unary("CheckpointContainer", request.container_id(), *stub_,
                       &Stub::CheckpointContainer, request, timeout);
}

absl::StatusOr<cri::CheckpointPodResponse> RemoteRuntimeService::CheckpointPod(
    const cri::CheckpointPodRequest& request) {
  return caller_.Unary("CheckpointPod", request.pod_sandbox_id(), *stub_, &Stub::CheckpointPod,
                       request, options_.request_timeout);
}

absl::StatusOr<cri::RestorePodResponse> RemoteRuntimeService::RestorePod(
    const cri::RestorePodRequest& request) {
  const std::string& path = request.checkpoint_path();
  return Checked(caller_, "RestorePod", path,
                 caller_.Unary("RestorePod", path, *stub_, &Stub::RestorePod, request,
                               options_.request_timeout),
                 &ValidateRestorePod);
}

// --- Events ---

absl::StatusOr<std::unique_ptr<ContainerEventSubscription>>
RemoteRuntimeService::GetContainerEvents(const cri::GetEventsRequest& request,
                                         ContainerEventHandlers handlers) {
  if (!handlers.on_done) {
    return absl::InvalidArgumentError("GetContainerEvents: handlers.on_done is required");
  }
  std::unique_ptr<ContainerEventSubscription> subscription =
      RemoteContainerEventSubscription::Start(stub_, request, std::move(handlers));
  return subscription;
}

}  // namespace remote
}  // namespace runtime
}  // namespace krl
