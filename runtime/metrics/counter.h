// Counter: a monotonically increasing count, safe to bump from any thread without a lock.
//
//   metrics::Registry registry;
//   metrics::Counter& restarts = registry.AddCounter("agent_restarts_total", "Agent restarts.");
//   restarts.Increment();
//
// A counter belongs to a Registry (or a CounterFamily) that owns it; references stay valid for
// the registry's lifetime.
#ifndef KRL_RUNTIME_METRICS_COUNTER_H_
#define KRL_RUNTIME_METRICS_COUNTER_H_

#include <atomic>
#include <cstdint>

namespace krl {
namespace runtime {
namespace metrics {

// Any thread may call any method. One relaxed atomic add per increment: readers only need a
// value that is eventually exact, never ordering against other memory.
class Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  void Increment(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

}  // namespace metrics
}  // namespace runtime
}  // namespace krl

#endif  // KRL_RUNTIME_METRICS_COUNTER_H_
