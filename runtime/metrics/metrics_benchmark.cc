// The metrics hot paths: what an instrumented CRI call adds on top of the call itself.
#include <benchmark/benchmark.h>

#include "runtime/metrics/registry.h"

namespace krl {
namespace runtime {
namespace metrics {
namespace {

void BM_CounterIncrement(benchmark::State& state) {
  static Registry* registry = new Registry();
  static Counter& counter = registry->AddCounter("bench_total", "Bench.");
  for (auto _ : state) counter.Increment();
}
BENCHMARK(BM_CounterIncrement)->Threads(1)->Threads(2)->Threads(8);

void BM_HistogramObserve(benchmark::State& state) {
  static Registry* registry = new Registry();
  static Histogram& histogram =
      registry->AddHistogram("bench_seconds", "Bench.", ExponentialBuckets(0.005, 2.5, 14));
  double v = 0.001;
  for (auto _ : state) {
    histogram.Observe(v);
    v = v > 100 ? 0.001 : v * 1.7;
  }
}
BENCHMARK(BM_HistogramObserve)->Threads(1)->Threads(2)->Threads(8);

void BM_WithLabelsLookup(benchmark::State& state) {
  static Registry* registry = new Registry();
  static CounterFamily& family = registry->AddCounterFamily("bench_ops_total", "B.", {"op"});
  family.WithLabels({"list_containers"});
  for (auto _ : state) family.WithLabels({"list_containers"}).Increment();
}
BENCHMARK(BM_WithLabelsLookup)->Threads(1)->Threads(2)->Threads(8);

void BM_Render(benchmark::State& state) {
  Registry registry;
  HistogramFamily& family = registry.AddHistogramFamily("bench_seconds", "B.", {"op"},
                                                        ExponentialBuckets(0.005, 2.5, 14));
  for (int i = 0; i < 40; ++i) family.WithLabels({std::to_string(i)}).Observe(0.1);
  for (auto _ : state) benchmark::DoNotOptimize(registry.Render());
}
BENCHMARK(BM_Render);

}  // namespace
}  // namespace metrics
}  // namespace runtime
}  // namespace krl

BENCHMARK_MAIN();
