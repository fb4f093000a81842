#include "runtime/metrics/registry.h"

#include <catch2/catch.hpp>

namespace krl {
namespace runtime {
namespace metrics {
namespace {

TEST_CASE("a small registry renders exactly the expected exposition text") {
  Registry registry;
  CounterFamily& ops =
      registry.AddCounterFamily("test_operations_total", "Operations by type.", {"operation_type"});
  ops.WithLabels({"list_containers"}).Increment(3);
  ops.WithLabels({"create_container"}).Increment();
  registry.AddGauge("test_running_pods", "Pods with a running sandbox.\nSecond line \\.").Set(2);
  HistogramFamily& latency = registry.AddHistogramFamily("test_duration_seconds", "Duration.",
                                                         {"operation_type"}, {0.1, 1, 2.5});
  latency.WithLabels({"version"}).Observe(0.05);
  latency.WithLabels({"version"}).Observe(0.1);
  latency.WithLabels({"version"}).Observe(2);
  latency.WithLabels({"version"}).Observe(3.25);
  Histogram& plain = registry.AddHistogram("test_plain_seconds", "Plain.", {1});
  plain.Observe(0.5);
  registry.AddCounterFamily("test_escaped_total", "Escaping.", {"path", "code"})
      .WithLabels({"C:\\dir \"x\"\nnext", "NotFound"})
      .Increment();

  const std::string expected =
      "# HELP test_duration_seconds Duration.\n"
      "# TYPE test_duration_seconds histogram\n"
      "test_duration_seconds_bucket{operation_type=\"version\",le=\"0.1\"} 2\n"
      "test_duration_seconds_bucket{operation_type=\"version\",le=\"1\"} 2\n"
      "test_duration_seconds_bucket{operation_type=\"version\",le=\"2.5\"} 3\n"
      "test_duration_seconds_bucket{operation_type=\"version\",le=\"+Inf\"} 4\n"
      "test_duration_seconds_sum{operation_type=\"version\"} 5.4\n"
      "test_duration_seconds_count{operation_type=\"version\"} 4\n"
      "# HELP test_escaped_total Escaping.\n"
      "# TYPE test_escaped_total counter\n"
      "test_escaped_total{path=\"C:\\\\dir \\\"x\\\"\\nnext\",code=\"NotFound\"} 1\n"
      "# HELP test_operations_total Operations by type.\n"
      "# TYPE test_operations_total counter\n"
      "test_operations_total{operation_type=\"create_container\"} 1\n"
      "test_operations_total{operation_type=\"list_containers\"} 3\n"
      "# HELP test_plain_seconds Plain.\n"
      "# TYPE test_plain_seconds histogram\n"
      "test_plain_seconds_bucket{le=\"1\"} 1\n"
      "test_plain_seconds_bucket{le=\"+Inf\"} 1\n"
      "test_plain_seconds_sum 0.5\n"
      "test_plain_seconds_count 1\n"
      "# HELP test_running_pods Pods with a running sandbox.\\nSecond line \\\\.\n"
      "# TYPE test_running_pods gauge\n"
      "test_running_pods 2\n";
  CHECK(registry.Render() == expected);
}

TEST_CASE("a family nobody used yet renders nothing, not even its HELP line") {
  Registry registry;
  registry.AddCounterFamily("unused_total", "Unused.", {"op"});
  CHECK(registry.Render().empty());
  registry.AddCounter("used_total", "Used.");
  CHECK(registry.Render() == "# HELP used_total Used.\n# TYPE used_total counter\nused_total 0\n");
}

TEST_CASE("WithLabels returns the same series for the same label values") {
  Registry registry;
  CounterFamily& family = registry.AddCounterFamily("ops_total", "Ops.", {"a", "b"});
  Counter& first = family.WithLabels({"x", "y"});
  std::string a = "x";
  std::string b = "y";
  Counter& again = family.WithLabels({a, b});
  CHECK(&first == &again);
  CHECK(&family.WithLabels({"y", "x"}) != &first);
}

TEST_CASE("adding a family twice with the same shape returns the existing family") {
  Registry registry;
  HistogramFamily& a = registry.AddHistogramFamily("h_seconds", "H.", {"op"}, {1, 2});
  HistogramFamily& b = registry.AddHistogramFamily("h_seconds", "H.", {"op"}, {1, 2});
  CHECK(&a == &b);
  Counter& c = registry.AddCounter("c_total", "C.");
  CHECK(&registry.AddCounter("c_total", "C.") == &c);
}

TEST_CASE("ForEach visits every series sorted by label values") {
  Registry registry;
  CounterFamily& family = registry.AddCounterFamily("ops_total", "Ops.", {"op"});
  family.WithLabels({"b"}).Increment(2);
  family.WithLabels({"a"}).Increment(1);
  std::vector<std::pair<std::string, uint64_t>> seen;
  family.ForEach([&](const std::vector<std::string>& values, const Counter& counter) {
    seen.emplace_back(values[0], counter.Value());
  });
  CHECK(seen == std::vector<std::pair<std::string, uint64_t>>{{"a", 1}, {"b", 2}});
}

}  // namespace
}  // namespace metrics
}  // namespace runtime
}  // namespace krl
