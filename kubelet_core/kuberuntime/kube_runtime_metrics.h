// KubeRuntimeMetrics: what the runtime manager's bounds (limits.h) cut, as Prometheus counters
// in the registry the agent serves on /metrics.
//
//   runtime::metrics::Registry registry;
//   KubeRuntimeMetrics metrics(registry);
//   metrics.TerminationMessageTruncated(KubeRuntimeMetrics::kPodLimit);
//
// A status is computed again on every sync of a changed pod, so a long message counts once per
// computation: the counters say that (and how often) a bound is being hit, not how many
// containers hit it.
//
// Thread safe: the metrics are lock-free; the references live as long as the registry.
#ifndef KRL_KUBELET_CORE_KUBERUNTIME_KUBE_RUNTIME_METRICS_H_
#define KRL_KUBELET_CORE_KUBERUNTIME_KUBE_RUNTIME_METRICS_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "kubelet_core/kuberuntime/container_logs.h"
#include "runtime/metrics/registry.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {

struct KubeRuntimeMetrics {
  // Values of the `limit` label of krl_termination_messages_truncated_total.
  static constexpr absl::string_view kFileLimit = "file";  // kMaxTerminationMessageLength
  static constexpr absl::string_view kLogsLimit = "logs";  // kMaxTerminationMessageLogLength
  static constexpr absl::string_view kPodLimit = "pod";    // kMaxPodTerminationMessageLength

  explicit KubeRuntimeMetrics(runtime::metrics::Registry& registry);

  // krl_termination_messages_truncated_total{limit}: termination messages cut at a bound.
  runtime::metrics::CounterFamily& termination_messages_truncated;
  // krl_container_log_lines_split_total: log lines longer than kMaxLogLineLength, read in pieces.
  runtime::metrics::Counter& log_lines_split;
  // krl_container_log_lines_malformed_total: log lines not in the CRI format, skipped.
  runtime::metrics::Counter& log_lines_malformed;
  // krl_lifecycle_hook_output_truncated_total: failed exec hooks whose output was cut to
  // kMaxHookOutputLength in the error.
  runtime::metrics::Counter& hook_output_truncated;

  void TerminationMessageTruncated(absl::string_view limit, uint64_t n = 1) const;
  void RecordLogRead(const LogReadStats& stats) const;
};

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_KUBERUNTIME_KUBE_RUNTIME_METRICS_H_
