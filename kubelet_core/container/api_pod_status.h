// GenerateAPIPodStatus: the Kubernetes PodStatus of a pod from what the runtime reports, as the
// kubelet builds it: container states (waiting with ContainerCreating / PodInitializing until
// created, running, terminated with the runtime's Completed / Error / OOMKilled, or waiting with
// the last start failure: CrashLoopBackOff, ErrImagePull, ImagePullBackOff, CreateContainerError),
// last states, restart counts, readiness, the phase and the conditions (PodScheduled,
// PodReadyToStartContainers, Initialized, ContainersReady, Ready).
//
//   corev1::PodStatus api = container::GenerateAPIPodStatus(pod, runtime_status, &reasons,
//                                                           probes, clock.Now());
//   if (api.phase == corev1::PodPhase::kRunning) ...
//
// Pure functions; thread safe.
#ifndef KRL_KUBELET_CORE_CONTAINER_API_POD_STATUS_H_
#define KRL_KUBELET_CORE_CONTAINER_API_POD_STATUS_H_

#include <vector>

#include "absl/time/time.h"
#include "api/core/v1/pod.h"
#include "kubelet_core/container/pod_status.h"
#include "kubelet_core/container/probe_results.h"
#include "kubelet_core/container/reason_cache.h"

namespace krl {
namespace kubelet_core {
namespace container {

// The kubelet's default waiting reasons.
inline constexpr absl::string_view kContainerCreating = "ContainerCreating";
inline constexpr absl::string_view kPodInitializing = "PodInitializing";

// `pod.status` is the previous API status: its transition times are kept for unchanged
// conditions, and container statuses the runtime no longer has are inferred from it. `reasons`
// and `probes` may be null (no failure reasons; no prober: a running container is started and
// ready). With `probes`, a container with a readiness (startup) probe is ready (started) once that
// probe succeeded. `now` stamps changed conditions.
corev1::PodStatus GenerateAPIPodStatus(const corev1::Pod& pod, const PodStatus& status,
                                       const ReasonCache* reasons, const ProbeResults* probes,
                                       absl::Time now);

// The pod phase from its API container statuses, as the kubelet's getPhase.
corev1::PodPhase GetPhase(const corev1::PodSpec& spec,
                          const std::vector<corev1::ContainerStatus>& init_statuses,
                          const std::vector<corev1::ContainerStatus>& statuses);

}  // namespace container
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_CONTAINER_API_POD_STATUS_H_
