// Helpers the runtime-agnostic layer shares with the runtime manager: the container spec hash,
// the restart decision, back-off keys and pod naming, as the kubelet defines them.
//
//   uint64_t hash = container::HashContainer(pod.spec.containers[0]);   // stable across runs
//   bool again = container::ShouldContainerBeRestarted(c, pod, status);
//   std::string key = container::GetStableKey(pod, c);                  // back-off key
//
// All functions are pure and thread safe.
#ifndef KRL_KUBELET_CORE_CONTAINER_HELPERS_H_
#define KRL_KUBELET_CORE_CONTAINER_HELPERS_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "api/core/v1/pod.h"
#include "kubelet_core/container/pod_status.h"

namespace krl {
namespace kubelet_core {
namespace container {

// The hash of every field of the container spec (64-bit FNV-1a over its canonical Kubernetes
// JSON, whose keys are sorted and whose quantities are canonical, so "1Gi" and "1024Mi" hash
// alike). Recorded on each container it creates; a running container whose recorded hash differs
// from its spec's is restarted. Stable across processes and runs.
uint64_t HashContainer(const corev1::Container& container);

// The hash as the annotation writes it: lower-case hex.
std::string FormatHash(uint64_t hash);

// Whether the container should be (re)started: it never ran, is created or unknown, or exited
// and the pod's restart policy (Always for sidecars) says to restart it.
bool ShouldContainerBeRestarted(const corev1::Container& container, const corev1::Pod& pod,
                                const PodStatus& status);

// The back-off key of a container: "<pod name>_<namespace>_<uid>_<container name>_<hash hex>",
// so a changed spec starts a fresh back-off.
std::string GetStableKey(const corev1::Pod& pod, const corev1::Container& container);

// "name_namespace(uid)", the kubelet's way of naming a pod in messages.
std::string PodFullName(const corev1::Pod& pod);
std::string PodFullName(absl::string_view name, absl::string_view namespace_,
                        absl::string_view uid);

bool HasRestartableInitContainer(const corev1::Pod& pod);

// An init container that exited non-zero, was OOM-killed or whose state is unknown.
bool IsInitContainerFailed(const ContainerStatus& status);

// The spec of the (init or app) container named `name` in `pod`, or nullptr.
const corev1::Container* FindContainerSpec(const corev1::Pod& pod, absl::string_view name);

}  // namespace container
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_CONTAINER_HELPERS_H_
