#include "tools/run_demo/metrics_text.h"

#include <catch2/catch.hpp>

namespace krl {
namespace tools {
namespace run_demo {
namespace {

constexpr char kPage[] =
    "# HELP kubelet_runtime_operations_total Cumulative number of runtime operations.\n"
    "# TYPE kubelet_runtime_operations_total counter\n"
    "kubelet_runtime_operations_total{operation_type=\"list_podsandbox\"} 12\n"
    "kubelet_runtime_operations_total{operation_type=\"version\"} 3\n"
    "kubelet_runtime_operations_total_extra 100\n"
    "kubelet_running_pods 4\n"
    "kubelet_runtime_operations_errors_by_code_total{code=\"DeadlineExceeded\"} 2\n"
    "kubelet_runtime_operations_errors_by_code_total{code=\"Unavailable\"} 5\n"
    "kubelet_running_pods_broken not-a-number\n";

TEST_CASE("SumOfMetric adds every sample of one family and only it") {
  CHECK(SumOfMetric(kPage, "kubelet_runtime_operations_total") == 15);
  CHECK(SumOfMetric(kPage, "kubelet_running_pods") == 4);
  CHECK(SumOfMetric(kPage, "kubelet_runtime_operations_errors_by_code_total") == 7);
  CHECK(SumOfMetric(kPage, "kubelet_runtime_operations_errors_by_code_total",
                    "code=\"DeadlineExceeded\"") == 2);
  CHECK(SumOfMetric(kPage, "absent_metric") == 0);
  CHECK(SumOfMetric(kPage, "kubelet_running_pods_broken") == 0);
}

}  // namespace
}  // namespace run_demo
}  // namespace tools
}  // namespace krl
