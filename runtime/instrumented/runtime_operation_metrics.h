// RuntimeOperationMetrics: the kubelet's per-operation CRI metrics, shared by the instrumented
// runtime and image services.
//
//   metrics::Registry registry;
//   instrumented::RuntimeOperationMetrics op_metrics(registry);
//   instrumented::InstrumentedRuntimeService rs(std::move(remote), op_metrics);
//
// Families (names and label names as the kubelet exports them, so dashboards keep working):
//   kubelet_runtime_operations_total{operation_type}             calls, errors included
//   kubelet_runtime_operations_errors_total{operation_type}      failed calls
//   kubelet_runtime_operations_duration_seconds{operation_type}  latency, the kubelet's buckets
//                                                                0.005 * 2.5^i, i = 0..13
//   kubelet_runtime_operations_errors_by_code_total{operation_type,code}
// The kubelet's error counter has no code label. The code goes into a separate family instead of
// an extra label on it so kubelet_runtime_operations_errors_total keeps exactly the kubelet's
// label set (queries and recording rules written for the kubelet match unchanged); summed over
// `code`, the extra family equals the errors family. Codes are gRPC's names ("NotFound",
// "DeadlineExceeded"), as gRPC clients print them.
//
// operation_type values are the kubelet's: snake_case of the CRI method with "podsandbox" as one
// word ("list_containers", "run_podsandbox", "update_container" for UpdateContainerResources);
// methods the kubelet does not wrap follow the same scheme ("stream_containers",
// "update_podsandbox_resources", "checkpoint_pod"). Series appear on first use, as in the kubelet.
#ifndef KRL_RUNTIME_INSTRUMENTED_RUNTIME_OPERATION_METRICS_H_
#define KRL_RUNTIME_INSTRUMENTED_RUNTIME_OPERATION_METRICS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "runtime/util/mutex.h"
#include "absl/time/time.h"
#include "runtime/metrics/registry.h"
#include "runtime/util/clock.h"

namespace krl {
namespace runtime {
namespace instrumented {

// What one operation did since the metrics were created.
struct OperationSnapshot {
  uint64_t calls = 0;
  uint64_t errors = 0;
  std::map<absl::StatusCode, uint64_t> errors_by_code;
  uint64_t latency_count = 0;
  double latency_sum_seconds = 0;
  metrics::HistogramSnapshot latency;  // per-bucket counts, for checking placement
};

// Any thread may call any method. mu_ guards the name -> Operation map; an Operation is created
// once, never removed, and records through lock-free metrics. Must outlive the decorators using
// it and every event subscription they opened.
class RuntimeOperationMetrics {
 public:
  static constexpr char kOperationsTotal[] = "kubelet_runtime_operations_total";
  static constexpr char kErrorsTotal[] = "kubelet_runtime_operations_errors_total";
  static constexpr char kDurationSeconds[] = "kubelet_runtime_operations_duration_seconds";
  static constexpr char kErrorsByCodeTotal[] = "kubelet_runtime_operations_errors_by_code_total";

  // The kubelet's latency buckets: ExponentialBuckets(0.005, 2.5, 14), about 5 ms to 12 min.
  static std::vector<double> LatencyBuckets();

  // gRPC's name for a code ("NotFound"); the `code` label value.
  static absl::string_view CodeName(absl::StatusCode code);

  // One operation_type. Handles are stable: decorators look them up once and keep them.
  class Operation {
   public:
    const std::string& name() const { return name_; }

    // One finished call: counts it, times it and, when `status` is not OK, counts the error.
    void Record(absl::Duration latency, const absl::Status& status) const;
    // A failure reported after the call itself returned (an event stream that broke): counts the
    // error only, not a call.
    void RecordError(const absl::Status& status) const;

    // Runs `call` (returning absl::Status or absl::StatusOr<T>), timed on `clock`, and records it.
    template <typename Call>
    auto Measure(Clock& clock, Call&& call) const -> decltype(call()) {
      const absl::Time start = clock.Now();
      auto result = call();
      Record(clock.Now() - start, StatusOf(result));
      return result;
    }

   private:
    friend class RuntimeOperationMetrics;
    Operation(const RuntimeOperationMetrics& owner, std::string name)
        : owner_(owner), name_(std::move(name)) {}

    static const absl::Status& StatusOf(const absl::Status& status) { return status; }
    template <typename T>
    static absl::Status StatusOf(const absl::StatusOr<T>& result) {
      return result.status();
    }
    // Creates the calls and latency series on first use, so unused operations stay out of the
    // exposition (the kubelet does the same); later calls cost one acquire load.
    void Resolve() const;

    const RuntimeOperationMetrics& owner_;
    const std::string name_;
    mutable std::once_flag resolved_;
    mutable metrics::Counter* calls_ = nullptr;
    mutable metrics::Histogram* latency_ = nullptr;
  };

  explicit RuntimeOperationMetrics(metrics::Registry& registry);
  RuntimeOperationMetrics(const RuntimeOperationMetrics&) = delete;
  RuntimeOperationMetrics& operator=(const RuntimeOperationMetrics&) = delete;

  // The handle for an operation_type, created on first request.
  const Operation& ForOperation(absl::string_view name);

  // Every operation that was called (or failed) at least once, by operation_type.
  std::map<std::string, OperationSnapshot> Snapshot() const;
  // One operation; all zeros if it never ran.
  OperationSnapshot Snapshot(absl::string_view operation) const;

 private:
  metrics::CounterFamily& calls_;
  metrics::CounterFamily& errors_;
  metrics::HistogramFamily& latency_;
  metrics::CounterFamily& errors_by_code_;

  mutable krl::Mutex mu_;
  std::map<std::string, std::unique_ptr<Operation>, std::less<>> operations_ ABSL_GUARDED_BY(mu_);
};

}  // namespace instrumented
}  // namespace runtime
}  // namespace krl

#endif  // KRL_RUNTIME_INSTRUMENTED_RUNTIME_OPERATION_METRICS_H_
