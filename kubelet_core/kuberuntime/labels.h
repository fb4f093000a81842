// The labels and annotations the kubelet writes on sandboxes and containers, and reading them
// back. Everything the manager needs to adopt a pod after a restart (pod identity, container
// name, spec hash, restart count, termination message path and policy, grace period, preStop
// hook, ports, init or app container) is recovered from them, so the runtime is the only state.
//
//   cri::ContainerConfig config;
//   for (auto& [k, v] : NewContainerAnnotations(container, pod, restart_count))
//     (*config.mutable_annotations())[k] = v;
//   AnnotatedContainerInfo info = GetContainerInfoFromAnnotations(status.annotations());
//
// Pure functions; thread safe.
#ifndef KRL_KUBELET_CORE_KUBERUNTIME_LABELS_H_
#define KRL_KUBELET_CORE_KUBERUNTIME_LABELS_H_

#include <google/protobuf/map.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "api/core/v1/pod.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {

// Labels (on sandboxes and containers).
inline constexpr absl::string_view kPodNameLabel = "io.kubernetes.pod.name";
inline constexpr absl::string_view kPodNamespaceLabel = "io.kubernetes.pod.namespace";
inline constexpr absl::string_view kPodUIDLabel = "io.kubernetes.pod.uid";
inline constexpr absl::string_view kContainerNameLabel = "io.kubernetes.container.name";

// Annotations (on containers).
inline constexpr absl::string_view kPodTerminationGracePeriodLabel =
    "io.kubernetes.pod.terminationGracePeriod";
inline constexpr absl::string_view kContainerHashLabel = "io.kubernetes.container.hash";
inline constexpr absl::string_view kContainerRestartCountLabel =
    "io.kubernetes.container.restartCount";
inline constexpr absl::string_view kContainerTerminationMessagePathLabel =
    "io.kubernetes.container.terminationMessagePath";
inline constexpr absl::string_view kContainerTerminationMessagePolicyLabel =
    "io.kubernetes.container.terminationMessagePolicy";
inline constexpr absl::string_view kContainerPreStopHandlerLabel =
    "io.kubernetes.container.preStopHandler";
inline constexpr absl::string_view kContainerPortsLabel = "io.kubernetes.container.ports";
inline constexpr absl::string_view kContainerTypeLabel = "io.kubernetes.container.type";

// Values of kContainerTypeLabel.
inline constexpr absl::string_view kInitContainerType = "init";
inline constexpr absl::string_view kAppContainerType = "container";

using Labels = std::map<std::string, std::string>;
using CriLabels = google::protobuf::Map<std::string, std::string>;

// The pod's own labels plus its name, namespace and uid.
Labels NewPodLabels(const corev1::Pod& pod);
// The pod's own annotations.
Labels NewPodAnnotations(const corev1::Pod& pod);
// Pod name, namespace, uid and the container's name.
Labels NewContainerLabels(const corev1::Container& container, const corev1::Pod& pod);
// Hash, restart count, termination message path and policy, grace period, preStop handler and
// ports (both JSON, as Kubernetes writes them) and the container type.
Labels NewContainerAnnotations(const corev1::Container& container, const corev1::Pod& pod,
                               int restart_count);

struct LabeledPodSandboxInfo {
  Labels labels;  // the pod's own labels (the kubelet's removed)
  std::string pod_name;
  std::string pod_namespace;
  std::string pod_uid;
};

struct LabeledContainerInfo {
  std::string container_name;
  std::string pod_name;
  std::string pod_namespace;
  std::string pod_uid;
};

struct AnnotatedContainerInfo {
  uint64_t hash = 0;
  int restart_count = 0;
  std::optional<int64_t> pod_termination_grace_period;
  std::string termination_message_path;
  corev1::TerminationMessagePolicy termination_message_policy =
      corev1::TerminationMessagePolicy::kFile;
  std::optional<corev1::LifecycleHandler> pre_stop;
  std::vector<corev1::ContainerPort> ports;
  std::string container_type;  // kInitContainerType, kAppContainerType or "" (unknown)
};

LabeledPodSandboxInfo GetPodSandboxInfoFromLabels(const CriLabels& labels);
LabeledContainerInfo GetContainerInfoFromLabels(const CriLabels& labels);
// Missing or malformed values keep their defaults (a malformed one is logged), as the kubelet
// treats containers created by older versions.
AnnotatedContainerInfo GetContainerInfoFromAnnotations(const CriLabels& annotations);

// The value stored under `key`, or nullptr; allocates nothing, so list paths can read a few labels
// of thousands of items cheaply.
const std::string* FindLabel(const CriLabels& labels, absl::string_view key);
// Only the spec hash annotation, read as GetContainerInfoFromAnnotations reads it (0 when
// missing; a malformed one is logged). Listing pods needs no other annotation.
uint64_t GetContainerHashFromAnnotations(const CriLabels& annotations);
// Only the restart count annotation, read as GetContainerInfoFromAnnotations reads it.
int GetContainerRestartCountFromAnnotations(const CriLabels& annotations);

// The JSON forms stored in the annotations, and back. Exposed for tests.
std::string LifecycleHandlerToJson(const corev1::LifecycleHandler& handler);
std::optional<corev1::LifecycleHandler> LifecycleHandlerFromJson(absl::string_view json);
std::string ContainerPortsToJson(const std::vector<corev1::ContainerPort>& ports);
std::optional<std::vector<corev1::ContainerPort>> ContainerPortsFromJson(absl::string_view json);

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_KUBERUNTIME_LABELS_H_
