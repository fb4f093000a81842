#include "kubelet_core/kuberuntime/status_conversion.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "kubelet_core/kuberuntime/labels.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
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

container::ContainerStatus ContainerStatusFromCri(absl::string_view runtime_type,
                                                  const cri::ContainerStatus& status) {
  container::ContainerStatus cs;
  cs.id = corev1::ContainerID{std::string(runtime_type), status.id()};
  const std::string* name = FindLabel(status.labels(), kContainerNameLabel);
  cs.name = name != nullptr && !name->empty() ? *name : status.metadata().name();
  cs.image = status.image().user_specified_image().empty() ? status.image().image()
                                                           : status.image().user_specified_image();
  cs.image_id = status.image_id().empty() ? status.image_ref() : status.image_id();
  cs.image_ref = status.image_ref();
  cs.hash = GetContainerHashFromAnnotations(status.annotations());
  cs.restart_count = GetContainerRestartCountFromAnnotations(status.annotations());
  cs.state = StateFromCri(status.state());
  // CRI times are Unix nanoseconds, 0 when unset; unset is the Unix epoch, as in pod_status.h.
  cs.created_at = absl::FromUnixNanos(status.created_at());
  cs.log_path = status.log_path();
  if (status.state() != cri::CONTAINER_CREATED) {
    cs.started_at = absl::FromUnixNanos(status.started_at());
  }
  if (status.state() == cri::CONTAINER_EXITED) {
    cs.reason = status.reason();
    cs.message = status.message();
    cs.exit_code = status.exit_code();
    cs.finished_at = absl::FromUnixNanos(status.finished_at());
  }
  return cs;
}

std::vector<std::string> PodIPsFromSandbox(const cri::PodSandboxStatus& sandbox) {
  std::vector<std::string> ips;
  if (sandbox.state() != cri::SANDBOX_READY) return ips;
  if (!sandbox.network().ip().empty()) ips.push_back(sandbox.network().ip());
  for (const cri::PodIP& ip : sandbox.network().additional_ips()) ips.push_back(ip.ip());
  return ips;
}

void SortNewestFirst(std::vector<container::ContainerStatus>* statuses) {
  std::stable_sort(statuses->begin(), statuses->end(),
                   [](const container::ContainerStatus& a, const container::ContainerStatus& b) {
                     if (a.created_at != b.created_at) return a.created_at > b.created_at;
                     return a.restart_count > b.restart_count;
                   });
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
  status.ips = PodIPsFromSandbox(sandbox);
  status.sandbox_statuses.push_back(sandbox);
  status.container_statuses.reserve(event.containers_statuses_size());
  for (const cri::ContainerStatus& c : event.containers_statuses()) {
    status.container_statuses.push_back(ContainerStatusFromCri(runtime_type, c));
  }
  SortNewestFirst(&status.container_statuses);
  status.timestamp = absl::FromUnixNanos(event.created_at());
  return status;
}

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
