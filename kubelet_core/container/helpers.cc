#include "kubelet_core/container/helpers.h"

#include <google/protobuf/struct.pb.h>

#include "absl/strings/str_cat.h"
#include "api/core/v1/json_encoder.h"

namespace krl {
namespace kubelet_core {
namespace container {
namespace {

uint64_t Fnv1a64(absl::string_view data) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : data) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

// The container's canonical JSON, as the model's encoder writes it inside a pod.
std::string ContainerJson(const corev1::Container& container) {
  corev1::Pod pod;
  pod.spec.containers.push_back(container);
  google::protobuf::Struct pod_struct = corev1::PodToStruct(pod);
  const auto& spec = pod_struct.fields().at("spec").struct_value();
  const auto& containers = spec.fields().at("containers").list_value();
  if (containers.values_size() != 1) return "";
  return corev1::StructToJson(containers.values(0).struct_value());
}

}  // namespace

uint64_t HashContainer(const corev1::Container& container) {
  return Fnv1a64(ContainerJson(container));
}

std::string FormatHash(uint64_t hash) { return absl::StrCat(absl::Hex(hash)); }

bool ShouldContainerBeRestarted(const corev1::Container& container, const corev1::Pod& pod,
                                const PodStatus& status) {
  const ContainerStatus* latest = status.FindContainerStatusByName(container.name);
  // Never started (or every attempt was garbage collected): start it.
  if (latest == nullptr) return true;
  if (latest->state == State::kRunning) return false;
  if (latest->state == State::kUnknown || latest->state == State::kCreated) return true;
  // Sidecars restart whatever the pod's policy says.
  if (corev1::IsSidecar(container)) return true;
  if (pod.spec.restart_policy == corev1::RestartPolicy::kNever) return false;
  if (pod.spec.restart_policy == corev1::RestartPolicy::kOnFailure && latest->exit_code == 0) {
    return false;
  }
  return true;
}

std::string GetStableKey(const corev1::Pod& pod, const corev1::Container& container) {
  return absl::StrCat(pod.metadata.name, "_", pod.metadata.namespace_, "_", pod.metadata.uid, "_",
                      container.name, "_", FormatHash(HashContainer(container)));
}

std::string PodFullName(const corev1::Pod& pod) {
  return PodFullName(pod.metadata.name, pod.metadata.namespace_, pod.metadata.uid);
}

std::string PodFullName(absl::string_view name, absl::string_view namespace_,
                        absl::string_view uid) {
  return absl::StrCat(name, "_", namespace_, "(", uid, ")");
}

bool HasRestartableInitContainer(const corev1::Pod& pod) {
  for (const corev1::Container& c : pod.spec.init_containers) {
    if (corev1::IsSidecar(c)) return true;
  }
  return false;
}

bool IsInitContainerFailed(const ContainerStatus& status) {
  if (status.reason == "OOMKilled") return true;
  if (status.state == State::kExited && status.exit_code != 0) return true;
  return status.state == State::kUnknown;
}

const corev1::Container* FindContainerSpec(const corev1::Pod& pod, absl::string_view name) {
  for (const corev1::Container& c : pod.spec.containers) {
    if (c.name == name) return &c;
  }
  for (const corev1::Container& c : pod.spec.init_containers) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace container
}  // namespace kubelet_core
}  // namespace krl
