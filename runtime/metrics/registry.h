// Registry: owns metric families and renders them all as Prometheus text (format 0.0.4).
//
//   metrics::Registry registry;
//   registry.AddCounterFamily("ops_total", "Operations.", {"op"}).WithLabels({"list"}).Increment();
//   std::string body = registry.Render();  // serve with metrics::kExpositionContentType
//
// Families render sorted by name, series sorted by label values, as the Go client does, so the
// output is deterministic and diffable.
#ifndef KRL_RUNTIME_METRICS_REGISTRY_H_
#define KRL_RUNTIME_METRICS_REGISTRY_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "runtime/util/mutex.h"
#include "runtime/metrics/counter.h"
#include "runtime/metrics/gauge.h"
#include "runtime/metrics/histogram.h"
#include "runtime/metrics/metric_family.h"

namespace krl {
namespace runtime {
namespace metrics {

// Any thread may call any method. mu_ guards the family map; families are never removed, so
// references returned by Add* stay valid until the registry is destroyed.
//
// Adding a name that exists returns the existing family when kind, label names and buckets are
// the same (two components may share a family); anything else (a clash, an invalid name, "le" as
// a histogram label) is a programming error and aborts with a message naming the metric.
class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  CounterFamily& AddCounterFamily(absl::string_view name, absl::string_view help,
                                  std::vector<std::string> label_names);
  GaugeFamily& AddGaugeFamily(absl::string_view name, absl::string_view help,
                              std::vector<std::string> label_names);
  HistogramFamily& AddHistogramFamily(absl::string_view name, absl::string_view help,
                                      std::vector<std::string> label_names,
                                      std::vector<double> upper_bounds);

  // Families without labels, reduced to their one series.
  Counter& AddCounter(absl::string_view name, absl::string_view help);
  Gauge& AddGauge(absl::string_view name, absl::string_view help);
  Histogram& AddHistogram(absl::string_view name, absl::string_view help,
                          std::vector<double> upper_bounds);

  // Every family with at least one series, in the text exposition format.
  std::string Render() const;

 private:
  // Returns the existing family named `name` if its signature matches, nullptr if there is none.
  MetricFamilyBase* FindCompatible(absl::string_view name, const std::string& signature) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CheckNames(absl::string_view name, const std::vector<std::string>& label_names,
                  bool histogram) const;

  struct Entry {
    std::string signature;  // kind, label names and buckets: what must match on re-adding
    std::unique_ptr<MetricFamilyBase> family;
  };

  mutable krl::Mutex mu_;
  std::map<std::string, Entry, std::less<>> families_ ABSL_GUARDED_BY(mu_);
};

}  // namespace metrics
}  // namespace runtime
}  // namespace krl

#endif  // KRL_RUNTIME_METRICS_REGISTRY_H_
