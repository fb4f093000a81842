// Reading figures from the agent's /metrics page (Prometheus text: "name{labels} value" lines).
//
//   double calls = SumOfMetric(page, "kubelet_runtime_operations_total");
//   double deadlines = SumOfMetric(page, "kubelet_runtime_operations_errors_by_code_total",
//                                  "code=\"DeadlineExceeded\"");
#ifndef KRL_TOOLS_RUN_DEMO_METRICS_TEXT_H_
#define KRL_TOOLS_RUN_DEMO_METRICS_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace krl {
namespace tools {
namespace run_demo {

// The sum of every sample of the metric `family` (all its label sets; not a longer name that
// starts with it) whose line contains `filter` (any line when empty). Unparsable lines count 0.
double SumOfMetric(absl::string_view page, absl::string_view family, absl::string_view filter = "");

}  // namespace run_demo
}  // namespace tools
}  // namespace krl

#endif  // KRL_TOOLS_RUN_DEMO_METRICS_TEXT_H_
