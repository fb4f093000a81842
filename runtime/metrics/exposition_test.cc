#include "runtime/metrics/exposition.h"

#include <catch2/catch.hpp>
#include <limits>

#include "runtime/metrics/histogram.h"

namespace krl {
namespace runtime {
namespace metrics {
namespace {

TEST_CASE("values print like the Go client's shortest 'g' formatting") {
  CHECK(FormatValue(0) == "0");
  CHECK(FormatValue(1) == "1");
  CHECK(FormatValue(-1) == "-1");
  CHECK(FormatValue(42) == "42");
  CHECK(FormatValue(0.005) == "0.005");
  CHECK(FormatValue(0.0001) == "0.0001");
  CHECK(FormatValue(0.00001) == "1e-05");
  CHECK(FormatValue(1.5e-5) == "1.5e-05");
  CHECK(FormatValue(123456) == "123456");
  CHECK(FormatValue(1e6) == "1e+06");
  CHECK(FormatValue(1234567) == "1.234567e+06");
  CHECK(FormatValue(2.5) == "2.5");
  CHECK(FormatValue(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(FormatValue(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(FormatValue(std::numeric_limits<double>::quiet_NaN()) == "NaN");
}

TEST_CASE("the kubelet's runtime operation buckets print exactly as the kubelet prints them") {
  std::vector<std::string> printed;
  for (double b : ExponentialBuckets(0.005, 2.5, 14)) printed.push_back(FormatValue(b));
  CHECK(printed == std::vector<std::string>{"0.005", "0.0125", "0.03125", "0.078125", "0.1953125",
                                            "0.48828125", "1.220703125", "3.0517578125",
                                            "7.62939453125", "19.073486328125", "47.6837158203125",
                                            "119.20928955078125", "298.0232238769531",
                                            "745.0580596923828"});
}

TEST_CASE("label values escape backslash, quote and newline; help escapes backslash and newline") {
  CHECK(EscapeLabelValue("plain") == "plain");
  CHECK(EscapeLabelValue("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
  CHECK(EscapeHelp("say \"hi\"\\\n") == "say \"hi\"\\\\\\n");
}

TEST_CASE("metric and label names are checked against the Prometheus grammar") {
  CHECK(IsValidMetricName("kubelet_runtime_operations_total"));
  CHECK(IsValidMetricName("ns:rule_name"));
  CHECK_FALSE(IsValidMetricName(""));
  CHECK_FALSE(IsValidMetricName("1abc"));
  CHECK_FALSE(IsValidMetricName("a-b"));
  CHECK(IsValidLabelName("operation_type"));
  CHECK_FALSE(IsValidLabelName("__name__"));
  CHECK_FALSE(IsValidLabelName("a:b"));
  CHECK_FALSE(IsValidLabelName(""));
}

}  // namespace
}  // namespace metrics
}  // namespace runtime
}  // namespace krl
