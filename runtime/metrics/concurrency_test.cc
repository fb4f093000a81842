#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "runtime/metrics/registry.h"

namespace krl {
namespace runtime {
namespace metrics {
namespace {

constexpr int kThreads = 8;
constexpr int kPerThread = 100000;

TEST_CASE("eight threads incrementing counters, gauges and histograms leave exact totals") {
  Registry registry;
  Counter& counter = registry.AddCounter("c_total", "C.");
  Gauge& gauge = registry.AddGauge("g", "G.");
  Histogram& histogram = registry.AddHistogram("h", "H.", {0.5, 1.5});
  CounterFamily& family = registry.AddCounterFamily("f_total", "F.", {"op"});

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Every thread races to create the same two series as well as bumping them.
      Counter& shared = family.WithLabels({"shared"});
      const std::string own = "t" + std::to_string(t % 2);
      for (int i = 0; i < kPerThread; ++i) {
        counter.Increment();
        gauge.Add(1);
        histogram.Observe(i % 2 == 0 ? 1.0 : 2.0);
        shared.Increment();
        family.WithLabels({own}).Increment();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  const uint64_t total = uint64_t{kThreads} * kPerThread;
  CHECK(counter.Value() == total);
  CHECK(gauge.Value() == static_cast<double>(total));
  HistogramSnapshot s = histogram.Snapshot();
  CHECK(s.count == total);
  CHECK(s.bucket_counts == std::vector<uint64_t>{0, total / 2, total / 2});
  CHECK(s.sum == 1.5 * static_cast<double>(total));  // small integers: the double sum is exact
  CHECK(family.WithLabels({"shared"}).Value() == total);
  CHECK(family.WithLabels({"t0"}).Value() == total / 2);
  CHECK(family.WithLabels({"t1"}).Value() == total / 2);
}

TEST_CASE("rendering while other threads write never tears a histogram's count") {
  Registry registry;
  Histogram& histogram = registry.AddHistogram("h", "H.", {1});
  std::thread writer([&] {
    for (int i = 0; i < kPerThread; ++i) histogram.Observe(0.5);
  });
  for (int i = 0; i < 200; ++i) {
    HistogramSnapshot s = histogram.Snapshot();
    REQUIRE(s.count == s.CumulativeCount(s.bucket_counts.size() - 1));
    REQUIRE(!registry.Render().empty());
  }
  writer.join();
  CHECK(histogram.Snapshot().count == kPerThread);
}

}  // namespace
}  // namespace metrics
}  // namespace runtime
}  // namespace krl
