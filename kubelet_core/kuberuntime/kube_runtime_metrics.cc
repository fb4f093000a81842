#include "kubelet_core/kuberuntime/kube_runtime_metrics.h"

#include <string>

namespace krl {
namespace kubelet_core {
namespace kuberuntime {

KubeRuntimeMetrics::KubeRuntimeMetrics(runtime::metrics::Registry& registry)
    : termination_messages_truncated(registry.AddCounterFamily(
          "krl_termination_messages_truncated_total",
          "Termination messages cut at a bound: file (4096 bytes of the message file), logs "
          "(2048 bytes of the log fallback), pod (12 KiB per pod, split between its containers).",
          {"limit"})),
      log_lines_split(registry.AddCounter(
          "krl_container_log_lines_split_total",
          "Container log lines longer than 16 KiB, read and handed on in 16 KiB pieces.")),
      log_lines_malformed(registry.AddCounter(
          "krl_container_log_lines_malformed_total",
          "Container log lines not in the CRI log format, skipped by the log reader.")),
      hook_output_truncated(registry.AddCounter(
          "krl_lifecycle_hook_output_truncated_total",
          "Failed exec lifecycle hooks whose output was cut to 10 KiB in the error message.")) {}

void KubeRuntimeMetrics::TerminationMessageTruncated(absl::string_view limit, uint64_t n) const {
  termination_messages_truncated.WithLabels({std::string(limit)}).Increment(n);
}

void KubeRuntimeMetrics::RecordLogRead(const LogReadStats& stats) const {
  if (stats.split_lines > 0) log_lines_split.Increment(stats.split_lines);
  if (stats.malformed_lines > 0) log_lines_malformed.Increment(stats.malformed_lines);
}

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
