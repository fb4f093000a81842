// Contract cases about the runtime as a whole: identity, conditions, optional RPCs and events.
#include <catch2/catch.hpp>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/util/mutex.h"
#include "testing/contract/case_scope.h"
#include "testing/contract/contract_case.h"

namespace krl {
namespace testing {
namespace contract {
namespace {

using Process = RuntimeTarget::Process;

void VersionNamesTheRuntime(RuntimeTarget& target) {
  absl::StatusOr<cri::VersionResponse> version = target.runtime().Version(cri::VersionRequest());
  KRL_REQUIRE_OK(version.status());
  CHECK(version->version() == "0.1.0");  // the kubelet API version every runtime reports
  CHECK(version->runtime_api_version() == "v1");
  CHECK_FALSE(version->runtime_name().empty());
  CHECK_FALSE(version->runtime_version().empty());
}

void StatusReportsConditions(RuntimeTarget& target) {
  absl::StatusOr<cri::StatusResponse> status = target.runtime().Status(cri::StatusRequest());
  KRL_REQUIRE_OK(status.status());
  std::optional<cri::RuntimeCondition> runtime_ready, network_ready;
  for (const cri::RuntimeCondition& condition : status->status().conditions()) {
    if (condition.type() == "RuntimeReady") runtime_ready = condition;
    if (condition.type() == "NetworkReady") network_ready = condition;
  }
  REQUIRE(runtime_ready.has_value());
  CHECK(runtime_ready->status());
  REQUIRE(network_ready.has_value());
  // The fake's network is ready by default; the harness's containerd has no CNI configured and
  // says so with a reason, as a kubelet expects before it starts non-host-network pods.
  CHECK(network_ready->status() == target.quirks().network_ready);
  if (!network_ready->status()) {
    CHECK(network_ready->reason() == "NetworkPluginNotReady");
    CHECK_FALSE(network_ready->message().empty());
  }
}

void RuntimeConfigWhereServed(RuntimeTarget& target) {
  absl::StatusOr<cri::RuntimeConfigResponse> config =
      target.runtime().RuntimeConfig(cri::RuntimeConfigRequest());
  // containerd 1.6 predates the RPC (gRPC answers Unimplemented); the fake serves it, so a
  // test that needs the 1.6 answer injects Unimplemented (FakeRuntimeService::InjectError).
  if (target.quirks().has_runtime_config) {
    KRL_REQUIRE_OK(config.status());
    CHECK((config->linux().cgroup_driver() == cri::SYSTEMD ||
           config->linux().cgroup_driver() == cri::CGROUPFS));
  } else {
    KRL_CHECK_CODE(config.status(), absl::StatusCode::kUnimplemented);
  }
}

void MetricsRpcsWhereServed(RuntimeTarget& target) {
  absl::StatusOr<cri::ListMetricDescriptorsResponse> descriptors =
      target.runtime().ListMetricDescriptors(cri::ListMetricDescriptorsRequest());
  absl::StatusOr<cri::ListPodSandboxMetricsResponse> metrics =
      target.runtime().ListPodSandboxMetrics(cri::ListPodSandboxMetricsRequest());
  // These RPCs (for the kubelet's cAdvisor-less stats) are newer than containerd 1.6.
  if (target.quirks().has_pod_sandbox_metrics) {
    KRL_CHECK_CODE(descriptors.status(), absl::StatusCode::kOk);
    KRL_CHECK_CODE(metrics.status(), absl::StatusCode::kOk);
  } else {
    KRL_CHECK_CODE(descriptors.status(), absl::StatusCode::kUnimplemented);
    KRL_CHECK_CODE(metrics.status(), absl::StatusCode::kUnimplemented);
  }
}

void UpdateRuntimeConfigAcceptsAPodCidr(RuntimeTarget& target) {
  cri::UpdateRuntimeConfigRequest request;
  // The kubelet sends the node's pod CIDR; a runtime without CNI accepts and keeps it.
  request.mutable_runtime_config()->mutable_network_config()->set_pod_cidr("198.18.0.0/24");
  KRL_CHECK_CODE(target.runtime().UpdateRuntimeConfig(request).status(), absl::StatusCode::kOk);
}

void StreamRpcsWhereServed(RuntimeTarget& target) {
  CaseScope scope(target);
  const std::string id =
      scope.CreateContainer(scope.SharedPod(), "streamed", Process::RunsUntilStopped());
  cri::StreamContainersRequest request;
  for (const auto& [key, value] : scope.Selector()) {
    (*request.mutable_filter()->mutable_label_selector())[key] = value;
  }
  std::vector<std::string> streamed;
  absl::Status status =
      target.runtime().StreamContainers(request, [&](cri::StreamContainersResponse&& message) {
        for (const cri::Container& c : message.containers()) streamed.push_back(c.id());
      });
  // The Stream* RPCs are newer than every containerd release; the fake serves them.
  if (target.quirks().has_stream_rpcs) {
    KRL_REQUIRE_OK(status);
    CHECK(streamed == std::vector<std::string>{id});
  } else {
    KRL_CHECK_CODE(status, absl::StatusCode::kUnimplemented);
    CHECK(streamed.empty());
  }
  // Either way the list call answers (the remote client falls back to the unary RPC).
  cri::ContainerFilter filter = request.filter();
  CHECK(Ids(scope.ListContainers(filter)) == std::vector<std::string>{id});
}

// What a GetContainerEvents subscription delivered, filled on the subscription's thread.
struct EventLog {
  krl::Mutex mu;
  std::vector<std::pair<std::string, cri::ContainerEventType>> events ABSL_GUARDED_BY(mu);
  std::optional<absl::Status> done ABSL_GUARDED_BY(mu);

  runtime::ContainerEventHandlers Handlers() {
    runtime::ContainerEventHandlers handlers;
    handlers.on_event = [this](cri::ContainerEventResponse event) {
      krl::MutexLock lock(&mu);
      events.emplace_back(event.container_id(), event.container_event_type());
    };
    handlers.on_done = [this](const absl::Status& status) {
      krl::MutexLock lock(&mu);
      done = status;
    };
    return handlers;
  }

  // Real time: events arrive on another thread whatever clock the target uses.
  bool WaitForEvent(const std::string& id, cri::ContainerEventType type) {
    krl::MutexLock lock(&mu);
    auto seen = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
      for (const auto& event : events) {
        if (event.first == id && event.second == type) return true;
      }
      return false;
    };
    return mu.AwaitWithTimeout(absl::Condition(&seen), absl::Seconds(20));
  }

  std::optional<absl::Status> WaitForDone() {
    krl::MutexLock lock(&mu);
    auto finished = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return done.has_value(); };
    mu.AwaitWithTimeout(absl::Condition(&finished), absl::Seconds(20));
    return done;
  }
};

void EventsReportAPodsLifeInOrder(RuntimeTarget& target) {
  CaseScope scope(target);
  EventLog log;
  absl::StatusOr<std::unique_ptr<runtime::ContainerEventSubscription>> subscription =
      target.runtime().GetContainerEvents(cri::GetEventsRequest(), log.Handlers());
  if (!target.quirks().has_event_stream) {
    // containerd 1.6 has no event stream: the stream ends Unimplemented, which is the kubelet's
    // cue to keep relisting (generic PLEG). Whether the call or its on_done reports it is up to
    // the implementation; the remote client reports it through on_done.
    if (!subscription.ok()) {
      KRL_CHECK_CODE(subscription.status(), absl::StatusCode::kUnimplemented);
      return;
    }
    std::optional<absl::Status> done = log.WaitForDone();
    REQUIRE(done.has_value());
    KRL_CHECK_CODE(*done, absl::StatusCode::kUnimplemented);
    return;
  }
  KRL_REQUIRE_OK(subscription.status());
  REQUIRE(target.WaitForEventSubscribers(1, absl::Seconds(10)));

  CaseScope::Pod pod = scope.RunPod("events");
  const std::string container = scope.StartContainer(pod, "app", Process::RunsUntilStopped());
  cri::StopContainerRequest stop;
  stop.set_container_id(container);
  KRL_REQUIRE_OK(target.runtime().StopContainer(stop).status());
  cri::RemoveContainerRequest remove;
  remove.set_container_id(container);
  KRL_REQUIRE_OK(target.runtime().RemoveContainer(remove).status());
  cri::StopPodSandboxRequest stop_pod;
  stop_pod.set_pod_sandbox_id(pod.id);
  KRL_REQUIRE_OK(target.runtime().StopPodSandbox(stop_pod).status());
  cri::RemovePodSandboxRequest remove_pod;
  remove_pod.set_pod_sandbox_id(pod.id);
  KRL_REQUIRE_OK(target.runtime().RemovePodSandbox(remove_pod).status());
  REQUIRE(log.WaitForEvent(pod.id, cri::CONTAINER_DELETED_EVENT));

  std::vector<std::pair<std::string, cri::ContainerEventType>> ours;
  {
    krl::MutexLock lock(&log.mu);
    for (const auto& event : log.events) {
      if (event.first == pod.id || event.first == container) ours.push_back(event);
    }
  }
  const std::vector<std::pair<std::string, cri::ContainerEventType>> expected = {
      {pod.id, cri::CONTAINER_CREATED_EVENT},    {pod.id, cri::CONTAINER_STARTED_EVENT},
      {container, cri::CONTAINER_CREATED_EVENT}, {container, cri::CONTAINER_STARTED_EVENT},
      {container, cri::CONTAINER_STOPPED_EVENT}, {container, cri::CONTAINER_DELETED_EVENT},
      {pod.id, cri::CONTAINER_STOPPED_EVENT},    {pod.id, cri::CONTAINER_DELETED_EVENT},
  };
  CHECK(ours == expected);

  (*subscription)->Cancel();
  std::optional<absl::Status> done = log.WaitForDone();
  REQUIRE(done.has_value());
  CHECK(done->ok());
}

}  // namespace

std::vector<ContractCase> RuntimeCases() {
  return {
      {"Version names the runtime and its version and speaks CRI v1", &VersionNamesTheRuntime},
      {"Status reports the runtime ready and the network as configured, with a reason when not "
       "ready",
       &StatusReportsConditions},
      {"RuntimeConfig answers the cgroup driver where the runtime has the RPC, else Unimplemented",
       &RuntimeConfigWhereServed},
      {"ListMetricDescriptors and ListPodSandboxMetrics answer where the runtime has them, else "
       "Unimplemented",
       &MetricsRpcsWhereServed},
      {"UpdateRuntimeConfig accepts the node's pod CIDR", &UpdateRuntimeConfigAcceptsAPodCidr},
      {"the Stream list RPCs answer where the runtime has them, else Unimplemented, and the list "
       "call works either way",
       &StreamRpcsWhereServed},
      {"GetContainerEvents reports a pod's life in order where the runtime has an event stream, "
       "else ends Unimplemented",
       &EventsReportAPodsLifeInOrder},
  };
}

}  // namespace contract
}  // namespace testing
}  // namespace krl
