#include "kubelet_core/pleg/pod_status_from_event.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace krl {
namespace kubelet_core {
namespace pleg {
namespace {

constexpr absl::string_view kContainerNameLabel = "io.kubernetes.container.name";
constexpr absl::string_view kContainerHashAnnotation = "io.kubernetes.container.hash";
constexpr absl::string_view kContainerRestartCountAnnotation =
    "io.kubernetes.container.restartCount";

// CRI times are Unix nanoseconds, 0 when unset; unset maps to the Unix epoch, as pod_status.h.
absl::Time FromNanos(int64_t nanos) { return absl::FromUnixNanos(nanos); }

container::State StateFromCri(cri::ContainerState state) {
  switch (state) {
    case cri::CONTAINER_CREATED:
      return container::State::kCreated;
    case cri::CONTAINER_RUNNING:
      return container::State::kRunning;
    case cri::CONTAINER_EXITED:
      return container::State::kExited;
    default:
      return container::State::kUnknown;
  }
}

}  // namespace

container::ContainerStatus ContainerStatusFromCri(absl::string_view runtime_type,
                                                  const cri::ContainerStatus& cri_status) {
  container::ContainerStatus status;
  status.id = corev1::ContainerID{std::string(runtime_type), cri_status.id()};
  auto name = cri_status.labels().find(std::string(kContainerNameLabel));
  status.name = name != cri_status.labels().end() ? name->second : cri_status.metadata().name();
  status.state = StateFromCri(cri_status.state());
  status.created_at = FromNanos(cri_status.created_at());
  status.started_at = FromNanos(cri_status.started_at());
  status.finished_at = FromNanos(cri_status.finished_at());
  status.exit_code = cri_status.exit_code();
  status.image = cri_status.image().image();
  status.image_ref = cri_status.image_ref();
  status.image_id = cri_status.image_id().empty() ? cri_status.image_ref() : cri_status.image_id();
  auto hash = cri_status.annotations().find(std::string(kContainerHashAnnotation));
  if (hash != cri_status.annotations().end()) {
    uint64_t value = 0;
    if (absl::SimpleHexAtoi(hash->second, &value)) status.hash = value;
  }
  auto restarts = cri_status.annotations().find(std::string(kContainerRestartCountAnnotation));
  if (restarts != cri_status.annotations().end()) {
    int value = 0;
    if (absl::SimpleAtoi(restarts->second, &value)) status.restart_count = value;
  }
  status.reason = cri_status.reason();
  status.message = cri_status.message();
  status.log_path = cri_status.log_path();
  return status;
}

absl::StatusOr<container::PodStatus> PodStatusFromEvent(absl::string_view runtime_type,
                                                        const cri::ContainerEventResponse& event) {
  if (!event.has_pod_sandbox_status() || !event.pod_sandbox_status().has_metadata() ||
      event.pod_sandbox_status().metadata().uid().empty()) {
    return absl::InvalidArgumentError(absl::StrCat("container event for ", event.container_id(),
                                                   " carries no pod sandbox identity"));
  }
  const cri::PodSandboxStatus& sandbox = event.pod_sandbox_status();
  container::PodStatus status;
  status.id = sandbox.metadata().uid();
  status.name = sandbox.metadata().name();
  status.namespace_ = sandbox.metadata().namespace_();
  status.sandbox_statuses.push_back(sandbox);
  if (sandbox.state() == cri::SANDBOX_READY && sandbox.has_network() &&
      !sandbox.network().ip().empty()) {
    status.ips.push_back(sandbox.network().ip());
    for (const cri::PodIP& ip : sandbox.network().additional_ips()) status.ips.push_back(ip.ip());
  }
  status.container_statuses.reserve(event.containers_statuses_size());
  for (const cri::ContainerStatus& c : event.containers_statuses()) {
    status.container_statuses.push_back(ContainerStatusFromCri(runtime_type, c));
  }
  // Newest first, as GetPodStatus answers.
  std::stable_sort(status.container_statuses.begin(), status.container_statuses.end(),
                   [](const container::ContainerStatus& a, const container::ContainerStatus& b) {
                     return a.created_at > b.created_at;
                   });
  status.timestamp = FromNanos(event.created_at());
  return status;
}

}  // namespace pleg
}  // namespace kubelet_core
}  // namespace krl
