// ProbeResultsAdapter: the prober's results cache seen as the runtime manager's ProbeResults, so
// KubeRuntimeManager restarts containers that failed liveness (or startup) and reports readiness
// from the probes the ProbeManager runs.
//
//   prober::ProbeManager probes(runtime_service, clock, {});
//   ProbeResultsAdapter adapter(probes.results());
//   manager_options.probes = &adapter;
//
// Thread safe: it only reads the (thread-safe) results cache.
#ifndef KRL_KUBELET_CORE_AGENT_PROBE_RESULTS_ADAPTER_H_
#define KRL_KUBELET_CORE_AGENT_PROBE_RESULTS_ADAPTER_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "kubelet_core/container/probe_results.h"
#include "kubelet_core/prober/results_cache.h"

namespace krl {
namespace kubelet_core {
namespace agent {

class ProbeResultsAdapter final : public container::ProbeResults {
 public:
  // `results` must outlive this.
  explicit ProbeResultsAdapter(const prober::ResultsCache& results) : results_(results) {}

  std::optional<container::ProbeResult> Get(container::ProbeType type,
                                            absl::string_view container_id) const override;

  // The two vocabularies name the same things; these map one onto the other.
  static prober::ProbeType ToProberType(container::ProbeType type);
  static container::ProbeResult ToContainerResult(prober::ProbeResult result);

 private:
  const prober::ResultsCache& results_;
};

}  // namespace agent
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_AGENT_PROBE_RESULTS_ADAPTER_H_
