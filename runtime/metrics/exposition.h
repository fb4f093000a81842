// The Prometheus text exposition format 0.0.4: value formatting, escaping and name checks.
//
//   std::string line = absl::StrCat("up{job=\"", metrics::EscapeLabelValue(job), "\"} ",
//                                   metrics::FormatValue(1.0), "\n");
//   metrics::IsValidMetricName("kubelet_runtime_operations_total");  // true
//
// Registry::Render uses these; they are public so other exporters print the same text.
#ifndef KRL_RUNTIME_METRICS_EXPOSITION_H_
#define KRL_RUNTIME_METRICS_EXPOSITION_H_

#include <string>

#include "absl/strings/string_view.h"
#include "runtime/metrics/counter.h"
#include "runtime/metrics/gauge.h"
#include "runtime/metrics/histogram.h"

namespace krl {
namespace runtime {
namespace metrics {

// The Content-Type of a /metrics answer in this format.
inline constexpr char kExpositionContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// A sample value as the Go client prints it (strconv 'g', shortest round trip): "1", "0.005",
// "1e+06", "1.5e-05", "+Inf", "-Inf", "NaN". Same values give byte-identical text to the kubelet.
std::string FormatValue(double value);

// Label values escape backslash, double quote and newline; HELP text escapes backslash and newline.
std::string EscapeLabelValue(absl::string_view value);
std::string EscapeHelp(absl::string_view help);

// [a-zA-Z_:][a-zA-Z0-9_:]* for metric names; [a-zA-Z_][a-zA-Z0-9_]* for label names, which also
// must not start with "__" (reserved by Prometheus).
bool IsValidMetricName(absl::string_view name);
bool IsValidLabelName(absl::string_view name);

// Sample lines of one series. `labels` is the rendered `k="v",k2="v2"` list without braces
// (empty for a series without labels).
void AppendSamples(absl::string_view name, absl::string_view labels, const Counter& counter,
                   std::string* out);
void AppendSamples(absl::string_view name, absl::string_view labels, const Gauge& gauge,
                   std::string* out);
void AppendSamples(absl::string_view name, absl::string_view labels, const Histogram& histogram,
                   std::string* out);

// The TYPE line's word for each metric kind.
inline const char* TypeName(const Counter*) { return "counter"; }
inline const char* TypeName(const Gauge*) { return "gauge"; }
inline const char* TypeName(const Histogram*) { return "histogram"; }

}  // namespace metrics
}  // namespace runtime
}  // namespace krl

#endif  // KRL_RUNTIME_METRICS_EXPOSITION_H_
