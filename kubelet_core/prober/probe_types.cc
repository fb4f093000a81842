#include "kubelet_core/prober/probe_types.h"

namespace krl {
namespace kubelet_core {
namespace prober {

absl::string_view ToString(ProbeType type) {
  switch (type) {
    case ProbeType::kLiveness:
      return "liveness";
    case ProbeType::kReadiness:
      return "readiness";
    case ProbeType::kStartup:
      return "startup";
  }
  return "unknown";
}

absl::string_view ToString(ProbeResult result) {
  switch (result) {
    case ProbeResult::kUnknown:
      return "unknown";
    case ProbeResult::kSuccess:
      return "success";
    case ProbeResult::kFailure:
      return "failure";
  }
  return "unknown";
}

}  // namespace prober
}  // namespace kubelet_core
}  // namespace krl
