// The vocabulary of the prober: probe types, results, one probe's outcome and the update the
// agent receives when a container's result changes.
//
//   void OnProbeUpdate(const prober::ProbeUpdate& u) {
//     if (u.type == ProbeType::kLiveness && u.result == ProbeResult::kFailure) Restart(u);
//   }
//
// Plain values; not thread safe by themselves (copy them).
#ifndef KRL_KUBELET_CORE_PROBER_PROBE_TYPES_H_
#define KRL_KUBELET_CORE_PROBER_PROBE_TYPES_H_

#include <string>

#include "absl/strings/string_view.h"

namespace krl {
namespace kubelet_core {
namespace prober {

// The kubelet's probe User-Agent is "kube-probe/<major>.<minor>" of its version.
inline constexpr absl::string_view kDefaultUserAgent = "kube-probe/1.34";

enum class ProbeType { kLiveness, kReadiness, kStartup };

// kUnknown: not probed yet (a startup probe's initial value) or the probe could not run.
enum class ProbeResult { kUnknown, kSuccess, kFailure };

// "liveness", "readiness", "startup" (as the kubelet's metrics and logs spell them).
absl::string_view ToString(ProbeType type);
// "success", "failure", "unknown".
absl::string_view ToString(ProbeResult result);

// What one attempt of a probe gave. kUnknown means the probe could not be run (a bad port name,
// no pod IP, a runtime error other than a timeout); `output` then says why. For kFailure it holds
// what the kubelet would show in the event: the command output, the HTTP status, the dial error.
struct ProbeOutcome {
  ProbeResult result = ProbeResult::kUnknown;
  std::string output;
  // The output was cut at its bound (limits.h).
  bool output_truncated = false;
};

// A container's result changed (see ResultsCache and ProbeManager).
struct ProbeUpdate {
  std::string pod_uid;
  std::string pod_name;  // "namespace/name"
  std::string container_name;
  std::string container_id;  // the runtime's id, without the "<type>://" prefix
  ProbeType type = ProbeType::kLiveness;
  ProbeResult result = ProbeResult::kUnknown;
  std::string output;  // of the probe run that decided the result ("" for initial values)
};

}  // namespace prober
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_PROBER_PROBE_TYPES_H_
