// MetricFamily: one metric name with label names, and one series (Counter, Gauge or Histogram)
// per distinct list of label values.
//
//   metrics::CounterFamily& ops = registry.AddCounterFamily("ops_total", "Ops.", {"operation"});
//   metrics::Counter& list = ops.WithLabels({"list_containers"});  // keep it: stable reference
//   list.Increment();
//
// Series are created on first use and never removed, so a reference from WithLabels stays valid
// for the family's (the registry's) lifetime. Hot paths keep that reference; WithLabels itself
// takes a reader lock and does not allocate once the series exists.
#ifndef KRL_RUNTIME_METRICS_METRIC_FAMILY_H_
#define KRL_RUNTIME_METRICS_METRIC_FAMILY_H_

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "runtime/util/mutex.h"
#include "absl/types/span.h"
#include "runtime/metrics/counter.h"
#include "runtime/metrics/exposition.h"
#include "runtime/metrics/gauge.h"
#include "runtime/metrics/histogram.h"

namespace krl {
namespace runtime {
namespace metrics {

// What the Registry keeps and renders, whatever the metric kind.
class MetricFamilyBase {
 public:
  MetricFamilyBase(std::string name, std::string help, std::vector<std::string> label_names)
      : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}
  virtual ~MetricFamilyBase() = default;
  MetricFamilyBase(const MetricFamilyBase&) = delete;
  MetricFamilyBase& operator=(const MetricFamilyBase&) = delete;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  virtual const char* type() const = 0;

  // Appends HELP, TYPE and every series sorted by label values; nothing when there is no series
  // yet (as the Go client does for a vector nobody used).
  virtual void Render(std::string* out) const = 0;

 private:
  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
};

namespace internal {

// Heterogeneous hashing and equality so a lookup by string_views finds a key stored as strings
// without building a vector<string> (no allocation on the lookup path).
struct LabelValuesHash {
  using is_transparent = void;
  template <typename Seq>
  size_t Combine(const Seq& values) const {
    size_t h = values.size();
    for (const auto& v : values) {
      h = absl::Hash<std::pair<size_t, absl::string_view>>()({h, absl::string_view(v)});
    }
    return h;
  }
  size_t operator()(const std::vector<std::string>& v) const { return Combine(v); }
  size_t operator()(absl::Span<const absl::string_view> v) const { return Combine(v); }
};

struct LabelValuesEq {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (absl::string_view(a[i]) != absl::string_view(b[i])) return false;
    }
    return true;
  }
};

}  // namespace internal

// Any thread may call any method. mu_ guards the series map; the series themselves are
// lock-free and outlive every lookup (never erased), so callers use them without the lock.
template <typename M>
class MetricFamily final : public MetricFamilyBase {
 public:
  using Factory = std::function<std::unique_ptr<M>()>;

  MetricFamily(std::string name, std::string help, std::vector<std::string> label_names,
               Factory factory)
      : MetricFamilyBase(std::move(name), std::move(help), std::move(label_names)),
        factory_(std::move(factory)) {}

  // The series for these label values (one per label name, in order), created on first use.
  // A wrong number of values is a programming error and aborts with the family's name.
  M& WithLabels(absl::Span<const absl::string_view> values) {
    if (values.size() != label_names().size()) {
      std::fprintf(stderr, "metrics: %s takes %zu label values, got %zu\n", name().c_str(),
                   label_names().size(), values.size());
      std::abort();
    }
    {
      krl::ReaderMutexLock lock(&mu_);
      auto it = series_.find(values);
      if (it != series_.end()) return *it->second->metric;
    }
    krl::MutexLock lock(&mu_);
    auto it = series_.find(values);
    if (it != series_.end()) return *it->second->metric;
    auto series = std::make_unique<Series>();
    series->values.reserve(values.size());
    for (absl::string_view v : values) series->values.emplace_back(v);
    for (size_t i = 0; i < values.size(); ++i) {
      absl::StrAppend(&series->label_text, i == 0 ? "" : ",", label_names()[i], "=\"",
                      EscapeLabelValue(values[i]), "\"");
    }
    series->metric = factory_();
    M& metric = *series->metric;
    std::vector<std::string> key = series->values;
    series_.emplace(std::move(key), std::move(series));
    return metric;
  }

  // Calls fn for every series, sorted by label values, outside the lock (fn may use the family).
  void ForEach(const std::function<void(const std::vector<std::string>& label_values,
                                        const M& metric)>& fn) const {
    for (const Series* series : SortedSeries()) fn(series->values, *series->metric);
  }

  const char* type() const override { return TypeName(static_cast<const M*>(nullptr)); }

  void Render(std::string* out) const override {
    const std::vector<const Series*> sorted = SortedSeries();
    if (sorted.empty()) return;
    absl::StrAppend(out, "# HELP ", name(), " ", EscapeHelp(help()), "\n");
    absl::StrAppend(out, "# TYPE ", name(), " ", type(), "\n");
    for (const Series* series : sorted) {
      AppendSamples(name(), series->label_text, *series->metric, out);
    }
  }

 private:
  struct Series {
    std::vector<std::string> values;
    std::string label_text;  // rendered once: k="v",k2="v2"
    std::unique_ptr<M> metric;
  };

  std::vector<const Series*> SortedSeries() const {
    std::vector<const Series*> sorted;
    {
      krl::ReaderMutexLock lock(&mu_);
      sorted.reserve(series_.size());
      for (const auto& entry : series_) sorted.push_back(entry.second.get());
    }
    std::sort(sorted.begin(), sorted.end(),
              [](const Series* a, const Series* b) { return a->values < b->values; });
    return sorted;
  }

  const Factory factory_;
  mutable krl::Mutex mu_;
  absl::flat_hash_map<std::vector<std::string>, std::unique_ptr<Series>, internal::LabelValuesHash,
                      internal::LabelValuesEq>
      series_ ABSL_GUARDED_BY(mu_);
};

using CounterFamily = MetricFamily<Counter>;
using GaugeFamily = MetricFamily<Gauge>;
using HistogramFamily = MetricFamily<Histogram>;

}  // namespace metrics
}  // namespace runtime
}  // namespace krl

#endif  // KRL_RUNTIME_METRICS_METRIC_FAMILY_H_
