#include "runtime/metrics/registry.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace krl {
namespace runtime {
namespace metrics {
namespace {

[[noreturn]] void Fail(absl::string_view name, absl::string_view why) {
  std::fprintf(stderr, "metrics: %.*s: %.*s\n", static_cast<int>(name.size()), name.data(),
               static_cast<int>(why.size()), why.data());
  std::abort();
}

std::string Signature(absl::string_view kind, const std::vector<std::string>& label_names,
                      const std::vector<double>& upper_bounds = {}) {
  std::string signature = absl::StrCat(kind, "|", absl::StrJoin(label_names, ","), "|");
  for (double bound : upper_bounds) absl::StrAppend(&signature, FormatValue(bound), ",");
  return signature;
}

}  // namespace

void Registry::CheckNames(absl::string_view name, const std::vector<std::string>& label_names,
                          bool histogram) const {
  if (!IsValidMetricName(name)) Fail(name, "invalid metric name");
  for (size_t i = 0; i < label_names.size(); ++i) {
    if (!IsValidLabelName(label_names[i]))
      Fail(name, absl::StrCat("invalid label name ", label_names[i]));
    if (histogram && label_names[i] == "le") Fail(name, "a histogram may not have a label le");
    for (size_t j = 0; j < i; ++j) {
      if (label_names[j] == label_names[i]) Fail(name, "duplicate label name");
    }
  }
}

MetricFamilyBase* Registry::FindCompatible(absl::string_view name,
                                           const std::string& signature) const {
  auto it = families_.find(name);
  if (it == families_.end()) return nullptr;
  if (it->second.signature != signature) {
    Fail(name, absl::StrCat("registered twice with different shapes: ", it->second.signature,
                            " vs ", signature));
  }
  return it->second.family.get();
}

CounterFamily& Registry::AddCounterFamily(absl::string_view name, absl::string_view help,
                                          std::vector<std::string> label_names) {
  CheckNames(name, label_names, false);
  const std::string signature = Signature("counter", label_names);
  krl::MutexLock lock(&mu_);
  if (MetricFamilyBase* existing = FindCompatible(name, signature)) {
    return static_cast<CounterFamily&>(*existing);
  }
  auto family =
      std::make_unique<CounterFamily>(std::string(name), std::string(help), std::move(label_names),
                                      [] { return std::make_unique<Counter>(); });
  CounterFamily& result = *family;
  families_[std::string(name)] = Entry{signature, std::move(family)};
  return result;
}

GaugeFamily& Registry::AddGaugeFamily(absl::string_view name, absl::string_view help,
                                      std::vector<std::string> label_names) {
  CheckNames(name, label_names, false);
  const std::string signature = Signature("gauge", label_names);
  krl::MutexLock lock(&mu_);
  if (MetricFamilyBase* existing = FindCompatible(name, signature)) {
    return static_cast<GaugeFamily&>(*existing);
  }
  auto family =
      std::make_unique<GaugeFamily>(std::string(name), std::string(help), std::move(label_names),
                                    [] { return std::make_unique<Gauge>(); });
  GaugeFamily& result = *family;
  families_[std::string(name)] = Entry{signature, std::move(family)};
  return result;
}

HistogramFamily& Registry::AddHistogramFamily(absl::string_view name, absl::string_view help,
                                              std::vector<std::string> label_names,
                                              std::vector<double> upper_bounds) {
  CheckNames(name, label_names, true);
  // Validates the buckets now rather than on the first series.
  const std::vector<double> bounds = Histogram(std::move(upper_bounds)).upper_bounds();
  const std::string signature = Signature("histogram", label_names, bounds);
  krl::MutexLock lock(&mu_);
  if (MetricFamilyBase* existing = FindCompatible(name, signature)) {
    return static_cast<HistogramFamily&>(*existing);
  }
  auto family = std::make_unique<HistogramFamily>(
      std::string(name), std::string(help), std::move(label_names),
      [bounds] { return std::make_unique<Histogram>(bounds); });
  HistogramFamily& result = *family;
  families_[std::string(name)] = Entry{signature, std::move(family)};
  return result;
}

Counter& Registry::AddCounter(absl::string_view name, absl::string_view help) {
  return AddCounterFamily(name, help, {}).WithLabels({});
}

Gauge& Registry::AddGauge(absl::string_view name, absl::string_view help) {
  return AddGaugeFamily(name, help, {}).WithLabels({});
}

Histogram& Registry::AddHistogram(absl::string_view name, absl::string_view help,
                                  std::vector<double> upper_bounds) {
  return AddHistogramFamily(name, help, {}, std::move(upper_bounds)).WithLabels({});
}

std::string Registry::Render() const {
  std::vector<const MetricFamilyBase*> families;
  {
    krl::ReaderMutexLock lock(&mu_);
    families.reserve(families_.size());
    for (const auto& entry : families_) families.push_back(entry.second.family.get());
  }
  std::string out;
  for (const MetricFamilyBase* family : families) family->Render(&out);
  return out;
}

}  // namespace metrics
}  // namespace runtime
}  // namespace krl
