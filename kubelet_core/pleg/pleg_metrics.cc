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

void PlegMetrics::RecordRunning(const std::vector<container::Pod>& pods) {
  int pods_with_ready_sandbox = 0;
  std::array<int, 4> by_state{};  // indexed by container::State
  for (const container::Pod& pod : pods) {
    for (const container::Container& c : pod.containers) ++by_state[static_cast<int>(c.state)];
    for (const container::Container& s : pod.sandboxes) {
      if (s.state == container::State::kRunning) {
        ++pods_with_ready_sandbox;
        break;
      }
    }
  }
  running_pods.Set(pods_with_ready_sandbox);
  for (container::State state : {container::State::kCreated, container::State::kRunning,
                                 container::State::kExited, container::State::kUnknown}) {
    running_containers.WithLabels({container::StateName(state)})
        .Set(by_state[static_cast<int>(state)]);
  }
}

}  // namespace pleg
}  // namespace kubelet_core
}  // namespace krl
