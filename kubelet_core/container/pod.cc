#include "kubelet_core/container/pod.h"

#include "kubelet_core/container/pod_status.h"

namespace krl {
namespace kubelet_core {
namespace container {

absl::string_view StateName(State state) {
  switch (state) {
    case State::kCreated:
      return "created";
    case State::kRunning:
      return "running";
    case State::kExited:
      return "exited";
    case State::kUnknown:
      return "unknown";
  }
  return "unknown";
}

const Container* Pod::FindContainerByName(absl::string_view name) const {
  for (const Container& c : containers) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const Container* Pod::FindContainerById(absl::string_view id) const {
  for (const Container& c : containers) {
    if (c.id.id == id) return &c;
  }
  return nullptr;
}

const ContainerStatus* PodStatus::FindContainerStatusByName(absl::string_view name) const {
  for (const ContainerStatus& s : container_statuses) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::vector<const ContainerStatus*> PodStatus::FindContainerStatusesByName(
    absl::string_view name) const {
  std::vector<const ContainerStatus*> found;
  for (const ContainerStatus& s : container_statuses) {
    if (s.name == name) found.push_back(&s);
  }
  return found;
}

Pod ConvertPodStatusToRunningPod(absl::string_view runtime_name, const PodStatus& status) {
  Pod pod;
  pod.id = status.id;
  pod.name = status.name;
  pod.namespace_ = status.namespace_;
  for (const ContainerStatus& s : status.container_statuses) {
    if (s.state != State::kRunning) continue;
    Container c;
    c.id = s.id;
    c.name = s.name;
    c.image = s.image;
    c.image_id = s.image_id;
    c.image_ref = s.image_ref;
    c.hash = s.hash;
    c.state = s.state;
    c.created_at = s.created_at;
    pod.containers.push_back(std::move(c));
  }
  for (const cri::PodSandboxStatus& s : status.sandbox_statuses) {
    Container sandbox;
    sandbox.id = corev1::ContainerID{std::string(runtime_name), s.id()};
    sandbox.name = s.metadata().name();
    sandbox.state = s.state() == cri::SANDBOX_READY ? State::kRunning : State::kExited;
    sandbox.created_at = absl::FromUnixNanos(s.created_at());
    pod.sandboxes.push_back(std::move(sandbox));
  }
  if (!status.sandbox_statuses.empty()) {
    pod.created_at = absl::FromUnixNanos(status.sandbox_statuses.front().created_at());
  }
  return pod;
}

}  // namespace container
}  // namespace kubelet_core
}  // namespace krl
