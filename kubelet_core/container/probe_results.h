// ProbeResults: the latest liveness, readiness and startup probe results, by container id, as
// the prober publishes them. The runtime manager restarts containers that failed liveness or
// startup, and reports readiness from it.
//
//   class Prober : public container::ProbeResults { ... };
//   std::optional<container::ProbeResult> live = probes.Get(ProbeType::kLiveness, container_id);
//   if (live == container::ProbeResult::kFailure) restart();
//
// Called from pod workers concurrently; implementations are thread safe.
#ifndef KRL_KUBELET_CORE_CONTAINER_PROBE_RESULTS_H_
#define KRL_KUBELET_CORE_CONTAINER_PROBE_RESULTS_H_

#include <optional>

#include "absl/strings/string_view.h"

namespace krl {
namespace kubelet_core {
namespace container {

enum class ProbeType { kLiveness, kReadiness, kStartup };
enum class ProbeResult { kSuccess, kFailure, kUnknown };

class ProbeResults {
 public:
  virtual ~ProbeResults() = default;

  // The latest result of `type` for the runtime container `container_id`; nullopt when that
  // probe has not run (yet) for it.
  virtual std::optional<ProbeResult> Get(ProbeType type, absl::string_view container_id) const = 0;
};

}  // namespace container
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_CONTAINER_PROBE_RESULTS_H_
