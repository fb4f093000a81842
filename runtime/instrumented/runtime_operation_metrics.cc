#include "runtime/instrumented/runtime_operation_metrics.h"

#include <utility>

namespace krl {
namespace runtime {
namespace instrumented {
namespace {

// gRPC's code names, indexed by the numeric code (absl and gRPC share the numbering).
constexpr absl::string_view kCodeNames[] = {
    "OK",       "Canceled",       "Unknown",          "InvalidArgument",   "DeadlineExceeded",
    "NotFound", "AlreadyExists",  "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
    "Aborted",  "OutOfRange",     "Unimplemented",    "Internal",          "Unavailable",
    "DataLoss", "Unauthenticated"};
constexpr int kCodeCount = sizeof(kCodeNames) / sizeof(kCodeNames[0]);
static_assert(kCodeCount == 17, "one name per gRPC status code");

absl::StatusCode CodeFromName(absl::string_view name) {
  for (int i = 0; i < kCodeCount; ++i) {
    if (kCodeNames[i] == name) return static_cast<absl::StatusCode>(i);
  }
  return absl::StatusCode::kUnknown;
}

}  // namespace

constexpr char RuntimeOperationMetrics::kOperationsTotal[];
constexpr char RuntimeOperationMetrics::kErrorsTotal[];
constexpr char RuntimeOperationMetrics::kDurationSeconds[];
constexpr char RuntimeOperationMetrics::kErrorsByCodeTotal[];

std::vector<double> RuntimeOperationMetrics::LatencyBuckets() {
  return metrics::ExponentialBuckets(0.005, 2.5, 14);
}

absl::string_view RuntimeOperationMetrics::CodeName(absl::StatusCode code) {
  const int index = static_cast<int>(code);
  return index >= 0 && index < kCodeCount ? kCodeNames[index] : "Unknown";
}

RuntimeOperationMetrics::RuntimeOperationMetrics(metrics::Registry& registry)
    : calls_(registry.AddCounterFamily(
          kOperationsTotal, "Cumulative number of CRI runtime operations, by operation type.",
          {"operation_type"})),
      errors_(registry.AddCounterFamily(
          kErrorsTotal, "Cumulative number of failed CRI runtime operations, by operation type.",
          {"operation_type"})),
      latency_(registry.AddHistogramFamily(
          kDurationSeconds, "Duration in seconds of CRI runtime operations, by operation type.",
          {"operation_type"}, LatencyBuckets())),
      errors_by_code_(registry.AddCounterFamily(
          kErrorsByCodeTotal,
          "Cumulative number of failed CRI runtime operations, by operation type and gRPC code.",
          {"operation_type", "code"})) {}

const RuntimeOperationMetrics::Operation& RuntimeOperationMetrics::ForOperation(
    absl::string_view name) {
  krl::MutexLock lock(&mu_);
  auto it = operations_.find(name);
  if (it == operations_.end()) {
    it = operations_
             .emplace(std::string(name),
                      std::unique_ptr<Operation>(new Operation(*this, std::string(name))))
             .first;
  }
  return *it->second;
}

void RuntimeOperationMetrics::Operation::Resolve() const {
  std::call_once(resolved_, [this] {
    calls_ = &owner_.calls_.WithLabels({name_});
    latency_ = &owner_.latency_.WithLabels({name_});
  });
}

void RuntimeOperationMetrics::Operation::Record(absl::Duration latency,
                                                const absl::Status& status) const {
  Resolve();
  calls_->Increment();
  latency_->ObserveDuration(latency);
  if (!status.ok()) RecordError(status);
}

void RuntimeOperationMetrics::Operation::RecordError(const absl::Status& status) const {
  if (status.ok()) return;
  // The error path may take the families' lookups: failures are rare next to calls.
  owner_.errors_.WithLabels({name_}).Increment();
  owner_.errors_by_code_.WithLabels({name_, CodeName(status.code())}).Increment();
}

std::map<std::string, OperationSnapshot> RuntimeOperationMetrics::Snapshot() const {
  std::map<std::string, OperationSnapshot> snapshot;
  calls_.ForEach([&](const std::vector<std::string>& labels, const metrics::Counter& c) {
    snapshot[labels[0]].calls = c.Value();
  });
  errors_.ForEach([&](const std::vector<std::string>& labels, const metrics::Counter& c) {
    snapshot[labels[0]].errors = c.Value();
  });
  errors_by_code_.ForEach([&](const std::vector<std::string>& labels, const metrics::Counter& c) {
    snapshot[labels[0]].errors_by_code[CodeFromName(labels[1])] = c.Value();
  });
  latency_.ForEach([&](const std::vector<std::string>& labels, const metrics::Histogram& h) {
    OperationSnapshot& op = snapshot[labels[0]];
    op.latency = h.Snapshot();
    op.latency_count = op.latency.count;
    op.latency_sum_seconds = op.latency.sum;
  });
  return snapshot;
}

OperationSnapshot RuntimeOperationMetrics::Snapshot(absl::string_view operation) const {
  std::map<std::string, OperationSnapshot> all = Snapshot();
  auto it = all.find(std::string(operation));
  if (it != all.end()) return it->second;
  OperationSnapshot empty;
  empty.latency = metrics::Histogram(LatencyBuckets()).Snapshot();
  return empty;
}

}  // namespace instrumented
}  // namespace runtime
}  // namespace krl
