// Histogram: counts observations into fixed buckets, with their sum, lock-free.
//
//   metrics::Histogram& latency = registry.AddHistogram(
//       "agent_sync_duration_seconds", "Duration of one sync.", metrics::DefaultBuckets());
//   latency.ObserveDuration(absl::Milliseconds(12));
//
// Buckets are upper bounds, inclusive (a value v goes into the first bucket with v <= bound), as
// in Prometheus. The +Inf bucket is implicit and always present.
#ifndef KRL_RUNTIME_METRICS_HISTOGRAM_H_
#define KRL_RUNTIME_METRICS_HISTOGRAM_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/time/time.h"

namespace krl {
namespace runtime {
namespace metrics {

// Prometheus' default buckets: .005 .01 .025 .05 .1 .25 .5 1 2.5 5 10 (seconds).
std::vector<double> DefaultBuckets();
// `count` bounds: start, start*factor, start*factor^2, ... computed by repeated multiplication so
// the values (and their text) are the same as the Go client's ExponentialBuckets.
std::vector<double> ExponentialBuckets(double start, double factor, int count);
// `count` bounds: start, start+width, ...
std::vector<double> LinearBuckets(double start, double width, int count);

// A consistent-enough copy of a histogram: bucket_counts are per bucket (not cumulative), one per
// upper bound plus the +Inf bucket last; count is their total.
struct HistogramSnapshot {
  std::vector<double> upper_bounds;
  std::vector<uint64_t> bucket_counts;
  uint64_t count = 0;
  double sum = 0;

  // Observations <= upper_bounds[i], i.e. what the exposition prints for `le`.
  uint64_t CumulativeCount(size_t i) const;
};

// Any thread may call any method. Observe is one relaxed atomic add on the bucket plus a
// compare-and-swap loop on the sum; no lock, no allocation. The count is derived from the buckets
// so `_count` always equals the +Inf bucket in a snapshot; the sum may trail by the observations
// racing with the snapshot.
class Histogram {
 public:
  // `upper_bounds` must be strictly increasing and finite (a trailing +Inf is dropped); a broken
  // bucket list is a programming error and aborts.
  explicit Histogram(std::vector<double> upper_bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void Observe(double value);
  void ObserveDuration(absl::Duration d) { Observe(absl::ToDoubleSeconds(d)); }

  HistogramSnapshot Snapshot() const;
  const std::vector<double>& upper_bounds() const { return upper_bounds_; }

 private:
  // Each bucket on its own cache line would cost 64 bytes a bucket for little gain: CRI calls are
  // milliseconds apart, so contention on one line is not what limits the hot path.
  const std::vector<double> upper_bounds_;
  const std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // upper_bounds_.size() + 1
  std::atomic<uint64_t> sum_bits_{0};                       // the double sum's bit pattern
};

}  // namespace metrics
}  // namespace runtime
}  // namespace krl

#endif  // KRL_RUNTIME_METRICS_HISTOGRAM_H_
