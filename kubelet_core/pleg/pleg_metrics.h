// PlegMetrics: the PLEG's Prometheus metrics, under the kubelet's names, registered in the
// Registry the agent serves on /metrics.
//
//   runtime::metrics::Registry registry;
//   PlegMetrics metrics(registry);
//   metrics.relist_duration.ObserveDuration(absl::Milliseconds(3));
//
// Registering twice in one registry yields the same series (the Registry shares compatible
// families), so a GenericPLEG inside an EventedPLEG and the EventedPLEG count together.
// Thread safe: the metrics are lock-free; the references live as long as the registry.
#ifndef KRL_KUBELET_CORE_PLEG_PLEG_METRICS_H_
#define KRL_KUBELET_CORE_PLEG_PLEG_METRICS_H_

#include <array>
#include <vector>

#include "kubelet_core/container/pod.h"
#include "kubelet_core/container/pod_status.h"
#include "runtime/metrics/registry.h"

namespace krl {
namespace kubelet_core {
namespace pleg {

// The running pods and the containers by state, counted from a full listing (GetPods(true)) or
// from every pod's status (the PLEG cache).
struct RunningCounts {
  int pods_with_ready_sandbox = 0;
  std::array<int, 4> containers{};  // indexed by container::State

  void Add(const container::Pod& pod);
  void Add(const container::PodStatus& status);
  // Whether anything of the pod runs: a ready sandbox or a running container.
  static bool Runs(const container::PodStatus& status);
};

struct PlegMetrics {
  explicit PlegMetrics(runtime::metrics::Registry& registry);

  // kubelet_pleg_relist_duration_seconds: one relist, GetPods to the end of the cache updates.
  runtime::metrics::Histogram& relist_duration;
  // kubelet_pleg_relist_interval_seconds: from the start of the last successful relist to the
  // start of this one.
  runtime::metrics::Histogram& relist_interval;
  // kubelet_pleg_last_seen_seconds: Unix time of the last successful relist's start.
  runtime::metrics::Gauge& last_seen;
  // kubelet_pleg_discard_events: events dropped because the channel was full.
  runtime::metrics::Counter& discard_events;
  // kubelet_running_pods: pods with a running (ready) sandbox, as of the last relist.
  runtime::metrics::Gauge& running_pods;
  // kubelet_running_containers{container_state}: containers (not sandboxes) by state
  // (created, running, exited, unknown), as of the last relist.
  runtime::metrics::GaugeFamily& running_containers;

  // Sets running_pods and running_containers from a full listing (GetPods(true)).
  void RecordRunning(const std::vector<container::Pod>& pods);
  // Sets them from counts.
  void Record(const RunningCounts& counts);
};

}  // namespace pleg
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_PLEG_PLEG_METRICS_H_
