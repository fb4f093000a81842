// The CRI configs the manager sends for a pod: the sandbox config (RunPodSandbox) and each
// container's config (CreateContainer), from the pod spec, as the kubelet generates them:
// metadata and attempt, labels and annotations, log paths, hostname and DNS, port mappings,
// namespaces (host network / PID / IPC, shared process namespace), security contexts, resources
// (cpu shares, CFS quota, memory limit, oom_score_adj by QoS class), environment with $(VAR)
// expansion and the downward API, volume mounts (hostPath, emptyDir incl. tmpfs, downwardAPI;
// subPath / subPathExpr, propagation), the managed /etc/hosts and the termination message file.
//
//   absl::StatusOr<cri::PodSandboxConfig> sandbox = GeneratePodSandboxConfig(pod, 0, options);
//   absl::StatusOr<cri::ContainerConfig> config =
//       GenerateContainerConfig(pod.spec.containers[0], pod, 0, image_ref, options);
//
// GenerateContainerConfig creates the folders and files it mounts (log folder, termination
// message file, emptyDir folders and tmpfs mounts, downwardAPI files, etc-hosts, hostPath
// DirectoryOrCreate/FileOrCreate). Thread safe.
#ifndef KRL_KUBELET_CORE_KUBERUNTIME_CONFIG_GENERATION_H_
#define KRL_KUBELET_CORE_KUBERUNTIME_CONFIG_GENERATION_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/core/v1/pod.h"
#include "api/cri/v1/cri.h"
#include "kubelet_core/kuberuntime/kube_runtime_manager_options.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {

absl::StatusOr<cri::PodSandboxConfig> GeneratePodSandboxConfig(
    const corev1::Pod& pod, uint32_t attempt, const KubeRuntimeManagerOptions& options);

// The runtime handler of the pod (runtimeClassName through options.runtime_class_handlers).
std::string RuntimeHandlerForPod(const corev1::Pod& pod, const KubeRuntimeManagerOptions& options);

// What the manager learns before it creates a container, beyond the pod spec.
struct ContainerContext {
  // The pod's IPs, primary first, as the sandbox reported them (the downward API's
  // status.podIP(s) and the pod's /etc/hosts entry).
  std::vector<std::string> pod_ips;
  // The image's user from ImageStatus, run as when the spec sets no runAsUser (the kubelet's
  // getImageUser: a uid, else a user name; neither means root, uid 0). Both unset here: nothing.
  std::optional<int64_t> image_uid;
  std::string image_username;
};

absl::StatusOr<cri::ContainerConfig> GenerateContainerConfig(
    const corev1::Container& container, const corev1::Pod& pod, int restart_count,
    absl::string_view image_ref, const KubeRuntimeManagerOptions& options,
    const ContainerContext& context = ContainerContext());

// The container's environment as the kubelet makes it: each variable in order, its value
// $(VAR)-expanded from those before it, or from the downward API (valueFrom.fieldRef /
// resourceFieldRef, downward_api.h; the pod IPs from `context`). A name defined twice keeps its
// first position and its last value (the kubelet builds a map, so its order is unspecified).
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> MakeEnvironmentVariables(
    const corev1::Container& container, const corev1::Pod& pod,
    const KubeRuntimeManagerOptions& options, const ContainerContext& context);

// Huge pages are asked for as a resource named after their size.
inline constexpr absl::string_view kHugePagesPrefix = "hugepages-";
// The CRI page size of a huge pages resource: "hugepages-2Mi" -> "2MB", "hugepages-1Gi" -> "1GB".
absl::StatusOr<std::string> HugePageSizeName(absl::string_view resource);

// $(NAME) references in `text` replaced from `env`; "$$" escapes a '$'; unknown references stay
// as written (Kubernetes' expansion rules).
std::string ExpandEnv(absl::string_view text, const std::map<std::string, std::string>& env);

// Kubernetes' QoS classes and the oom_score_adj each gives a container.
enum class QOSClass { kGuaranteed, kBurstable, kBestEffort };
QOSClass GetPodQOS(const corev1::Pod& pod);
int64_t ContainerOOMScoreAdjust(const corev1::Pod& pod, const corev1::Container& container,
                                int64_t memory_capacity);

// cpu shares from millicores (minimum 2), CFS quota from millicores over a 100 ms period
// (minimum 1000 us).
int64_t MilliCPUToShares(int64_t milli_cpu);
int64_t MilliCPUToQuota(int64_t milli_cpu, int64_t period);

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_KUBERUNTIME_CONFIG_GENERATION_H_
