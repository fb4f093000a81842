#include "kubelet_core/agent/probe_results_adapter.h"

namespace krl {
namespace kubelet_core {
namespace agent {

prober::ProbeType ProbeResultsAdapter::ToProberType(container::ProbeType type) {
  switch (type) {
    case container::ProbeType::kLiveness:
      return prober::ProbeType::kLiveness;
    case container::ProbeType::kReadiness:
      return prober::ProbeType::kReadiness;
    case container::ProbeType::kStartup:
      return prober::ProbeType::kStartup;
  }
  return prober::ProbeType::kLiveness;
}

container::ProbeResult ProbeResultsAdapter::ToContainerResult(prober::ProbeResult result) {
  switch (result) {
    case prober::ProbeResult::kSuccess:
      return container::ProbeResult::kSuccess;
    case prober::ProbeResult::kFailure:
      return container::ProbeResult::kFailure;
    case prober::ProbeResult::kUnknown:
      return container::ProbeResult::kUnknown;
  }
  return container::ProbeResult::kUnknown;
}

std::optional<container::ProbeResult> ProbeResultsAdapter::Get(
    container::ProbeType type, absl::string_view container_id) const {
  std::optional<prober::ProbeResult> result = results_.Get(ToProberType(type), container_id);
  if (!result.has_value()) return std::nullopt;
  return ToContainerResult(*result);
}

}  // namespace agent
}  // namespace kubelet_core
}  // namespace krl
