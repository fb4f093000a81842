#include "kubelet_core/pleg/pleg_metrics.h"

#include <array>

namespace krl {
namespace kubelet_core {
namespace pleg {

namespace m = runtime::metrics;

PlegMetrics::PlegMetrics(m::Registry& registry)
    : relist_duration(registry.AddHistogram("kubelet_pleg_relist_duration_seconds",
                                            "Duration in seconds for relisting pods in PLEG.",
                                            m::DefaultBuckets())),
      relist_interval(registry.AddHistogram("kubelet_pleg_relist_interval_seconds",
                                            "Interval in seconds between relisting in PLEG.",
                                            m::DefaultBuckets())),
      last_seen(registry.AddGauge("kubelet_pleg_last_seen_seconds",
                                  "Timestamp in seconds when PLEG was last seen active.")),
      discard_events(registry.AddCounter("kubelet_pleg_discard_events",
                                         "The number of discard events in PLEG.")),
      running_pods(registry.AddGauge("kubelet_running_pods",
                                     "Number of pods that have a running pod sandbox.")),
      running_containers(registry.AddGaugeFamily("kubelet_running_containers",
                                                 "Number of containers currently running.",
                                                 {"container_state"})) {}

void RunningCounts::Add(const container::Pod& pod) {
  for (const container::Container& c : pod.containers) ++containers[static_cast<int>(c.state)];
  for (const container::Container& s : pod.sandboxes) {
    if (s.state == container::State::kRunning) {
      ++pods_with_ready_sandbox;
      break;
    }
  }
}

void RunningCounts::Add(const container::PodStatus& status) {
  for (const container::ContainerStatus& c : status.container_statuses) {
    ++containers[static_cast<int>(c.state)];
  }
  for (const cri::PodSandboxStatus& s : status.sandbox_statuses) {
    if (s.state() == cri::SANDBOX_READY) {
      ++pods_with_ready_sandbox;
      break;
    }
  }
}

bool RunningCounts::Runs(const container::PodStatus& status) {
  for (const container::ContainerStatus& c : status.container_statuses) {
    if (c.state == container::State::kRunning) return true;
  }
  for (const cri::PodSandboxStatus& s : status.sandbox_statuses) {
    if (s.state() == cri::SANDBOX_READY) return true;
  }
  return false;
}

void PlegMetrics::RecordRunning(const std::vector<container::Pod>& pods) {
  RunningCounts counts;
  for (const container::Pod& pod : pods) counts.Add(pod);
  Record(counts);
}

void PlegMetrics::Record(const RunningCounts& counts) {
  running_pods.Set(counts.pods_with_ready_sandbox);
  for (container::State state : {container::State::kCreated, container::State::kRunning,
                                 container::State::kExited, container::State::kUnknown}) {
    running_containers.WithLabels({container::StateName(state)})
        .Set(counts.containers[static_cast<int>(state)]);
  }
}

}  // namespace pleg
}  // namespace kubelet_core
}  // namespace krl
