// GCPolicy: the kubelet's container garbage collection knobs, with its defaults.
//
//   container::GCPolicy policy;              // MinAge 0, 1 dead container per container, no total
//   policy.max_containers = 100;
//   absl::Status gc = runtime.GarbageCollect(policy, /*all_sources_ready=*/true, false);
#ifndef KRL_KUBELET_CORE_CONTAINER_GC_POLICY_H_
#define KRL_KUBELET_CORE_CONTAINER_GC_POLICY_H_

#include "absl/time/time.h"

namespace krl {
namespace kubelet_core {
namespace container {

struct GCPolicy {
  // Dead containers younger than this (by creation time) are kept.
  absl::Duration min_age = absl::ZeroDuration();
  // Dead containers kept per (pod uid, container name); negative: no limit.
  int max_per_pod_container = 1;
  // Dead containers kept on the node; negative: no limit.
  int max_containers = -1;
};

}  // namespace container
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_CONTAINER_GC_POLICY_H_
